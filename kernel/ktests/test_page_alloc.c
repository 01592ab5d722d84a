/* Page allocator: the pure allocator on a small window, and the live kernel instance. */
#include "ktest.h"
#include "kmem.h"
#include "mm.h"

static uint32_t small_storage[PAGE_ALLOC_STORAGE_WORDS(100)];

KERNEL_TEST(page_alloc_exhaustion_and_reserve)
{
    struct page_alloc pa;
    page_alloc_init(&pa, 1000, 100, small_storage);
    KT_ASSERT_EQ(page_alloc_add_range(&pa, 990, 1050), 50);  /* clipped to the window */
    KT_ASSERT_EQ(page_alloc_reserve(&pa, 1010, 1020), 10);
    KT_ASSERT_EQ(page_alloc_add_range(&pa, 1000, 1100), 50); /* the reservation still wins */
    KT_ASSERT_EQ(page_alloc_nr_free(&pa), 90);
    uint32_t pfn, n = 0;
    while (page_alloc_get(&pa, &pfn) == 0) {
        KT_ASSERT(pfn >= 1000 && pfn < 1100);
        KT_ASSERT(pfn < 1010 || pfn >= 1020);
        n++;
    }
    KT_ASSERT_EQ(n, 90);
    KT_ASSERT_EQ(page_alloc_nr_free(&pa), 0);
    KT_ASSERT_EQ(page_alloc_put(&pa, 1015), -1); /* reserved, never allocated */
    KT_ASSERT_EQ(page_alloc_put(&pa, 1005), 0);
    KT_ASSERT_EQ(page_alloc_put(&pa, 1005), -1); /* double free */
    KT_ASSERT_EQ(page_alloc_get(&pa, &pfn), 0);
    KT_ASSERT_EQ(pfn, 1005);
}

KERNEL_TEST(page_alloc_kernel_pages)
{
    uint32_t before = page_alloc_nr_free(&phys_pages), p[3];
    for (int i = 0; i < 3; i++)
        KT_ASSERT_EQ(alloc_zeroed_page(&p[i]), 0);
    KT_ASSERT(p[0] != p[1] && p[1] != p[2] && p[0] != p[2]);
    KT_ASSERT_EQ(page_alloc_nr_free(&phys_pages), before - 3);
    for (int i = 0; i < 3; i++) {
        KT_ASSERT(p[i] < lowmem_end_pfn);
        KT_ASSERT(!page_alloc_is_free(&phys_pages, p[i]));
        /* Never the kernel image or the first megabyte. */
        KT_ASSERT(p[i] >= 0x100 && (p[i] < virt_to_pfn(_text) || p[i] >= virt_to_pfn(_end)));
        uint32_t *w = pfn_to_virt(p[i]);
        KT_ASSERT_EQ(w[0] | w[511] | w[1023], 0); /* zeroed */
        w[0] = 0x12345678;
        KT_ASSERT_EQ(w[0], 0x12345678);
    }
    for (int i = 0; i < 3; i++)
        KT_ASSERT_EQ(page_alloc_put(&phys_pages, p[i]), 0);
    KT_ASSERT_EQ(page_alloc_put(&phys_pages, p[0]), -1);
    KT_ASSERT_EQ(page_alloc_nr_free(&phys_pages), before);
}
