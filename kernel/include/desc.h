/* Segments, descriptor tables and the TSS: the layout every backend shares.
 *
 * GDT (native):  0 null | 1 kernel code | 2 kernel data | 3 user code | 4 user data | 5 TSS |
 *                6..8 TLS slots | 9 LDT (native load_ldt). On a PV hypervisor the kernel runs on the hypervisor's flat ring-1
 *                selectors instead (see kernel_cs/kernel_ds), user code on the flat ring-3 ones. */
#ifndef KERNEL_DESC_H
#define KERNEL_DESC_H

#define GDT_ENTRY_KERNEL_CS 1
#define GDT_ENTRY_KERNEL_DS 2
#define GDT_ENTRY_USER_CS 3
#define GDT_ENTRY_USER_DS 4
#define GDT_ENTRY_TSS 5
#define GDT_ENTRY_TLS_MIN 6
#define GDT_ENTRY_LDT 9
#define GDT_ENTRIES 10

#define NATIVE_KERNEL_CS (GDT_ENTRY_KERNEL_CS * 8)
#define NATIVE_KERNEL_DS (GDT_ENTRY_KERNEL_DS * 8)
#define NATIVE_USER_CS (GDT_ENTRY_USER_CS * 8 + 3)
#define NATIVE_USER_DS (GDT_ENTRY_USER_DS * 8 + 3)
#define NATIVE_TSS_SEL (GDT_ENTRY_TSS * 8)

#ifndef __ASSEMBLY__
#include <stdint.h>

/* The 32-bit hardware TSS: natively only esp0/ss0 and the I/O bitmap offset matter. */
struct tss {
    uint16_t link, _r0;
    uint32_t esp0;
    uint16_t ss0, _r1;
    uint32_t esp1;
    uint16_t ss1, _r2;
    uint32_t esp2;
    uint16_t ss2, _r3;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint16_t es, _r4, cs, _r5, ss, _r6, ds, _r7, fs, _r8, gs, _r9, ldt, _r10;
    uint16_t trap, iomap_base;
} __attribute__((packed));

extern struct tss kernel_tss;
/* A whole page: a PV hypervisor requires GDT frames to hold nothing but descriptors. */
extern uint64_t gdt_table[512];
extern uint64_t idt_table[256];

#ifndef MOAT_HOST_TEST
#include "kstack.h"
/* Each CPU's own GDT and (natively) TSS: the task it runs has its TLS descriptors and esp0
 * there. [0] is gdt_table / kernel_tss; a CPU's start-up sets its own (smp/native_smp.c,
 * pv/xen/smp.c). */
extern uint64_t *cpu_gdt[NR_CPUS];
extern struct tss *cpu_tss[NR_CPUS];
static inline uint64_t *this_cpu_gdt(void) { return cpu_gdt[smp_processor_id()]; }
#endif

/* Set by the backend once its GDT is really loaded (lgdt, or the hypervisor took it). */
extern int gdt_installed;

/* Selectors in use on this boot (native values, or the hypervisor's flat ones). */
extern uint16_t kernel_cs, kernel_ds, user_cs, user_ds;

/* Descriptor encoding (cpu/desc_encode.c, pure, host-tested). */
/* A code/data segment: base, size in 4 KB pages (>= 1), type nibble (0xA code, 0x2 data), dpl. */
uint64_t make_seg_desc(uint32_t base, uint32_t limit_pages, unsigned type, unsigned dpl);
uint64_t make_tss_desc(uint32_t base, uint32_t limit_bytes);
uint64_t make_ldt_desc(uint32_t base, uint32_t limit_bytes);
/* Decoding, for checks: base, last byte covered (base + limit, 64-bit so 4 GB fits), dpl. */
uint32_t desc_base(uint64_t d);
uint64_t desc_end(uint64_t d);
unsigned desc_dpl(uint64_t d);

/* Loads GDT, TSS and IDT through the pv-ops (called once per boot by the entry path). */
void desc_init(int with_tss);
#endif
#endif
