/* Moat's GDT selectors. The reserved part of every GDT starts at entry
 * FIRST_RESERVED_GDT_ENTRY (14 * 512 = 7168, selector 0xe000), exactly as Xen numbers it, so
 * the flat ring-1/ring-3 selectors are the ones <xen/arch-x86/xen-x86_32.h> promises. */
#ifndef MOAT_SELECTORS_H
#define MOAT_SELECTORS_H

#define GDT_FIRST_RESERVED  7168            /* FIRST_RESERVED_GDT_ENTRY */
#define GDT_RESERVED_ENTRIES 1024           /* pages 14 and 15 of the 16-page GDT */
#define GDT_ENTRIES         8192

#define MOAT_CS   0xe008   /* ring 0 code, entry 7169 */
#define MOAT_DS   0xe010   /* ring 0 data, entry 7170 */
/* 0xe019 FLAT_RING1_CS (7171), 0xe021 FLAT_RING1_DS (7172),
 * 0xe02b FLAT_RING3_CS (7173), 0xe033 FLAT_RING3_DS (7174) */
#define MOAT_TSS  0xe038   /* this CPU's TSS, entry 7175 */
#define MOAT_LDT  0xe040   /* the current vcpu's LDT (issue 5), entry 7176 */

#define MOAT_HYPERCALL_VECTOR 0x82
#define MOAT_IRQ_BASE         0x20   /* legacy PIC remapped here, all lines masked */
#endif
