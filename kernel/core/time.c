/* Timekeeping shared by all backends: the tick counter and calendar arithmetic. */
#include <stdint.h>
#include "boot.h"

volatile uint32_t jiffies;
int timer_running;

void timer_tick(void) { jiffies++; }

/* Native sched_clock: tick-granular (10 ms at 100 Hz). Coarse but monotonic and honest; a
 * TSC-calibrated clock can replace it without touching callers. */
uint64_t jiffies_sched_clock(void) { return (uint64_t)jiffies * (1000000000u / TIMER_HZ); }

static int leap(unsigned y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

uint32_t rtc_mktime(unsigned year, unsigned mon, unsigned day, unsigned hour, unsigned min, unsigned sec)
{
    static const unsigned short before[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
    if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31)
        return 0;
    uint32_t days = 0;
    for (unsigned y = 1970; y < year; y++)
        days += leap(y) ? 366 : 365;
    days += before[mon - 1] + (mon > 2 && leap(year)) + (day - 1);
    return ((days * 24 + hour) * 60 + min) * 60 + sec;
}
