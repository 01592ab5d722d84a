/* Native SMP: CPUs from the ACPI MADT, started with INIT-SIPI-SIPI through the real-mode
 * trampoline (arch/x86_32/smp_trampoline.S), each with its own GDT, TSS and stack, its local
 * APIC enabled and its own LAPIC timer; parked with interrupts off when taken offline.
 *
 * Timer decision: the PIT stays the global tick on CPU 0 (through the 8259 in virtual-wire
 * mode, as before SMP); every other CPU has a local APIC timer at TIMER_HZ, calibrated
 * against the PIT at boot.
 *
 * Invariants:
 *  - A CPU's boot state (GDT with a fresh, non-busy TSS descriptor, stack, trampoline copy) is
 *    rebuilt by every start, so a CPU that was hot-removed comes back by the boot path.
 *  - Only one CPU is in its start-up at a time (smp_ap_boot_* are the hand-off; the starter
 *    holds the hotplug lock until the new CPU reported online or the start timed out).
 *  - A parked CPU sits in hlt with interrupts off and its LAPIC timer masked; the next start
 *    begins with INIT, which resets it completely. */
#include <stdint.h>
#include <lib/string.h>
#include <lib/format.h>
#include "smp.h"
#include "smp_apic.h"
#include "acpi_madt.h"
#include "ioapic.h"
#include "mptable.h"
#include "desc.h"
#include "kmem.h"
#include "mm.h"
#include "printk.h"
#include "trap.h"
#include "uapi.h"
#include "pv/pvops.h"

#define SMP_TRAMP_PHYS 0x8000u

extern char smp_tramp_start[], smp_tramp_end[];
extern char smp_entry_0xf0[], smp_entry_0xf1[], smp_entry_0xf2[], smp_entry_0xff[];

/* The hand-off to the starting CPU (read by smp_trampoline.S and smp_ap_start). */
uint32_t smp_ap_boot_cr3, smp_ap_boot_esp;
static volatile int ap_boot_cpu = -1;

static uint64_t ap_gdt[NR_CPUS][512] __attribute__((aligned(4096)));
static struct tss ap_tss[NR_CPUS] __attribute__((aligned(128)));
static uint32_t bsp_cr0, bsp_cr4, timer_count;
static struct madt_info madt;
static int apic_ready;

/* Firmware tables may lie outside low memory (QEMU puts ACPI at the top of RAM, in a
 * reserved range): each read maps the pages it needs into a 16-page fixmap window, so one
 * pointer stays valid until the next read (the parser copies what it keeps). */
#define ACPI_WINDOW_PAGES 16
#define ACPI_WINDOW_VA (FIXMAP_END - (2 + ACPI_WINDOW_PAGES) * PAGE_SIZE)
static unsigned acpi_window_mapped;

static void acpi_window_clear(void)
{
    for (unsigned i = 0; i < acpi_window_mapped; i++)
        paging_unmap(kernel_pgd, ACPI_WINDOW_VA + i * PAGE_SIZE);
    acpi_window_mapped = 0;
}

static const void *acpi_reader(void *ctx, uint32_t pa, uint32_t len)
{
    (void)ctx;
    uint32_t first = pa >> PAGE_SHIFT;
    uint64_t end = (uint64_t)pa + len;
    if (len == 0 || end > 0xFEC00000ull)
        return 0;
    uint32_t last = (uint32_t)((end - 1) >> PAGE_SHIFT);
    if (last - first + 1 > ACPI_WINDOW_PAGES)
        return 0;
    acpi_window_clear();
    for (uint32_t p = first; p <= last; p++) {
        uint32_t va = ACPI_WINDOW_VA + (p - first) * PAGE_SIZE;
        if (paging_map(kernel_pgd, va, p, _PAGE_NX) != 0) {
            acpi_window_clear();
            return 0;
        }
        flush_tlb_single(va);
        acpi_window_mapped++;
    }
    return (const void *)(uintptr_t)(ACPI_WINDOW_VA + (pa & (PAGE_SIZE - 1)));
}

static int timer_irq(struct trap_frame *f)
{
    smp_count_tick();
    apic_eoi_smp();
    return 1;
}

static int ipi_irq(struct trap_frame *f)
{
    smp_count_ipi();
    apic_eoi_smp();
    return 1;
}

static int spurious_irq(struct trap_frame *f) { return 1; } /* no EOI for a spurious vector */

static void set_gate(unsigned vec, char *stub)
{
    struct gate g = { .offset = (uint32_t)(uintptr_t)stub, .selector = kernel_cs, .dpl = 0, .irq_gate = 1 };
    write_idt_entry(idt_table, vec, &g);
}

