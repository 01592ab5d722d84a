/* x86 segment and gate descriptor encoding. Pure (host-tested in tests/unit/test_hv_desc.c). */
#ifndef MOAT_DESC_H
#define MOAT_DESC_H
#include <stdint.h>

/* access byte */
#define DESC_P        0x80u
#define DESC_DPL(n)   (((n) & 3u) << 5)
#define DESC_S        0x10u      /* code/data (not system) */
#define DESC_CODE_RX  0x0Au      /* execute/read */
#define DESC_DATA_RW  0x02u      /* read/write, expand-up */
#define DESC_ACCESSED 0x01u      /* preset so the CPU never writes the descriptor */
#define DESC_TSS32    0x09u      /* available 32-bit TSS */
#define DESC_INTGATE  0x0Eu      /* 32-bit interrupt gate */
#define DESC_TRAPGATE 0x0Fu      /* 32-bit trap gate (IF unchanged) */
/* flags nibble */
#define DESC_G        0x8u       /* limit in 4 KB units */
#define DESC_DB       0x4u       /* 32-bit */

uint64_t desc_segment(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags);
uint64_t desc_gate(uint32_t offset, uint16_t selector, uint8_t access);

uint32_t desc_base(uint64_t d);
/* Last byte the segment covers (limit scaled by G), i.e. base + limit for expand-up. */
uint64_t desc_last_byte(uint64_t d);
unsigned desc_dpl(uint64_t d);

/* Fills Moat's reserved GDT entries (g[0] = entry FIRST_RESERVED_GDT_ENTRY, 1024 entries):
 * ring-0 flat code/data, the flat ring-1/ring-3 selectors of xen-x86_32.h (limit
 * GUEST_SEGMENT_LIMIT_PAGES, i.e. ending below HYPERVISOR_VIRT_START) and the TSS. */
void gdt_fill_reserved(uint64_t *g, uint32_t tss_base, uint32_t tss_limit);
#endif
