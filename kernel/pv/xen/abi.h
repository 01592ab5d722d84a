#ifndef KERNEL_PV_XEN_ABI_H
#define KERNEL_PV_XEN_ABI_H
#include <stdint.h>
#include <xen/xen.h>

struct xen_boot_layout {
    uint32_t first_free_pfn; /* first pfn after the bootstrap stack */
    uint32_t mapped_end_pfn; /* pfns below this are mapped at entry (capped at nr_pages) */
};

void xen_boot_layout(uint32_t pt_base_pfn, uint32_t nr_pt_frames, uint32_t nr_pages,
                     struct xen_boot_layout *out);
void xen_encode_trap(struct trap_info *t, unsigned vector, uint16_t cs, uint32_t address,
                     unsigned dpl, int mask_events);
#endif
