/* Boot memory map arithmetic (pure, host-tested). Usable RAM is rounded inward (a partial page
 * is not RAM we may hand out), reserved areas outward (a partial page is still in use). */
#include <stdint.h>
#include "memmap.h"

#define PAGE_SHIFT_ 12
#define FOUR_GB 0x100000000ull

void memmap_add_usable(struct memmap *m, uint64_t addr, uint64_t len, uint32_t limit_pfn)
{
    if (len == 0 || addr >= FOUR_GB)
        return;
    uint64_t end = addr + len;
    if (end < addr || end > FOUR_GB)
        end = FOUR_GB;
    uint64_t s = (addr + 0xfff) >> PAGE_SHIFT_, e = end >> PAGE_SHIFT_;
    if (e > limit_pfn)
        e = limit_pfn;
    if (s >= e)
        return;
    if (m->nr_usable == MEMMAP_MAX_RANGES) {
        m->overflow = 1;
        return;
    }
    m->usable[m->nr_usable].start = (uint32_t)s;
    m->usable[m->nr_usable].end = (uint32_t)e;
    m->nr_usable++;
}

void memmap_add_reserved(struct memmap *m, uint64_t addr, uint64_t len)
{
    if (len == 0 || addr >= FOUR_GB)
        return;
    uint64_t end = addr + len;
    if (end < addr || end > FOUR_GB)
        end = FOUR_GB;
    if (m->nr_reserved == MEMMAP_MAX_RANGES) {
        m->overflow = 1;
        return;
    }
    m->reserved[m->nr_reserved].start = (uint32_t)(addr >> PAGE_SHIFT_);
    m->reserved[m->nr_reserved].end = (uint32_t)((end + 0xfff) >> PAGE_SHIFT_);
    m->nr_reserved++;
}

uint32_t memmap_end_pfn(const struct memmap *m)
{
    uint32_t end = 0;
    for (unsigned i = 0; i < m->nr_usable; i++)
        if (m->usable[i].end > end)
            end = m->usable[i].end;
    return end;
}

uint32_t memmap_usable_pages(const struct memmap *m)
{
    /* Count each pfn once even if firmware reported overlapping ranges: sweep the ranges in
     * start order, merging as we go (at most MEMMAP_MAX_RANGES, so quadratic is fine). */
    uint32_t total = 0, covered_to = 0;
    for (;;) {
        int best = -1;
        for (unsigned i = 0; i < m->nr_usable; i++) {
            if (m->usable[i].end <= covered_to)
                continue;
            if (best < 0 || m->usable[i].start < m->usable[best].start)
                best = (int)i;
        }
        if (best < 0)
            return total;
        uint32_t s = m->usable[best].start > covered_to ? m->usable[best].start : covered_to;
        total += m->usable[best].end - s;
        covered_to = m->usable[best].end;
    }
}