/* Runs on the new CPU, on the stack the starter prepared, paging on with the kernel's tables. */
void __attribute__((noreturn)) smp_ap_start(void)
{
    unsigned cpu = (unsigned)ap_boot_cpu;
    write_cr0(bsp_cr0);
    write_cr4(bsp_cr4);
    struct desc_ptr gp = { GDT_ENTRIES * 8 - 1, (uint32_t)(uintptr_t)ap_gdt[cpu] };
    load_gdt(&gp);
    load_tr(NATIVE_TSS_SEL);
    struct desc_ptr ip = { 256 * 8 - 1, (uint32_t)(uintptr_t)idt_table };
    load_idt(&ip);
    apic_cpu_enable();
    apic_timer_periodic(APIC_TIMER_VECTOR, timer_count);
    smp_cpu_set_online(cpu);
    smp_cpu_loop(cpu);
}

/* Fresh boot state for cpu: its GDT (the shared layout with its own TSS; the descriptor is
 * rewritten, so it is not busy), its TSS, the trampoline copy and the hand-off words. */
static void prepare_boot_state(unsigned cpu)
{
    memset(ap_gdt[cpu], 0, sizeof ap_gdt[cpu]);
    for (unsigned i = 1; i <= GDT_ENTRY_USER_DS; i++)
        ap_gdt[cpu][i] = gdt_table[i];
    memset(&ap_tss[cpu], 0, sizeof ap_tss[cpu]);
    ap_tss[cpu].iomap_base = sizeof ap_tss[cpu];
    ap_tss[cpu].ss0 = kernel_ds;
    ap_tss[cpu].esp0 = (uint32_t)(uintptr_t)(smp_ap_stack[cpu] + SMP_AP_STACK_SIZE);
    ap_gdt[cpu][GDT_ENTRY_TSS] = make_tss_desc((uint32_t)(uintptr_t)&ap_tss[cpu], sizeof ap_tss[cpu] - 1);
    cpu_gdt[cpu] = ap_gdt[cpu];
    cpu_tss[cpu] = &ap_tss[cpu];
    memcpy(phys_to_virt(SMP_TRAMP_PHYS), smp_tramp_start, (size_t)(smp_tramp_end - smp_tramp_start));
    smp_ap_boot_cr3 = virt_to_phys(kernel_pgd);
    smp_ap_boot_esp = (uint32_t)(uintptr_t)(smp_ap_stack[cpu] + SMP_AP_STACK_SIZE);
    ap_boot_cpu = (int)cpu;
    asm volatile("" : : : "memory");
}

/* Up to `us` microseconds for the CPU to report `state`. The start and the park are given
 * 10 s, as Linux gives a CPU coming up: each virtual CPU is a host thread, and on a loaded
 * host one may not run for a long while (1 s was seen to be too short under a parallel test
 * run); a CPU that really does not answer costs 10 s once and is reported. */
#define CPU_WAIT_US 10000000u
static int wait_state(unsigned cpu, int state, uint32_t us)
{
    for (uint32_t t = 0; t < us; t += 100) {
        if (cpu_data[cpu].state == state)
            return 0;
        apic_udelay(100);
    }
    return cpu_data[cpu].state == state ? 0 : -1;
}

static int native_cpu_start(unsigned cpu)
{
    uint32_t id = cpu_data[cpu].hw_id;
    prepare_boot_state(cpu);
    cpu_data[cpu].state = CPU_BOOTING;
    if (apic_send_init(id))
        return -EIO;
    apic_udelay(10000);
    for (int i = 0; i < 2 && cpu_data[cpu].state == CPU_BOOTING; i++) {
        if (apic_send_sipi(id, SMP_TRAMP_PHYS >> PAGE_SHIFT))
            return -EIO;
        apic_udelay(200);
    }
    if (wait_state(cpu, CPU_ONLINE, CPU_WAIT_US)) {
        cpu_data[cpu].state = CPU_OFFLINE;
        apic_send_init(id); /* whatever it was doing: stop it */
        return -EIO;
    }
    return 0;
}

static int native_cpu_kill(unsigned cpu)
{
    if (wait_state(cpu, CPU_DEAD, CPU_WAIT_US))
        return -EIO;
    /* INIT leaves it waiting for a SIPI with its APIC reset: nothing reaches it any more. */
    apic_send_init(cpu_data[cpu].hw_id);
    return 0;
}

static void native_send_ipi(unsigned cpu) { apic_send_fixed(cpu_data[cpu].hw_id, APIC_IPI_VECTOR); }

static void __attribute__((noreturn)) native_park_self(unsigned cpu)
{
    irq_disable();
    apic_timer_stop();
    apic_eoi_smp();
    cpu_data[cpu].state = CPU_DEAD;
    for (;;)
        halt();
}

/* Nothing left to move here: smp_irq_cpu_offline (smp/irq_route.c), which cpu_down calls
 * first, has already retargeted every device irq of this CPU in the IO-APIC (or, on the 8259,
 * they all go to CPU 0 anyway). */
