/* Host tests of the kernel's calendar arithmetic and tick counter (kernel/core/time.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "boot.h"

static void known_dates(void **s)
{
    assert_int_equal(rtc_mktime(1970, 1, 1, 0, 0, 0), 0);
    assert_int_equal(rtc_mktime(2000, 3, 1, 0, 0, 0), 951868800u);   /* after a 400-year leap day */
    assert_int_equal(rtc_mktime(2024, 12, 31, 23, 59, 59), 1735689599u);
    assert_int_equal(rtc_mktime(2100, 3, 1, 0, 0, 0), 4107542400u);   /* 2100 is not leap */
}

static void invalid_dates(void **s)
{
    assert_int_equal(rtc_mktime(1969, 1, 1, 0, 0, 0), 0);
    assert_int_equal(rtc_mktime(2020, 13, 1, 0, 0, 0), 0);
    assert_int_equal(rtc_mktime(2020, 1, 0, 0, 0, 0), 0);
}

static void ticks_drive_sched_clock(void **s)
{
    uint64_t before = jiffies_sched_clock();
    timer_tick();
    timer_tick();
    assert_int_equal(jiffies_sched_clock() - before, 2ull * (1000000000u / TIMER_HZ));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_dates),
        cmocka_unit_test(invalid_dates),
        cmocka_unit_test(ticks_drive_sched_clock),
    };
    return cmocka_run_group_tests_name("kernel_time", tests, NULL, NULL);
}
