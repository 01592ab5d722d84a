/* Xen PV ABI backend: entry, cpu/init/machine pv-ops and the backend table. The same code runs
 * on real Xen and on Moat, which implements the same ABI.
 *
 * Entry sequence (xen_start, from xen-head.S on our own stack):
 *   1. install the backend: ONE structure assignment, pv_ops = xen_pv_ops;
 *   2. console through console_io, so everything after can be reported;
 *   3. p2m and the pinned bootstrap tables (mmu.c), shared_info mapped over a reserved pfn;
 *   4. descriptor tables and the trap table through hypercalls (desc_init), event callbacks;
 *   5. the generic kernel_start(), which adopts the bootstrap page tables as its address space
 *      (memmap.keep_boot_tables) and keeps the hypervisor hole unmapped.
 *
 * Invariants: nothing here executes a privileged instruction. Slots whose operation is
 * trapped and emulated by the hypervisor where speed does not matter (MSRs, port I/O, CR0/CR4
 * reads) reuse the native functions, so those instructions still live only in pv/native.c. */
#include <stdint.h>
#include <lib/format.h>
#include <lib/string.h>
#include <xen/xen.h>
#include <xen/version.h>
#include <xen/sched.h>
#include <xen/physdev.h>
#include "pv/xen/xen.h"
#include "pv/xen/hypercall.h"
#include "pv/xen/abi.h"
#include "pv/native.h"
#include "boot.h"
#include "desc.h"
#include "kmem.h"
#include "mm.h"
#include "printk.h"

extern char xen_hypervisor_callback[], xen_failsafe_callback[];
void __attribute__((noreturn)) xen_start(void);

static uint32_t shared_info_pfn;
static struct xen_boot_layout layout;
static int gdt_loaded, traps_loaded;
static struct trap_info traps[256];

/* Every gate vcpu 0 has (exceptions, irqs, int $0x80, the upcall...), indexed by vector, for
 * another vcpu's VCPUOP_initialise (pv/xen/smp.c): a vcpu's trap table is its own. */
void xen_copy_trap_table(struct trap_info out[256])
{
    for (unsigned v = 0; v < 256; v++)
        out[v] = traps[v];
}

/* ---- console ---- */
static void xen_console_write(const char *s, unsigned len)
{
    HYPERVISOR_console_io(CONSOLEIO_write, len, s);
}

