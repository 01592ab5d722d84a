/* Host tests of printk's level handling and console sink (kernel/core/printk.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "printk.h"

static char out[1024];
static size_t out_len;
static unsigned sink_calls;

static void capture(const char *s, unsigned len)
{
    memcpy(out + out_len, s, len);
    out_len += len;
    out[out_len] = 0;
    sink_calls++;
}

static int setup(void **s)
{
    out_len = 0;
    out[0] = 0;
    sink_calls = 0;
    console_set_sink(capture);
    printk_set_loglevel(7);
    return 0;
}

static void level_parsing(void **s)
{
    const char *t;
    assert_int_equal(printk_level(KERN_EMERG "a", &t), 0);
    assert_string_equal(t, "a");
    assert_int_equal(printk_level(KERN_DEBUG "b", &t), 7);
    assert_int_equal(printk_level("\0019c", &t), DEFAULT_MESSAGE_LOGLEVEL); /* not a level */
    assert_string_equal(t, "\0019c");
}

static void prefix_is_not_printed_and_filtering_works(void **s)
{
    printk(KERN_ERR "err %d\n", 1);
    printk(KERN_DEBUG "debug hidden at level 7\n");
    printk("info %s\n", "shown");
    assert_string_equal(out, "err 1\ninfo shown\n");
    printk_set_loglevel(3);
    out_len = 0;
    out[0] = 0;
    assert_int_equal(printk(KERN_ERR "hidden\n"), 0);
    assert_true(printk(KERN_CRIT "crit\n") > 0);
    assert_string_equal(out, "crit\n");
}

static void long_lines_are_chunked_not_lost(void **s)
{
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    printk("%s\n", big);
    assert_int_equal(out_len, 300);
    assert_true(sink_calls >= 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(level_parsing, setup),
        cmocka_unit_test_setup(prefix_is_not_printed_and_filtering_works, setup),
        cmocka_unit_test_setup(long_lines_are_chunked_not_lost, setup),
    };
    return cmocka_run_group_tests_name("kernel_printk", tests, NULL, NULL);
}
