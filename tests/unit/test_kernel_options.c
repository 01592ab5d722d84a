/* Host tests of the kernel command-line options (kernel/core/options.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "options.h"

static struct kernel_options o;

static void defaults(void **s)
{
    options_parse("", &o);
    assert_int_equal(o.mode, BOOT_NORMAL);
    assert_int_equal(o.fault, FAULT_NONE);
    assert_int_equal(o.loglevel, DEFAULT_LOGLEVEL);
    assert_int_equal(o.mem_limit, 0);
    assert_int_equal(o.nr_warnings, 0);
    options_parse(NULL, &o);
    assert_int_equal(o.nr_warnings, 0);
}

static void known_options(void **s)
{
    options_parse("test loglevel=3 mem=64M fault=pf", &o);
    assert_int_equal(o.mode, BOOT_TEST);
    assert_int_equal(o.loglevel, 3);
    assert_int_equal(o.mem_limit, 64u << 20);
    assert_int_equal(o.fault, FAULT_PF);
    assert_int_equal(o.nr_warnings, 0);
    options_parse("bench fault=gp", &o);
    assert_int_equal(o.mode, BOOT_BENCH);
    assert_int_equal(o.fault, FAULT_GP);
    options_parse("fault=ud", &o);
    assert_int_equal(o.fault, FAULT_UD);
    options_parse("fault=de", &o);
    assert_int_equal(o.fault, FAULT_DE);
}

static void unknown_and_bad_values_warn(void **s)
{
    options_parse("xyz test quiet=1 loglevel=banana fault=nope mem=1K", &o);
    assert_int_equal(o.mode, BOOT_TEST); /* boot continues with what is valid */
    assert_int_equal(o.loglevel, DEFAULT_LOGLEVEL);
    assert_int_equal(o.fault, FAULT_NONE);
    assert_int_equal(o.mem_limit, 0);
    assert_int_equal(o.nr_warnings, 5);
    assert_string_equal(o.warnings[0], "warning: unknown kernel option 'xyz'");
    assert_string_equal(o.warnings[1], "warning: unknown kernel option 'quiet'");
    assert_non_null(strstr(o.warnings[2], "loglevel=banana"));
    assert_non_null(strstr(o.warnings[3], "fault=nope"));
    assert_non_null(strstr(o.warnings[4], "mem=1K"));
}

static void test_with_value_is_not_test(void **s)
{
    options_parse("test=1", &o);
    assert_int_equal(o.mode, BOOT_NORMAL);
    assert_int_equal(o.nr_warnings, 1);
}

static void warnings_are_bounded(void **s)
{
    options_parse("a b c d e f g h i j k l", &o);
    assert_int_equal(o.nr_warnings, OPTIONS_MAX_WARNINGS);
}

static void image_name_is_skipped(void **s)
{
    assert_string_equal(options_skip_image_name("build/kernel test"), "test");
    assert_string_equal(options_skip_image_name("/boot/kernel"), "");
    assert_string_equal(options_skip_image_name("test fault=pf"), "test fault=pf");
    assert_string_equal(options_skip_image_name("loglevel=3 test"), "loglevel=3 test");
    assert_string_equal(options_skip_image_name(""), "");
    assert_string_equal(options_skip_image_name(NULL), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(known_options),
        cmocka_unit_test(unknown_and_bad_values_warn),
        cmocka_unit_test(test_with_value_is_not_test),
        cmocka_unit_test(warnings_are_bounded),
        cmocka_unit_test(image_name_is_skipped),
    };
    return cmocka_run_group_tests_name("kernel_options", tests, NULL, NULL);
}
