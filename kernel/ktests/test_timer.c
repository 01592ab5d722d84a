/* The periodic tick and the irq pv-ops. */
#include "ktest.h"
#include "boot.h"
#include "printk.h"
#include "pv/pvops.h"

KERNEL_TEST(irq_save_restore)
{
    KT_ASSERT(save_fl() & X86_EFLAGS_IF); /* boot leaves interrupts on */
    unsigned long f = irq_save();
    KT_ASSERT(f & X86_EFLAGS_IF);
    KT_ASSERT(!(save_fl() & X86_EFLAGS_IF));
    restore_fl(f);
    KT_ASSERT(save_fl() & X86_EFLAGS_IF);
}

KERNEL_TEST(timer_ticks_advance)
{
    KT_ASSERT(timer_running);
    uint32_t start = jiffies;
    uint64_t clock0 = sched_clock();
    /* Each safe_halt returns after some interrupt; the tick must come within a bounded number. */
    for (int i = 0; i < 1000 && jiffies - start < 5; i++)
        safe_halt();
    KT_ASSERT(jiffies - start >= 5);
    KT_ASSERT(sched_clock() > clock0);
}

KERNEL_TEST(ticks_stop_with_irqs_off)
{
    unsigned long f = irq_save();
    uint32_t start = jiffies;
    for (volatile int i = 0; i < 2000000; i++)
        ;
    uint32_t during = jiffies - start;
    restore_fl(f);
    KT_ASSERT_EQ(during, 0);
}

KERNEL_TEST(wallclock_plausible)
{
    uint32_t t = get_wallclock();
    KT_ASSERT(t > 1577836800u); /* after 2020-01-01 */
    KT_ASSERT(t < 4102444800u); /* before 2100-01-01 */
}

KERNEL_TEST(sched_clock_monotonic)
{
    uint64_t prev = sched_clock();
    for (int i = 0; i < 10000; i++) {
        uint64_t now = sched_clock();
        KT_ASSERT(now >= prev);
        prev = now;
    }
}

/* Ticks never come early: each is a timer armed one period after the previous expiry (PV) or
 * the PIT's fixed period (native), so N ticks take at least N-1 full periods of sched_clock.
 * A hypervisor that also kept a periodic timer running would make jiffies run fast. */
KERNEL_TEST(ticks_keep_time_with_sched_clock)
{
    KT_ASSERT(timer_running);
    const uint32_t n = 10;
    uint32_t start = jiffies;
    while (jiffies == start)
        safe_halt();                      /* align to a tick */
    uint32_t j0 = jiffies;
    uint64_t c0 = sched_clock();
    for (int i = 0; i < 10000 && jiffies - j0 < n; i++)
        safe_halt();
    uint64_t elapsed = sched_clock() - c0;
    uint32_t ticks = jiffies - j0;
    printk("# %u ticks took %llu ns of sched_clock (period %u ns)\n", ticks, elapsed, 1000000000u / TIMER_HZ);
    KT_ASSERT(ticks >= n);
    KT_ASSERT(elapsed >= (uint64_t)(ticks - 1) * (1000000000u / TIMER_HZ));
}
