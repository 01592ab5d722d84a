/* Physical page allocator: bitmaps over a pfn window. Pure logic, host-tested.
 *
 * Invariants:
 *  - A page is free exactly when it is usable AND not reserved AND not allocated. The three
 *    facts are kept in separate bitmaps, so the order of add_range/reserve calls never matters:
 *    a reservation always wins, even over a usable range added later (the PV entry adds RAM in
 *    two steps: what is mapped at boot, then the rest once the kernel has mapped it).
 *  - nr_free always equals the number of free pages in the window.
 *  - Freeing a page that is not allocated (double free, reserved, outside the window) is
 *    refused and reported, never silently accepted. */
#ifndef KERNEL_PAGE_ALLOC_H
#define KERNEL_PAGE_ALLOC_H
#include <stdint.h>

struct page_alloc {
    uint32_t base_pfn;   /* first pfn covered */
    uint32_t nr_pages;   /* pfns [base_pfn, base_pfn + nr_pages) */
    uint32_t words;      /* words per bitmap */
    uint32_t *usable, *reserved, *allocated;
    uint32_t nr_free;
    uint32_t hint;       /* word to start the next search at */
};

/* Words of storage page_alloc_init needs for nr_pages pages (three bitmaps). */
#define PAGE_ALLOC_STORAGE_WORDS(nr_pages) (3u * (((nr_pages) + 31u) / 32u))

/* Everything starts not usable. storage: PAGE_ALLOC_STORAGE_WORDS(nr_pages) words. */
void page_alloc_init(struct page_alloc *pa, uint32_t base_pfn, uint32_t nr_pages, uint32_t *storage);
/* Marks [start, end) usable (clipped to the window). Returns how many pages became free. */
uint32_t page_alloc_add_range(struct page_alloc *pa, uint32_t start_pfn, uint32_t end_pfn);
/* Marks [start, end) reserved (clipped). Returns how many free pages it took away. */
uint32_t page_alloc_reserve(struct page_alloc *pa, uint32_t start_pfn, uint32_t end_pfn);
/* Allocates one page. Returns 0 and stores the pfn, or -1 when no page is free. */
int page_alloc_get(struct page_alloc *pa, uint32_t *pfn);
/* Returns 0, or -1 if pfn was not an allocated page (double free, reserved, out of window). */
int page_alloc_put(struct page_alloc *pa, uint32_t pfn);
uint32_t page_alloc_nr_free(const struct page_alloc *pa);
int page_alloc_is_free(const struct page_alloc *pa, uint32_t pfn);

#endif
