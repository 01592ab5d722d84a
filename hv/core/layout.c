/* Start-of-day layout of the initial domain (contract in hv/include/layout.h).
 *
 * Invariants:
 *   L1 All arithmetic is done in 64 bits; a region that would pass 4 GB is refused, never
 *      wrapped.
 *   L2 v_end <= img->hv_start_low (the hypervisor hole): nothing the builder maps reaches it.
 *   L3 nr_region_pages (+ the initrd pages when it is left unmapped) <= nr_pages: every
 *      mapped page is a real guest pfn.
 *   L4 nr_pt_frames is the fixed point of "the page tables map the region that contains
 *      them": 1 L3 + 4 L2 + one L1 per 2 MB slot touched by [v_start, v_end), exactly Xen's
 *      count for a 32-bit PV guest, found by counting up from 2 as Xen does.
 */
#include <stdint.h>
#include <stdarg.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include "layout.h"

#ifdef MOAT_HOST_TEST
#include <stdio.h>
#include <string.h>
#else
#include <lib/format.h>
#include <lib/string.h>
#endif

#define PG 4096ull
#define MB4 (4ull << 20)
#define MB2 (2ull << 20)
#define PAD_MIN (512ull << 10)

static uint64_t pgup(uint64_t v) { return (v + PG - 1) & ~(PG - 1); }

static int fail(char *why, uint32_t whylen, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *why, uint32_t whylen, int err, const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return err;
}

/* Number of 2^shift-sized slots that [lo, hi) touches (Xen's NR()). */
static uint64_t slots(uint64_t lo, uint64_t hi, unsigned shift)
{
    uint64_t sz = 1ull << shift;
    return (((hi + sz - 1) & ~(sz - 1)) - (lo & ~(sz - 1))) >> shift;
}

int start_layout_compute(const struct xen_elf_image *img, uint32_t nr_pages, uint32_t initrd_len,
                         struct start_layout *out, char *why, uint32_t whylen)
{
    uint64_t v_start = img->virt_base, kend = img->virt_kend, initrd_start = 0, initrd_end = 0;
    uint64_t physmap_start, physmap_end, si_start, si_end, pt_start, pt_end = 0;
    uint64_t stack_start = 0, stack_end = 0, v_end = 0, nr_pt;
    uint64_t hole = img->hv_start_low;
    uint64_t extra_pages = 0;

    memset(out, 0, sizeof(*out));
    if (why && whylen)
        why[0] = '\0';
    if (nr_pages == 0)
        return fail(why, whylen, -XEN_EINVAL, "domain has no memory (nr_pages 0)");
    if (v_start > img->virt_kstart || kend < img->virt_kstart)
        return fail(why, whylen, -XEN_EINVAL, "kernel 0x%x-0x%x does not start at or above "
                    "VIRT_BASE 0x%x", img->virt_kstart, img->virt_kend, img->virt_base);

    out->initrd_unmapped = initrd_len && img->mod_start_pfn;
    if (initrd_len && !out->initrd_unmapped) {
        initrd_start = pgup(kend);
        initrd_end = initrd_start + initrd_len;
        physmap_start = pgup(initrd_end);
    } else {
        physmap_start = pgup(kend);
        if (out->initrd_unmapped)
            extra_pages = pgup(initrd_len) / PG;
    }
    physmap_end = physmap_start + (uint64_t)nr_pages * 4;
    si_start = pgup(physmap_end);
    si_end = si_start + sizeof(struct start_info) + sizeof(struct dom0_vga_console_info);
    pt_start = pgup(si_end);

    for (nr_pt = 2;; nr_pt++) {
        pt_end = pt_start + nr_pt * PG;
        stack_start = pt_end;
        stack_end = stack_start + PG;
        v_end = (stack_end + MB4 - 1) & ~(MB4 - 1);
        if (v_end - stack_end < PAD_MIN)
            v_end += MB4;
        if (v_end > hole)
            break;  /* refused below; stop before the count grows without bound */
        if (1 + 4 + slots(v_start, v_end, 21) <= nr_pt)
            break;
    }
    if (v_end > hole)
        return fail(why, whylen, -XEN_EINVAL, "start-of-day region 0x%llx-0x%llx reaches the "
                    "hypervisor area at 0x%llx", (unsigned long long)v_start,
                    (unsigned long long)v_end, (unsigned long long)hole);

    uint64_t region_pages = (v_end - v_start) / PG;
    if (region_pages + extra_pages > nr_pages)
        return fail(why, whylen, -XEN_ENOMEM, "start-of-day region 0x%llx-0x%llx needs %llu "
                    "pages%s but the domain has only %u", (unsigned long long)v_start,
                    (unsigned long long)v_end, (unsigned long long)(region_pages + extra_pages),
                    extra_pages ? " (with the unmapped initrd)" : "", nr_pages);

    out->v_start = (uint32_t)v_start;
    out->vkern_start = img->virt_kstart;
    out->vkern_end = img->virt_kend;
    out->vinitrd_start = (uint32_t)initrd_start;
    out->vinitrd_end = (uint32_t)initrd_end;
    out->vphysmap_start = (uint32_t)physmap_start;
    out->vphysmap_end = (uint32_t)physmap_end;
    out->vstartinfo_start = (uint32_t)si_start;
    out->vstartinfo_end = (uint32_t)si_end;
    out->vpt_start = (uint32_t)pt_start;
    out->vpt_end = (uint32_t)pt_end;
    out->nr_pt_frames = (uint32_t)nr_pt;
    out->vstack_start = (uint32_t)stack_start;
    out->vstack_end = (uint32_t)stack_end;
    out->v_end = (uint32_t)v_end;
    out->nr_region_pages = (uint32_t)region_pages;
    return 0;
}
