/* Descriptor encoding and Moat's reserved GDT entries (desc.h). Pure: no hardware access.
 *
 * Invariants (the rule that keeps a ring-1 guest out of Moat, issue 3):
 *   - every ring-1 and ring-3 descriptor Moat creates has base 0 and ends below
 *     GUEST_SEGMENT_END (4 KB granular limit GUEST_SEGMENT_LIMIT_PAGES = 0xF57FF);
 *   - only Moat's own selectors (0xe008, 0xe010) are DPL 0;
 *   - code/data descriptors are created with the accessed bit set, so the CPU never writes
 *     to a GDT page on a segment load (the guest's GDT pages are mapped read-only). */
#include <stdint.h>
#include <xen/xen.h>
#include "desc.h"
#include "selectors.h"
#include "memlayout.h"

_Static_assert(GUEST_SEGMENT_LIMIT_PAGES == 0xF57FFu, "guest segments end below HYPERVISOR_VIRT_START");

uint64_t desc_segment(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    uint64_t d = 0;
    d |= (uint64_t)(limit & 0xFFFFu);
    d |= (uint64_t)(base & 0xFFFFFFu) << 16;
    d |= (uint64_t)access << 40;
    d |= (uint64_t)((limit >> 16) & 0xFu) << 48;
    d |= (uint64_t)(flags & 0xFu) << 52;
    d |= (uint64_t)(base >> 24) << 56;
    return d;
}

uint64_t desc_gate(uint32_t offset, uint16_t selector, uint8_t access)
{
    return (uint64_t)(offset & 0xFFFFu) | ((uint64_t)selector << 16) |
           ((uint64_t)access << 40) | ((uint64_t)(offset >> 16) << 48);
}

uint32_t desc_base(uint64_t d)
{
    return (uint32_t)((d >> 16) & 0xFFFFFFu) | (uint32_t)((d >> 56) << 24);
}

uint64_t desc_last_byte(uint64_t d)
{
    uint64_t limit = (d & 0xFFFFu) | (((d >> 48) & 0xFu) << 16);
    if ((d >> 52) & DESC_G)
        limit = (limit << 12) | 0xFFFu;
    return (uint64_t)desc_base(d) + limit;
}

unsigned desc_dpl(uint64_t d) { return (unsigned)((d >> 45) & 3u); }

#define IDX(sel) (((sel) >> 3) - GDT_FIRST_RESERVED)

void gdt_fill_reserved(uint64_t *g, uint32_t tss_base, uint32_t tss_limit)
{
    const uint8_t code = DESC_P | DESC_S | DESC_CODE_RX | DESC_ACCESSED;
    const uint8_t data = DESC_P | DESC_S | DESC_DATA_RW | DESC_ACCESSED;
    for (unsigned i = 0; i < GDT_RESERVED_ENTRIES; i++)
        g[i] = 0;
    g[IDX(MOAT_CS)] = desc_segment(0, 0xFFFFF, code | DESC_DPL(0), DESC_G | DESC_DB);
    g[IDX(MOAT_DS)] = desc_segment(0, 0xFFFFF, data | DESC_DPL(0), DESC_G | DESC_DB);
    g[IDX(FLAT_RING1_CS)] = desc_segment(0, GUEST_SEGMENT_LIMIT_PAGES, code | DESC_DPL(1), DESC_G | DESC_DB);
    g[IDX(FLAT_RING1_DS)] = desc_segment(0, GUEST_SEGMENT_LIMIT_PAGES, data | DESC_DPL(1), DESC_G | DESC_DB);
    g[IDX(FLAT_RING3_CS)] = desc_segment(0, GUEST_SEGMENT_LIMIT_PAGES, code | DESC_DPL(3), DESC_G | DESC_DB);
    g[IDX(FLAT_RING3_DS)] = desc_segment(0, GUEST_SEGMENT_LIMIT_PAGES, data | DESC_DPL(3), DESC_G | DESC_DB);
    g[IDX(MOAT_TSS)] = desc_segment(tss_base, tss_limit, DESC_P | DESC_TSS32, 0);
}
