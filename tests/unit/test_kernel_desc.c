/* Host tests of segment descriptor encoding (kernel/cpu/desc_encode.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "desc.h"

static void flat_kernel_code(void **s)
{
    uint64_t d = make_seg_desc(0, 0x100000, 0xA, 0);
    assert_true(d == 0x00cf9a000000ffffull); /* the classic flat ring-0 code descriptor */
    assert_int_equal(desc_base(d), 0);
    assert_true(desc_end(d) == 0xffffffffull);
    assert_int_equal(desc_dpl(d), 0);
}

static void user_data_below_hole(void **s)
{
    uint64_t d = make_seg_desc(0, 0xF5800000u >> 12, 0x2, 3);
    assert_int_equal(desc_dpl(d), 3);
    assert_true(desc_end(d) == 0xF57FFFFFull);
    assert_int_equal((uint32_t)(d >> 40) & 0xff, 0xf2); /* present, dpl 3, data r/w */
}

static void base_fields_round_trip(void **s)
{
    uint64_t d = make_seg_desc(0x12345000u, 1, 0x2, 1);
    assert_int_equal(desc_base(d), 0x12345000u);
    assert_true(desc_end(d) == 0x12345fffull);
    assert_int_equal(desc_dpl(d), 1);
}

static void tss_descriptor(void **s)
{
    uint64_t d = make_tss_desc(0xc0123480u, 103);
    assert_int_equal(desc_base(d), 0xc0123480u);
    assert_true(desc_end(d) == 0xc0123480ull + 103);
    assert_int_equal((uint32_t)(d >> 40) & 0xff, 0x89); /* present, available 32-bit TSS */
}

static void ldt_descriptor(void **s)
{
    uint64_t d = make_ldt_desc(0xc0456000u, 16 * 8 - 1);
    assert_int_equal(desc_base(d), 0xc0456000u);
    assert_true(desc_end(d) == 0xc0456000ull + 127);
    assert_int_equal((uint32_t)(d >> 40) & 0xff, 0x82); /* present, system, type 2 = LDT */
    assert_int_equal(desc_dpl(d), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flat_kernel_code),
        cmocka_unit_test(user_data_below_hole),
        cmocka_unit_test(base_fields_round_trip),
        cmocka_unit_test(tss_descriptor),
        cmocka_unit_test(ldt_descriptor),
    };
    return cmocka_run_group_tests_name("kernel_desc", tests, NULL, NULL);
}