/* ---- cpu ---- */
static void xen_cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    /* The forced-emulation prefix: the hypervisor emulates cpuid with the domain's policy. */
    asm volatile(".byte 0x0f, 0x0b, 0x78, 0x65, 0x6e\n\tcpuid"
                 : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

/* Per-vcpu shadow of the TLS descriptors each vcpu last queued or wrote through xen_load_tls
 * (H18), so a batched context switch can leave out an update_descriptor whose value is
 * already loaded. A slot is skipped only when BOTH the shadow and the GDT itself hold the
 * wanted value: the shadow covers a write still queued in this vcpu's batch (the GDT page
 * shows it only after the flush), the GDT covers a write that failed or came from elsewhere.
 * Any other write to a TLS slot clears that slot's shadow. */
struct tls_shadow {
    const uint64_t *gdt;
    uint64_t d[GDT_TLS_ENTRIES];
    unsigned valid; /* bit i: d[i] is the last value queued or written for slot i */
};
static struct tls_shadow tls_shadow[XEN_MAX_CPUS];

static void xen_queue_gdt_entry(uint64_t *gdt, unsigned i, uint64_t d);

static void xen_write_gdt_entry(uint64_t *gdt, unsigned i, uint64_t d)
{
    if (i >= GDT_ENTRY_TLS_MIN && i < GDT_ENTRY_TLS_MIN + GDT_TLS_ENTRIES)
        tls_shadow[xen_smp_cpu()].valid &= ~(1u << (i - GDT_ENTRY_TLS_MIN));
    xen_queue_gdt_entry(gdt, i, d);
}

static void xen_queue_gdt_entry(uint64_t *gdt, unsigned i, uint64_t d)
{
    if (!gdt_loaded) {
        gdt[i] = d; /* still an ordinary writable page */
        return;
    }
    uint64_t ma = xen_virt_to_machine(&gdt[i]);
    struct multicall_entry *e = xen_mc_queue(__HYPERVISOR_update_descriptor, 0, 0);
    if (e) {
        e->args[0] = (uint32_t)ma;
        e->args[1] = (uint32_t)(ma >> 32);
        e->args[2] = (uint32_t)d;
        e->args[3] = (uint32_t)(d >> 32);
        return;
    }
    long rc = HYPERVISOR_update_descriptor(ma, d);
    if (rc)
        printk(KERN_ERR "xen: update_descriptor %u failed: %ld\n", i, rc);
}

static void xen_load_gdt(const struct desc_ptr *p)
{
    /* One page of descriptors (gdt_table is page-sized and page-aligned); the hypervisor wants
     * it read-only in every mapping before it accepts it as a GDT frame. */
    void *page = (void *)(uintptr_t)(p->address & PAGE_MASK);
    uint32_t pfn = virt_to_pfn(page);
    uint64_t ro = xen_make_pte(((uint64_t)pfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED);
    long rc = HYPERVISOR_update_va_mapping((uint32_t)(uintptr_t)page, ro, UVMF_INVLPG);
    unsigned long frames[1] = { xen_pfn_to_mfn(pfn) };
    if (!rc)
        rc = HYPERVISOR_set_gdt(frames, (p->size + 1u) / 8u);
    if (rc)
        printk(KERN_ERR "xen: set_gdt failed: %ld\n", rc);
    else
        gdt_loaded = gdt_installed = 1;
}

/* Any vector can be a hypervisor trap (exceptions, int $0x80, int3 ...). The trap table is
 * kept per vector; set_trap_table gets the set ones compacted, because an entry with address 0
 * ends Xen's list. */
/* A vcpu's trap table is its own (set_trap_table changes the caller's): every change here is
 * counted, so another vcpu can tell that its copy is out of date (pv/xen/smp.c reloads it
 * before it runs tasks: int $0x80 is registered after the vcpus are up). */
unsigned xen_trap_table_gen;

static void xen_write_idt_entry(uint64_t *idt, unsigned v, const struct gate *g)
{
    if (v >= 256)
        return;
    xen_encode_trap(&traps[v], v, g->selector, g->offset, g->dpl, g->irq_gate);
    xen_trap_table_gen++;
    if (traps_loaded) {
        struct trap_info one[2] = { traps[v], { 0 } };
        long rc = HYPERVISOR_set_trap_table(one);
        if (rc)
            printk(KERN_ERR "xen: set_trap_table(%u) failed: %ld\n", v, rc);
    }
}

/* The whole table for the calling vcpu (callers hold the big kernel lock or are boot code:
 * the list is static). */
long xen_reload_trap_table(void)
{
    static struct trap_info list[257];
    unsigned n = 0;
    for (unsigned v = 0; v < 256; v++)
        if (traps[v].address)
            list[n++] = traps[v];
    list[n].address = 0; /* terminator */
    return HYPERVISOR_set_trap_table(list);
}

static void xen_load_idt(const struct desc_ptr *p)
{
    long rc = xen_reload_trap_table();
    if (rc)
        printk(KERN_ERR "xen: set_trap_table failed: %ld\n", rc);
    else
        traps_loaded = traps_installed = 1;
}

/* No TSS in a PV domain: the hypervisor owns it; esp0 reaches it through stack_switch. */
static void xen_load_tr(unsigned sel) { }

/* %fs/%gs are cleared first: they may still hold the interrupted user's TLS selector, and a
 * hypervisor that reloads data segments on its way back to us (Moat does, as x86_32 Xen did)
 * would fail on a descriptor changed under it and take the failsafe callback. The user's
 * selectors are in its trap frame and are reloaded from there on the return to user mode.
 * (Linux's xen_load_tls clears them for the same reason.) */
static void xen_load_tls(uint64_t *gdt, unsigned first, const uint64_t tls[GDT_TLS_ENTRIES])
{
    asm volatile("movw %w0, %%fs\n\tmovw %w0, %%gs" : : "r"(0) : "memory");
    struct tls_shadow *sh = &tls_shadow[xen_smp_cpu()];
    /* Only the batched switch skips: unbatched, every slot is written (the reference path). */
    int skip = gdt_loaded && first == GDT_ENTRY_TLS_MIN && sh->gdt == gdt && xen_lazy_cpu_active();
    if (sh->gdt != gdt || first != GDT_ENTRY_TLS_MIN) {
        sh->gdt = gdt;
        sh->valid = 0;
    }
    for (unsigned i = 0; i < GDT_TLS_ENTRIES; i++) {
        if (skip && (sh->valid & (1u << i)) && sh->d[i] == tls[i] && gdt[first + i] == tls[i])
            continue;
        xen_queue_gdt_entry(gdt, first + i, tls[i]);
        if (first == GDT_ENTRY_TLS_MIN && gdt_loaded) {
            sh->d[i] = tls[i];
            sh->valid |= 1u << i;
        }
    }
}

static void xen_load_esp0(uint32_t ss0, uint32_t esp0)
{
    struct multicall_entry *e = xen_mc_queue(__HYPERVISOR_stack_switch, 0, 0);
    if (e) {
        e->args[0] = ss0;
        e->args[1] = esp0;
        return;
    }
    long rc = HYPERVISOR_stack_switch(ss0, esp0);
    if (rc)
        printk(KERN_ERR "xen: stack_switch failed: %ld\n", rc);
}

static void xen_set_iopl_mask(uint32_t mask)
{
    /* Ring-1 kernel code needs IOPL >= 1 to keep its own port access when asking for "none". */
    struct physdev_set_iopl iopl = { .iopl = mask ? (mask >> 12) & 3 : 1 };
    HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl);
}

/* CR0: only TS is the guest's to change (fpu_taskswitch). Reads come from a shadow, taken
 * once through the trapping mov and then kept in step with every TS change, so a context
 * switch that sets TS costs no emulation trap (Linux's xen_read_cr0 does the same). */
#define X86_CR0_TS 8u
static uint32_t cr0_shadow[XEN_MAX_CPUS];   /* per vcpu: each has its own CR0.TS */
static uint8_t cr0_shadow_valid[XEN_MAX_CPUS];

static uint32_t xen_read_cr0(void)
{
    unsigned cpu = xen_smp_cpu();
    if (!cr0_shadow_valid[cpu]) {
        cr0_shadow[cpu] = native_read_cr0();
        cr0_shadow_valid[cpu] = 1;
    }
    return cr0_shadow[cpu];
}

static void xen_write_cr0(uint32_t v)
{
    unsigned set = (v & X86_CR0_TS) ? 1 : 0;
    cr0_shadow[xen_smp_cpu()] = (xen_read_cr0() & ~X86_CR0_TS) | (v & X86_CR0_TS);
    struct multicall_entry *e = xen_mc_queue(__HYPERVISOR_fpu_taskswitch, 0, 0);
    if (e) {
        e->args[0] = set;
        return;
    }
    long rc = HYPERVISOR_fpu_taskswitch(set);
    if (rc)
        printk(KERN_ERR "xen: fpu_taskswitch failed: %ld\n", rc);
}
static uint32_t xen_read_cr2(void) { return xen_vcpu->arch.cr2; }
static void xen_wbinvd(void) { xen_mmuext(MMUEXT_FLUSH_CACHE, 0); }
static void xen_io_delay(void) { } /* no ISA bus timing to honour in a PV domain */

static void xen_lazy_flush(void) { xen_mc_flush(); }

/* ---- init ---- */
static char banner[96];

static const char *xen_banner(void)
{
    long v = HYPERVISOR_xen_version(XENVER_version, 0);
    xen_extraversion_t extra;
    memset(extra, 0, sizeof extra);
    if (HYPERVISOR_xen_version(XENVER_extraversion, extra) < 0)
        extra[0] = 0;
    extra[sizeof extra - 1] = 0;
    snprintf(banner, sizeof banner, "booting on Xen PV ABI (Xen %ld.%ld%s)", v >> 16, v & 0xffff, extra);
    return banner;
}

static const char *xen_cmdline(void)
{
    xen_start_info->cmd_line[MAX_GUEST_CMDLINE - 1] = 0;
    return (const char *)xen_start_info->cmd_line;
}

static void xen_memory_setup(struct memmap *m)
{
    struct start_info *si = xen_start_info;
    memmap_add_usable(m, 0, (uint64_t)si->nr_pages << PAGE_SHIFT, LOWMEM_LIMIT_PFN);
    /* Kernel, initrd, p2m list, start_info, bootstrap tables and stack, then our shared_info
     * alias: all packed from pfn 0 (VIRT_BASE) up (xen.h start-of-day layout). */
    memmap_add_reserved(m, 0, (uint64_t)(shared_info_pfn + 1) << PAGE_SHIFT);
    /* Only the bootstrap region is mapped now; the rest joins once the kernel maps it. */
    m->boot_mapped_end_pfn = layout.mapped_end_pfn;
    m->keep_boot_tables = 1;
    if (si->mod_start && si->mod_len) {
        uint32_t va = (si->flags & SIF_MOD_START_PFN) ? (uint32_t)(uintptr_t)pfn_to_virt(si->mod_start)
                                                     : si->mod_start;
        /* Inside the reserved bootstrap area, or it is not the layout xen.h promises. */
        if (va >= PAGE_OFFSET && va - PAGE_OFFSET + si->mod_len <= ((uint64_t)shared_info_pfn << PAGE_SHIFT)) {
            boot_initrd = (const void *)(uintptr_t)va;
            boot_initrd_len = si->mod_len;
        } else {
            printk(KERN_WARNING "warning: initrd at 0x%08x (+%u) outside the bootstrap area, ignored\n",
                   va, (uint32_t)si->mod_len);
        }
    }
}

/* ---- machine ---- */
static void __attribute__((noreturn)) xen_power_off(int status)
{
    struct sched_shutdown s = { .reason = status == 0 ? SHUTDOWN_poweroff : SHUTDOWN_crash };
    HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_block, 0);
}

