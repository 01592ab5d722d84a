/* Host tests of the kernel's physical page allocator (kernel/mm/page_alloc.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "page_alloc.h"

#define N 1000
static uint32_t storage[PAGE_ALLOC_STORAGE_WORDS(N)];
static struct page_alloc pa;

static void starts_empty(void **s)
{
    uint32_t pfn;
    page_alloc_init(&pa, 0, N, storage);
    assert_int_equal(page_alloc_nr_free(&pa), 0);
    assert_int_equal(page_alloc_get(&pa, &pfn), -1);
}

static void add_clips_to_window(void **s)
{
    page_alloc_init(&pa, 100, N, storage);
    assert_int_equal(page_alloc_add_range(&pa, 0, 150), 50);
    assert_int_equal(page_alloc_add_range(&pa, 1050, 5000), 50);
    assert_int_equal(page_alloc_add_range(&pa, 5000, 6000), 0);
    assert_int_equal(page_alloc_add_range(&pa, 120, 130), 0); /* already usable */
    assert_int_equal(page_alloc_nr_free(&pa), 100);
    assert_false(page_alloc_is_free(&pa, 99));
    assert_true(page_alloc_is_free(&pa, 100));
    assert_false(page_alloc_is_free(&pa, 1100));
}

static void reservation_wins_in_any_order(void **s)
{
    page_alloc_init(&pa, 0, N, storage);
    assert_int_equal(page_alloc_reserve(&pa, 10, 20), 0); /* nothing free yet */
    assert_int_equal(page_alloc_add_range(&pa, 0, 100), 90);
    assert_int_equal(page_alloc_reserve(&pa, 50, 60), 10);
    assert_int_equal(page_alloc_add_range(&pa, 0, 200), 100);
    assert_int_equal(page_alloc_nr_free(&pa), 180);
    for (uint32_t p = 10; p < 20; p++)
        assert_false(page_alloc_is_free(&pa, p));
    for (uint32_t p = 50; p < 60; p++)
        assert_false(page_alloc_is_free(&pa, p));
}

static void exhaustion_returns_every_free_page_once(void **s)
{
    static uint8_t seen[N];
    page_alloc_init(&pa, 0, N, storage);
    page_alloc_add_range(&pa, 0, N);
    page_alloc_reserve(&pa, 0, 1);
    page_alloc_reserve(&pa, 500, 531);
    uint32_t pfn, n = 0;
    while (page_alloc_get(&pa, &pfn) == 0) {
        assert_true(pfn < N);
        assert_false(pfn == 0 || (pfn >= 500 && pfn < 531));
        assert_int_equal(seen[pfn], 0);
        seen[pfn] = 1;
        n++;
    }
    assert_int_equal(n, N - 32);
    assert_int_equal(page_alloc_nr_free(&pa), 0);
}

static void free_checks(void **s)
{
    uint32_t a, b;
    page_alloc_init(&pa, 0, 64, storage);
    page_alloc_add_range(&pa, 0, 64);
    page_alloc_reserve(&pa, 0, 2);
    assert_int_equal(page_alloc_get(&pa, &a), 0);
    assert_int_equal(page_alloc_get(&pa, &b), 0);
    assert_int_not_equal(a, b);
    assert_int_equal(page_alloc_put(&pa, a), 0);
    assert_int_equal(page_alloc_put(&pa, a), -1);  /* double free */
    assert_int_equal(page_alloc_put(&pa, 0), -1);  /* reserved */
    assert_int_equal(page_alloc_put(&pa, 40), -1); /* free, never allocated */
    assert_int_equal(page_alloc_put(&pa, 64), -1); /* outside */
    assert_int_equal(page_alloc_nr_free(&pa), 61);
    /* A page reserved while allocated stays unavailable after it is freed. */
    page_alloc_reserve(&pa, b, b + 1);
    assert_int_equal(page_alloc_put(&pa, b), 0);
    assert_false(page_alloc_is_free(&pa, b));
    assert_int_equal(page_alloc_nr_free(&pa), 61);
}

static void non_multiple_of_32_window(void **s)
{
    uint32_t pfn, n = 0;
    page_alloc_init(&pa, 7, 33, storage);
    page_alloc_add_range(&pa, 0, 1000);
    while (page_alloc_get(&pa, &pfn) == 0) {
        assert_true(pfn >= 7 && pfn < 40);
        n++;
    }
    assert_int_equal(n, 33);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(starts_empty),
        cmocka_unit_test(add_clips_to_window),
        cmocka_unit_test(reservation_wins_in_any_order),
        cmocka_unit_test(exhaustion_returns_every_free_page_once),
        cmocka_unit_test(free_checks),
        cmocka_unit_test(non_multiple_of_32_window),
    };
    return cmocka_run_group_tests_name("kernel_page_alloc", tests, NULL, NULL);
}
