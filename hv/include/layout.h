/* The start-of-day virtual layout of the initial domain (the "Start-of-day memory layout"
 * comment in xen/xen.h is the specification; sizes follow Xen 4.17's 32-on-64 dom0 builder).
 *
 * [v_start, v_end) is one contiguous region mapped 1:1 onto guest pfns 0..(v_end-v_start)/4K-1
 * (pfn = (va - v_start) >> 12). In order, each element starting on a 4 KB boundary:
 *   kernel      [vkern_start, vkern_end)        the ELF segments (v_start = VIRT_BASE may lie
 *                                               below vkern_start: those pages are mapped too)
 *   initrd      [vinitrd_start, vinitrd_end)    omitted (both 0) without an initrd, or when
 *                                               the guest's MOD_START_PFN note asks for it to
 *                                               stay unmapped (initrd_unmapped = 1: the builder
 *                                               then gives it pfns after the region and sets
 *                                               SIF_MOD_START_PFN)
 *   p2m list    [vphysmap_start, vphysmap_end)  nr_pages 4-byte mfns
 *   start_info  [vstartinfo_start, vstartinfo_end) start_info_t + dom0_vga_console_info
 *   page tables [vpt_start, vpt_end)            nr_pt_frames pages, mapped READ-ONLY:
 *               the L3 first (pt_base = vpt_start = CR3), then all four L2s (Xen fills every
 *               L3 slot of a 32-bit PV guest; slot 3's L2 also carries the hypervisor's
 *               mappings), then one L1 per 2 MB of [v_start, v_end)
 *   stack       [vstack_start, vstack_end)      one page; ESP = vstack_end
 *   padding     [vstack_end, v_end)             >= 512 KB, v_end on a 4 MB boundary
 * The *_end values of initrd, p2m and start_info are exact byte ends (as Xen prints them);
 * the next element starts at the end rounded up to 4 KB. */
#ifndef MOAT_LAYOUT_H
#define MOAT_LAYOUT_H

#include <stdint.h>
#include "xen_elf.h"

struct start_layout {
    uint32_t v_start, vkern_start, vkern_end, vinitrd_start, vinitrd_end,
        vphysmap_start, vphysmap_end, vstartinfo_start, vstartinfo_end, vpt_start, vpt_end,
        nr_pt_frames, vstack_start, vstack_end, v_end;
    uint32_t nr_region_pages;  /* (v_end - v_start) / 4K: pfns 0.. that the region maps */
    int initrd_unmapped;       /* see above */
};

/* Computes the layout for `img` with `nr_pages` guest pages and an initrd of `initrd_len`
 * bytes (0 = none). Returns 0, or -EINVAL (region would reach the hypervisor hole, or wrap)
 * or -ENOMEM (more pages needed than nr_pages) with a specific reason in `why`. */
int start_layout_compute(const struct xen_elf_image *img, uint32_t nr_pages, uint32_t initrd_len,
                         struct start_layout *out, char *why, uint32_t whylen);

#endif