const struct pv_ops xen_pv_ops = {
    .name = "xen",
    .cpu = {
        .cpuid = xen_cpuid,
        .load_gdt = xen_load_gdt,
        .write_gdt_entry = xen_write_gdt_entry,
        .load_idt = xen_load_idt,
        .write_idt_entry = xen_write_idt_entry,
        .load_tr = xen_load_tr,
        .load_tls = xen_load_tls,
        .load_ldt = xen_load_ldt,
        .load_esp0 = xen_load_esp0,
        .set_iopl_mask = xen_set_iopl_mask,
        .read_cr0 = xen_read_cr0,      /* a shadow (see above) */
        .write_cr0 = xen_write_cr0,
        .read_cr2 = xen_read_cr2,
        .read_cr4 = native_read_cr4,   /* trapped and emulated */
        .write_cr4 = native_write_cr4, /* trapped; the hypervisor keeps CR4 its own */
        .wbinvd = xen_wbinvd,
        .read_msr = native_read_msr,   /* trapped and emulated */
        .write_msr = native_write_msr,
        .io_delay = xen_io_delay,
        .inb = native_inb, .inw = native_inw, .inl = native_inl, /* trapped/emulated or IOPL */
        .outb = native_outb, .outw = native_outw, .outl = native_outl,
        .iret_prepare = xen_iret_prepare,
    },
    .irq = {
        .save_fl = xen_save_fl,
        .restore_fl = xen_restore_fl,
        .irq_disable = xen_irq_disable,
        .irq_enable = xen_irq_enable,
        .safe_halt = xen_safe_halt,
        .halt = xen_halt,
    },
    .mmu = {
        .set_pte = xen_set_pte,
        .set_pmd = xen_set_pmd,
        .set_pud = xen_set_pud,
        .pte_clear = xen_pte_clear,
        .make_pte = xen_make_pte,
        .pte_val = xen_pte_val,
        .alloc_pt = xen_alloc_pt,
        .release_pt = xen_release_pt,
        .pin_pgd = xen_pin_pgd,
        .unpin_pgd = xen_unpin_pgd,
        .flush_tlb_user = xen_flush_tlb,
        .flush_tlb_kernel = xen_flush_tlb,
        .flush_tlb_single = xen_flush_tlb_single,
        .read_cr3 = xen_read_cr3,
        .write_cr3 = xen_write_cr3,
    },
    .time = {
        .sched_clock = xen_sched_clock,
        .get_wallclock = xen_get_wallclock,
        .timer_init = xen_timer_init,
    },
    .lazy = {
        .enter_lazy_cpu = xen_enter_lazy_cpu,
        .leave_lazy_cpu = xen_leave_lazy_cpu,
        .enter_lazy_mmu = xen_enter_lazy_mmu,
        .leave_lazy_mmu = xen_leave_lazy_mmu,
        .flush = xen_lazy_flush,
    },
    .init = {
        .banner = xen_banner,
        .memory_setup = xen_memory_setup,
        .cmdline = xen_cmdline,
    },
    .machine = {
        .power_off = xen_power_off,
    },
};

