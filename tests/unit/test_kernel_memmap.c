/* Host tests of the boot memory map arithmetic (kernel/mm/memmap.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "memmap.h"

static void usable_rounds_inward_reserved_outward(void **s)
{
    struct memmap m;
    memset(&m, 0, sizeof m);
    memmap_add_usable(&m, 0x1800, 0x3000, 1u << 20);     /* 0x1800..0x4800 -> pages 2,3 */
    assert_int_equal(m.nr_usable, 1);
    assert_int_equal(m.usable[0].start, 2);
    assert_int_equal(m.usable[0].end, 4);
    memmap_add_reserved(&m, 0x1800, 0x3000);              /* -> pages 1..4 */
    assert_int_equal(m.reserved[0].start, 1);
    assert_int_equal(m.reserved[0].end, 5);
    memmap_add_usable(&m, 0x1100, 0x100, 1u << 20);       /* less than a page: dropped */
    assert_int_equal(m.nr_usable, 1);
}

static void limits_and_high_memory(void **s)
{
    struct memmap m;
    memset(&m, 0, sizeof m);
    memmap_add_usable(&m, 0x100000, 0x7ff00000, 0x1000); /* clipped to 16 MB */
    assert_int_equal(m.usable[0].end, 0x1000);
    memmap_add_usable(&m, 0x100000000ull, 0x10000000, 0xfffff); /* above 4 GB: ignored */
    memmap_add_usable(&m, 0xfff00000, 0x200000, 0x100000);      /* crosses 4 GB: clipped */
    assert_int_equal(m.nr_usable, 2);
    assert_int_equal(m.usable[1].end, 0x100000);
    assert_int_equal(memmap_end_pfn(&m), 0x100000);
}

static void overlaps_counted_once(void **s)
{
    struct memmap m;
    memset(&m, 0, sizeof m);
    memmap_add_usable(&m, 0x10000, 0x10000, 1u << 20);  /* 16..32 */
    memmap_add_usable(&m, 0x18000, 0x10000, 1u << 20);  /* 24..40 */
    memmap_add_usable(&m, 0x100000, 0x1000, 1u << 20);  /* 256..257 */
    assert_int_equal(memmap_usable_pages(&m), 25);
}

static void overflow_is_flagged(void **s)
{
    struct memmap m;
    memset(&m, 0, sizeof m);
    for (unsigned i = 0; i < MEMMAP_MAX_RANGES + 3; i++)
        memmap_add_usable(&m, (uint64_t)i * 0x10000, 0x1000, 1u << 20);
    assert_int_equal(m.nr_usable, MEMMAP_MAX_RANGES);
    assert_true(m.overflow);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(usable_rounds_inward_reserved_outward),
        cmocka_unit_test(limits_and_high_memory),
        cmocka_unit_test(overlaps_counted_once),
        cmocka_unit_test(overflow_is_flagged),
    };
    return cmocka_run_group_tests_name("kernel_memmap", tests, NULL, NULL);
}
