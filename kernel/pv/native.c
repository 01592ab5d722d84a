/* The native pv-ops backend: every slot filled with the real hardware instruction.
 *
 * This file and arch/x86_32/<file>.S are the only places allowed to contain privileged instructions
 * (tools/check-privileged fails on any other kernel object that has one). Everything else in the
 * kernel reaches the hardware through the wrappers in pv/pvops.h. */
#include <stdint.h>
#include <moat/exit.h>
#include "pv/pvops.h"
#include "desc.h"
#include "boot.h"
#include "trap.h"
#include "pv/native.h"

struct pv_ops pv_ops; /* filled by the entry path: pv_ops = <backend>; */

static void native_cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

/* lgdt, then reload every segment register so none keeps a descriptor from the old table. */
static void native_load_gdt(const struct desc_ptr *p)
{
    asm volatile("lgdt %0\n\t"
                 "ljmp %1, $1f\n"
                 "1:\tmov %2, %%eax\n\t"
                 "mov %%ax, %%ds\n\tmov %%ax, %%es\n\tmov %%ax, %%ss\n\t"
                 "xor %%eax, %%eax\n\tmov %%ax, %%fs\n\tmov %%ax, %%gs"
                 :
                 : "m"(*p), "i"(NATIVE_KERNEL_CS), "i"(NATIVE_KERNEL_DS)
                 : "eax", "memory");
    gdt_installed = 1;
}

static void native_write_gdt_entry(uint64_t *gdt, unsigned i, uint64_t d) { gdt[i] = d; }

static void native_load_idt(const struct desc_ptr *p)
{
    asm volatile("lidt %0" : : "m"(*p));
    traps_installed = 1;
}

static void native_write_idt_entry(uint64_t *idt, unsigned v, const struct gate *g)
{
    uint32_t lo = (g->offset & 0xffffu) | ((uint32_t)g->selector << 16);
    uint32_t hi = (g->offset & 0xffff0000u) | 0x8000u | ((uint32_t)(g->dpl & 3) << 13) |
                  ((g->irq_gate ? 0xEu : 0xFu) << 8);
    idt[v] = ((uint64_t)hi << 32) | lo;
}

static void native_load_tr(unsigned sel) { asm volatile("ltr %w0" : : "r"(sel)); }

static void native_load_tls(uint64_t *gdt, unsigned first, const uint64_t tls[GDT_TLS_ENTRIES])
{
    for (unsigned i = 0; i < GDT_TLS_ENTRIES; i++)
        gdt[first + i] = tls[i];
}

/* The LDT through its GDT slot: lldt takes a selector, not an address. */
static void native_load_ldt(uint32_t base, unsigned entries)
{
    uint16_t sel = 0;
    if (entries) {
        this_cpu_gdt()[GDT_ENTRY_LDT] = make_ldt_desc(base, entries * 8u - 1u);
        sel = GDT_ENTRY_LDT * 8;
    }
    asm volatile("lldt %w0" : : "r"(sel) : "memory");
    if (!entries)
        this_cpu_gdt()[GDT_ENTRY_LDT] = 0;
}

static void native_load_esp0(uint32_t ss0, uint32_t esp0)
{
    struct tss *t = cpu_tss[smp_processor_id()];
    t->ss0 = (uint16_t)ss0;
    t->esp0 = esp0;
}

static void native_set_iopl_mask(uint32_t mask)
{
    uint32_t f;
    asm volatile("pushfl; popl %0" : "=r"(f));
    f = (f & ~0x3000u) | (mask & 0x3000u);
    asm volatile("pushl %0; popfl" : : "r"(f) : "memory", "cc");
}

