/* Pure pieces of the Xen PV ABI backend (host-tested): the start-of-day layout arithmetic and
 * the trap_info encoding. No hypercalls here. */
#include <stdint.h>
#include "pv/xen/abi.h"

void xen_boot_layout(uint32_t pt_base_pfn, uint32_t nr_pt_frames, uint32_t nr_pages,
                     struct xen_boot_layout *out)
{
    /* xen.h: kernel, initrd, p2m list, start_info, page tables, then a one-page boot stack,
     * each 4 KB aligned from VIRT_BASE (pfn 0) up. The region ends on a 4 MB boundary with at
     * least 512 KB (128 pages) after the last element, so that much is mapped at entry. */
    out->first_free_pfn = pt_base_pfn + nr_pt_frames + 1;
    uint32_t mapped = (out->first_free_pfn + 128u + 1023u) & ~1023u;
    out->mapped_end_pfn = mapped < nr_pages ? mapped : nr_pages;
}

void xen_encode_trap(struct trap_info *t, unsigned vector, uint16_t cs, uint32_t address,
                     unsigned dpl, int mask_events)
{
    t->vector = (uint8_t)vector;
    t->flags = (uint8_t)((dpl & 3u) | (mask_events ? 4u : 0u)); /* bit 2: mask events on entry */
    t->cs = cs;
    t->address = address;
}