static int native_irqs_offline(unsigned cpu) { return 0; }

static const struct smp_ops native_smp_ops = {
    .name = "native (local APIC, INIT-SIPI; CPUs from the firmware tables)",
    .cpu_start = native_cpu_start,
    .cpu_kill = native_cpu_kill,
    .send_ipi = native_send_ipi,
    .park_self = native_park_self,
    .irqs_offline = native_irqs_offline,
};

const char *native_smp_fw_source;

/* Reads one firmware source again (tests compare them): 0 and *out filled, or -1. */
int native_smp_firmware(enum fw_source which, struct madt_info *out)
{
    const uint16_t *ebda_seg = acpi_reader(0, 0x40e, 2);
    uint32_t ebda = ebda_seg ? (uint32_t)*ebda_seg << 4 : 0;
    int rc = -1;
    uint32_t pa;
    if (which == FW_ACPI_MADT) {
        rc = acpi_find_rsdp(acpi_reader, 0, ebda, &pa) == 0 && acpi_parse_madt(acpi_reader, 0, pa, out) == 0 ? 0 : -1;
    } else {
        const uint16_t *base_kb = acpi_reader(0, 0x413, 2);
        uint32_t base_top = base_kb ? (uint32_t)*base_kb << 10 : 0;
        rc = mptable_find(acpi_reader, 0, ebda, base_top, &pa) == 0 && mptable_parse(acpi_reader, 0, pa, out) == 0 ? 0 : -1;
    }
    acpi_window_clear();
    return rc;
}

int native_smp_probe(void)
{
    uint32_t rsdp;
    const uint16_t *ebda_seg = acpi_reader(0, 0x40e, 2);
    uint32_t ebda = ebda_seg ? (uint32_t)*ebda_seg << 4 : 0;
    int found = acpi_find_rsdp(acpi_reader, 0, ebda, &rsdp) == 0 &&
                acpi_parse_madt(acpi_reader, 0, rsdp, &madt) == 0;
    const char *source = native_smp_fw_source = "ACPI MADT";
    if (!found) {
        /* No ACPI (QEMU -no-acpi, old boards): the MP table says the same things. */
        uint32_t mpf;
        const uint16_t *base_kb = acpi_reader(0, 0x413, 2);
        uint32_t base_top = base_kb ? (uint32_t)*base_kb << 10 : 0;
        found = mptable_find(acpi_reader, 0, ebda, base_top, &mpf) == 0 &&
                mptable_parse(acpi_reader, 0, mpf, &madt) == 0;
        source = native_smp_fw_source = "MP table";
    }
    acpi_window_clear();
    if (!found) {
        native_smp_fw_source = 0;
        printk(KERN_INFO "smp: no ACPI MADT and no MP table, one CPU\n");
        return -1;
    }
    if (apic_map(madt.lapic_phys))
        return -1;
    ioapic_set_firmware(&madt); /* smp_irq_init (smp/irq_route.c) routes through it */
    uint32_t bsp_id = apic_read_id();
    /* cpu 0 is the boot CPU whatever its MADT position; the others keep MADT order. */
    nr_cpus_possible = 1;
    cpu_data[0].hw_id = bsp_id;
    for (unsigned i = 0; i < madt.nr_cpus; i++)
        if (madt.apic_id[i] != bsp_id && nr_cpus_possible < NR_CPUS) {
            cpu_data[nr_cpus_possible].hw_id = madt.apic_id[i];
            cpu_data[nr_cpus_possible].state = CPU_OFFLINE;
            nr_cpus_possible++;
        }
    apic_ready = 1;
    apic_cpu_enable();
    trap_set_handler(APIC_TIMER_VECTOR, timer_irq);
    trap_set_handler(APIC_IPI_VECTOR, ipi_irq);
    trap_set_handler(APIC_SPURIOUS_VECTOR, spurious_irq);
    set_gate(APIC_TIMER_VECTOR, smp_entry_0xf0);
    set_gate(APIC_IPI_VECTOR, smp_entry_0xf1);
    set_gate(APIC_SPURIOUS_VECTOR, smp_entry_0xff);
    bsp_cr0 = read_cr0();
    bsp_cr4 = read_cr4();
    timer_count = apic_calibrate();
    char ids[3 * SMP_MAX_CPUS + 1];
    unsigned n = 0;
    for (unsigned i = 0; i < madt.nr_cpus; i++)
        n += (unsigned)snprintf(ids + n, sizeof ids - n, " %u", madt.apic_id[i]);
    printk(KERN_INFO "smp: %s: %u CPUs (APIC ids%s), local APIC at 0x%08x, IO-APIC at 0x%08x;"
           " local timer %u counts/tick\n", source, madt.nr_cpus, ids, madt.lapic_phys, madt.ioapic_phys, timer_count);
    smp_ops = &native_smp_ops;
    return 0;
}