uint32_t native_read_cr0(void) { uint32_t v; asm volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static void native_write_cr0(uint32_t v) { asm volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static uint32_t native_read_cr2(void) { uint32_t v; asm volatile("mov %%cr2, %0" : "=r"(v)); return v; }
uint32_t native_read_cr4(void) { uint32_t v; asm volatile("mov %%cr4, %0" : "=r"(v)); return v; }
void native_write_cr4(uint32_t v) { asm volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
static void native_wbinvd(void) { asm volatile("wbinvd" : : : "memory"); }

uint64_t native_read_msr(uint32_t msr)
{
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

void native_write_msr(uint32_t msr, uint64_t v)
{
    asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

uint8_t native_inb(uint16_t p) { uint8_t v; asm volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
uint16_t native_inw(uint16_t p) { uint16_t v; asm volatile("inw %1, %0" : "=a"(v) : "Nd"(p)); return v; }
uint32_t native_inl(uint16_t p) { uint32_t v; asm volatile("inl %1, %0" : "=a"(v) : "Nd"(p)); return v; }
void native_outb(uint16_t p, uint8_t v) { asm volatile("outb %0, %1" : : "a"(v), "Nd"(p)); }
void native_outw(uint16_t p, uint16_t v) { asm volatile("outw %0, %1" : : "a"(v), "Nd"(p)); }
void native_outl(uint16_t p, uint32_t v) { asm volatile("outl %0, %1" : : "a"(v), "Nd"(p)); }
/* Port 0x80 is the traditional POST-code port: a write takes about a microsecond on ISA. */
static void native_io_delay(void) { native_outb(0x80, 0); }

static void native_iret_prepare(uint32_t saved_eflags) { }

static unsigned long native_save_fl(void)
{
    unsigned long f;
    asm volatile("pushfl; popl %0" : "=r"(f) : : "memory");
    return f & X86_EFLAGS_IF;
}

static void native_restore_fl(unsigned long f)
{
    if (f & X86_EFLAGS_IF)
        asm volatile("sti" : : : "memory");
    else
        asm volatile("cli" : : : "memory");
}

static void native_irq_disable(void) { asm volatile("cli" : : : "memory"); }
static void native_irq_enable(void) { asm volatile("sti" : : : "memory"); }
/* sti's one-instruction interrupt shadow makes "sti; hlt" atomic: no wake-up is lost. */
static void native_safe_halt(void) { asm volatile("sti; hlt" : : : "memory"); }
static void native_halt(void) { asm volatile("hlt" : : : "memory"); }

static void native_set_pte(pte_t *p, pte_t v)
{
    /* PAE entries are 64 bits but stores are 32: write the high half first and the low half
     * (which holds the present bit) last, so a not-present entry never becomes present with a
     * half-written frame number. */
    volatile uint32_t *w = (volatile uint32_t *)p;
    w[1] = (uint32_t)(v >> 32);
    w[0] = (uint32_t)v;
}
static void native_set_pmd(pmd_t *p, pmd_t v) { native_set_pte((pte_t *)p, v); }
static void native_set_pud(pud_t *p, pud_t v) { native_set_pte((pte_t *)p, v); }
static void native_pte_clear(pte_t *p)
{
    volatile uint32_t *w = (volatile uint32_t *)p;
    w[0] = 0;
    w[1] = 0;
}
static uint64_t native_identity(uint64_t e) { return e; }
static void native_pt_nop(uint32_t pfn, int level) { }
static void native_pgd_nop(uint32_t pfn) { }

static uint32_t native_read_cr3(void) { uint32_t v; asm volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static void native_write_cr3(uint32_t pa) { asm volatile("mov %0, %%cr3" : : "r"(pa) : "memory"); }
/* No global pages are used, so reloading cr3 flushes user and kernel translations alike. */
static void native_flush_tlb(void) { native_write_cr3(native_read_cr3()); }
static void native_flush_tlb_single(uint32_t va) { asm volatile("invlpg (%0)" : : "r"(va) : "memory"); }

static void native_lazy_nop(void) { }

static void __attribute__((noreturn)) native_power_off(int status)
{
    /* isa-debug-exit: QEMU leaves with (value << 1) | 1. Without that device, stop the CPU. */
    native_outb(MOAT_DEBUG_EXIT_PORT, status == 0 ? MOAT_EXIT_PASS : MOAT_EXIT_FAIL);
    for (;;)
        asm volatile("cli; hlt");
}

const struct pv_ops native_pv_ops = {
    .name = "native",
    .cpu = {
        .cpuid = native_cpuid,
        .load_gdt = native_load_gdt,
        .write_gdt_entry = native_write_gdt_entry,
        .load_idt = native_load_idt,
        .write_idt_entry = native_write_idt_entry,
        .load_tr = native_load_tr,
        .load_tls = native_load_tls,
        .load_ldt = native_load_ldt,
        .load_esp0 = native_load_esp0,
        .set_iopl_mask = native_set_iopl_mask,
        .read_cr0 = native_read_cr0,
        .write_cr0 = native_write_cr0,
        .read_cr2 = native_read_cr2,
        .read_cr4 = native_read_cr4,
        .write_cr4 = native_write_cr4,
        .wbinvd = native_wbinvd,
        .read_msr = native_read_msr,
        .write_msr = native_write_msr,
        .io_delay = native_io_delay,
        .inb = native_inb, .inw = native_inw, .inl = native_inl,
        .outb = native_outb, .outw = native_outw, .outl = native_outl,
        .iret_prepare = native_iret_prepare,
    },
    .irq = {
        .save_fl = native_save_fl,
        .restore_fl = native_restore_fl,
        .irq_disable = native_irq_disable,
        .irq_enable = native_irq_enable,
        .safe_halt = native_safe_halt,
        .halt = native_halt,
    },
    .mmu = {
        .set_pte = native_set_pte,
        .set_pmd = native_set_pmd,
        .set_pud = native_set_pud,
        .pte_clear = native_pte_clear,
        .make_pte = native_identity,
        .pte_val = native_identity,
        .alloc_pt = native_pt_nop,
        .release_pt = native_pt_nop,
        .pin_pgd = native_pgd_nop,
        .unpin_pgd = native_pgd_nop,
        .flush_tlb_user = native_flush_tlb,
        .flush_tlb_kernel = native_flush_tlb,
        .flush_tlb_single = native_flush_tlb_single,
        .read_cr3 = native_read_cr3,
        .write_cr3 = native_write_cr3,
    },
    .time = {
        .sched_clock = jiffies_sched_clock,
        .get_wallclock = rtc_get_wallclock,
        .timer_init = pit_timer_init,
    },
    .lazy = {
        .enter_lazy_cpu = native_lazy_nop,
        .leave_lazy_cpu = native_lazy_nop,
        .enter_lazy_mmu = native_lazy_nop,
        .leave_lazy_mmu = native_lazy_nop,
        .flush = native_lazy_nop,
    },
    .init = {
        .banner = multiboot_banner,
        .memory_setup = multiboot_memory_setup,
        .cmdline = multiboot_cmdline,
    },
    .machine = {
        .power_off = native_power_off,
    },
};
