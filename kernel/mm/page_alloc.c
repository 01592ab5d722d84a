/* Physical page allocator over three bitmaps (see page_alloc.h for the invariants). */
#include <stdint.h>
#include "page_alloc.h"

static int test_bit(const uint32_t *bm, uint32_t i) { return (bm[i / 32] >> (i % 32)) & 1; }
static void set_bit(uint32_t *bm, uint32_t i) { bm[i / 32] |= 1u << (i % 32); }
static void clear_bit(uint32_t *bm, uint32_t i) { bm[i / 32] &= ~(1u << (i % 32)); }

static int is_free(const struct page_alloc *pa, uint32_t i)
{
    return test_bit(pa->usable, i) && !test_bit(pa->reserved, i) && !test_bit(pa->allocated, i);
}

/* Free pages of word w as a bit mask (bits past nr_pages are never usable). */
static uint32_t free_mask(const struct page_alloc *pa, uint32_t w)
{
    return pa->usable[w] & ~pa->reserved[w] & ~pa->allocated[w];
}

void page_alloc_init(struct page_alloc *pa, uint32_t base_pfn, uint32_t nr_pages, uint32_t *storage)
{
    pa->base_pfn = base_pfn;
    pa->nr_pages = nr_pages;
    pa->words = (nr_pages + 31u) / 32u;
    pa->usable = storage;
    pa->reserved = storage + pa->words;
    pa->allocated = storage + 2 * pa->words;
    pa->nr_free = 0;
    pa->hint = 0;
    for (uint32_t w = 0; w < 3 * pa->words; w++)
        storage[w] = 0;
}

/* Clips [start, end) to the window; returns 0 if nothing is left. Indices are window-relative. */
static int clip(const struct page_alloc *pa, uint32_t start, uint32_t end, uint32_t *s, uint32_t *e)
{
    uint32_t lo = pa->base_pfn, hi = pa->base_pfn + pa->nr_pages;
    if (start < lo)
        start = lo;
    if (end > hi)
        end = hi;
    if (start >= end)
        return 0;
    *s = start - lo;
    *e = end - lo;
    return 1;
}

uint32_t page_alloc_add_range(struct page_alloc *pa, uint32_t start_pfn, uint32_t end_pfn)
{
    uint32_t s, e, n = 0;
    if (!clip(pa, start_pfn, end_pfn, &s, &e))
        return 0;
    for (uint32_t i = s; i < e; i++) {
        if (test_bit(pa->usable, i))
            continue;
        set_bit(pa->usable, i);
        if (is_free(pa, i))
            n++;
    }
    pa->nr_free += n;
    return n;
}

uint32_t page_alloc_reserve(struct page_alloc *pa, uint32_t start_pfn, uint32_t end_pfn)
{
    uint32_t s, e, n = 0;
    if (!clip(pa, start_pfn, end_pfn, &s, &e))
        return 0;
    for (uint32_t i = s; i < e; i++) {
        if (is_free(pa, i))
            n++;
        set_bit(pa->reserved, i);
    }
    pa->nr_free -= n;
    return n;
}

int page_alloc_get(struct page_alloc *pa, uint32_t *pfn)
{
    if (pa->nr_free == 0 || pa->words == 0)
        return -1;
    uint32_t w = pa->hint < pa->words ? pa->hint : 0;
    for (uint32_t k = 0; k < pa->words; k++, w = (w + 1 == pa->words) ? 0 : w + 1) {
        uint32_t m = free_mask(pa, w);
        if (!m)
            continue;
        uint32_t i = w * 32 + (uint32_t)__builtin_ctz(m);
        set_bit(pa->allocated, i);
        pa->nr_free--;
        pa->hint = w;
        *pfn = pa->base_pfn + i;
        return 0;
    }
    return -1; /* unreachable while nr_free is consistent */
}

int page_alloc_put(struct page_alloc *pa, uint32_t pfn)
{
    if (pfn < pa->base_pfn || pfn - pa->base_pfn >= pa->nr_pages)
        return -1;
    uint32_t i = pfn - pa->base_pfn;
    if (!test_bit(pa->allocated, i))
        return -1;
    clear_bit(pa->allocated, i);
    if (is_free(pa, i))
        pa->nr_free++;
    return 0;
}

uint32_t page_alloc_nr_free(const struct page_alloc *pa) { return pa->nr_free; }

int page_alloc_is_free(const struct page_alloc *pa, uint32_t pfn)
{
    if (pfn < pa->base_pfn || pfn - pa->base_pfn >= pa->nr_pages)
        return 0;
    return is_free(pa, pfn - pa->base_pfn);
}
