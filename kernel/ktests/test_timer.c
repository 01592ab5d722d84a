/* The periodic tick and the irq pv-ops. */
#include "ktest.h"
#include "boot.h"
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
