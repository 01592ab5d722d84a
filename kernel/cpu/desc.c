/* GDT, TSS and IDT set-up, entirely through the cpu pv-ops.
 *
 * Invariants:
 *  - User (ring-3) descriptors never reach the hypervisor hole: their limit ends below
 *    HYPERVISOR_HOLE_START. Natively nothing lives there, but the same table is what a PV
 *    backend validates, and a hypervisor refuses any descriptor that could reach it.
 *  - Every exception vector 0..31 and legacy IRQ 32..47 has a gate to its entry stub. */
#include <stdint.h>
#include <lib/string.h>
#include "desc.h"
#include "mm.h"
#include "trap.h"
#include "pv/pvops.h"

uint64_t gdt_table[512] __attribute__((aligned(4096)));
uint64_t idt_table[256] __attribute__((aligned(4096)));
struct tss kernel_tss __attribute__((aligned(128)));
uint64_t *cpu_gdt[NR_CPUS] = { gdt_table };
struct tss *cpu_tss[NR_CPUS] = { &kernel_tss };

int gdt_installed;
uint16_t kernel_cs = NATIVE_KERNEL_CS, kernel_ds = NATIVE_KERNEL_DS;
uint16_t user_cs = NATIVE_USER_CS, user_ds = NATIVE_USER_DS;

extern char boot_stack_top[];

void desc_init(int with_tss)
{
    const uint32_t all = 0x100000u;                          /* 4 GB in pages */
    const uint32_t below_hole = HYPERVISOR_HOLE_START >> 12; /* pages up to the hole */
    write_gdt_entry(gdt_table, 0, 0);
    write_gdt_entry(gdt_table, GDT_ENTRY_KERNEL_CS, make_seg_desc(0, all, 0xA, 0));
    write_gdt_entry(gdt_table, GDT_ENTRY_KERNEL_DS, make_seg_desc(0, all, 0x2, 0));
    write_gdt_entry(gdt_table, GDT_ENTRY_USER_CS, make_seg_desc(0, below_hole, 0xA, 3));
    write_gdt_entry(gdt_table, GDT_ENTRY_USER_DS, make_seg_desc(0, below_hole, 0x2, 3));
    if (with_tss) {
        memset(&kernel_tss, 0, sizeof kernel_tss);
        kernel_tss.iomap_base = sizeof kernel_tss; /* no I/O bitmap: user port I/O faults */
        write_gdt_entry(gdt_table, GDT_ENTRY_TSS,
                        make_tss_desc((uint32_t)(uintptr_t)&kernel_tss, sizeof kernel_tss - 1));
    }
    for (unsigned i = 0; i < GDT_TLS_ENTRIES; i++)
        write_gdt_entry(gdt_table, GDT_ENTRY_TLS_MIN + i, 0);

    struct desc_ptr gp = { GDT_ENTRIES * 8 - 1, (uint32_t)(uintptr_t)gdt_table };
    load_gdt(&gp);
    if (with_tss)
        load_tr(NATIVE_TSS_SEL);
    load_esp0(kernel_ds, (uint32_t)(uintptr_t)boot_stack_top);

    for (unsigned v = 0; v < NR_EXCEPTIONS + NR_LEGACY_IRQS; v++) {
        struct gate g = {
            .offset = trap_entry_table[v],
            .selector = kernel_cs,
            /* int3 may be raised from user mode (debuggers); the rest only by the CPU. */
            .dpl = v == 3 ? 3 : 0,
            .irq_gate = 1,
        };
        write_idt_entry(idt_table, v, &g);
    }
    struct desc_ptr ip = { sizeof idt_table - 1, (uint32_t)(uintptr_t)idt_table };
    load_idt(&ip);
}