/* Maps the shared_info page (a machine address) over the lowmem alias of a reserved pfn just
 * past the bootstrap stack: that VA is inside the bootstrap mapping, so no new table is needed
 * this early. */
static void map_shared_info(void)
{
    struct start_info *si = xen_start_info;
    xen_boot_layout(virt_to_pfn((void *)si->pt_base), si->nr_pt_frames, si->nr_pages, &layout);
    shared_info_pfn = layout.first_free_pfn;
    void *va = pfn_to_virt(shared_info_pfn);
    uint64_t e = ((uint64_t)si->shared_info & PTE_FRAME_MASK) | _PAGE_PRESENT | _PAGE_RW |
                 _PAGE_ACCESSED | _PAGE_DIRTY;
    long rc = HYPERVISOR_update_va_mapping((uint32_t)(uintptr_t)va, e, UVMF_INVLPG);
    if (rc) {
        printk(KERN_ERR "xen: cannot map shared_info (%ld): no events\n", rc);
        return;
    }
    xen_shared_info = va;
    xen_vcpu = &xen_shared_info->vcpu_info[0];
    xen_vcpu->evtchn_upcall_mask = 1; /* events stay off until kernel_start enables them */
}

void __attribute__((noreturn)) xen_start(void)
{
    pv_ops = xen_pv_ops;
    xen_mc_init();
    console_set_sink(xen_console_write);
    kernel_cs = FLAT_RING1_CS;
    kernel_ds = FLAT_RING1_DS;
    user_cs = FLAT_RING3_CS;
    user_ds = FLAT_RING3_DS;
    xen_mmu_init();
    map_shared_info();
    xen_events_init();
    desc_init(0);
    long rc = HYPERVISOR_set_callbacks(kernel_cs, (unsigned long)xen_hypervisor_callback, kernel_cs,
                                       (unsigned long)xen_failsafe_callback);
    if (rc)
        printk(KERN_ERR "xen: set_callbacks failed (%ld): no event delivery\n", rc);
    kernel_start();
}
