/* SMP and CPU hotplug (issue 10): every started CPU ticks on its own timer and takes IPIs;
 * under a busy load on every CPU, CPUs 1..N-1 go offline and online 20 times with nothing
 * lost: each online CPU's tick count keeps (roughly) pace with CPU 0's jiffies and resumes
 * after every start, every IPI sent arrives, an offline CPU takes no interrupt at all, the
 * irq-affinity table has nothing on it, and each start is a real boot (boots counts it).
 * With one CPU (or before the PV backend has vcpus) the tests say so and check that. */
#include <stdint.h>
#include "ktest.h"
#include "boot.h"
#include "printk.h"
#include "smp.h"
#include "smp_irq.h"
#include "pv/pvops.h"

#define HOTPLUG_ROUNDS 20

static void wait_jiffies(uint32_t n)
{
    uint32_t j = jiffies;
    while (jiffies - j < n)
        safe_halt();
}

/* Sends one IPI and waits (bounded) for it to be counted: 0 if it arrived. */
static int ipi_arrives(unsigned cpu)
{
    uint32_t before = cpu_data[cpu].ipis;
    smp_ops->send_ipi(cpu);
    uint32_t j = jiffies;
    while (cpu_data[cpu].ipis == before && jiffies - j < 20)
        safe_halt();
    return cpu_data[cpu].ipis == before + 1 ? 0 : -1;
}

/* Over a window of CPU 0 ticks, the cpu's own tick count advances at least at 1/min_div of
 * CPU 0's rate, and not absurdly faster (a misprogrammed timer). Both timers run at TIMER_HZ,
 * but each virtual CPU is a host thread (4 CPUs share 2 host cores here, and Moat may run more
 * vcpus than physical CPUs): a CPU that does not run for a while loses ticks (a periodic APIC
 * timer coalesces in IRR; a PV one-shot is re-armed from "now"), and CPU 0 itself may be the
 * one held back, so the bounds are wide. A CPU that lost its timer or its interrupts stops. */
static int ticks_keep_pace(unsigned cpu, uint32_t window, uint32_t min_div)
{
    uint32_t t0 = cpu_data[cpu].ticks, j0 = jiffies;
    wait_jiffies(window);
    uint32_t dt = cpu_data[cpu].ticks - t0, dj = jiffies - j0;
    int ok = dt > 0 && dt * min_div >= dj && dt <= dj * 10 + 10;
    if (!ok)
        printk("# cpu %u: %u local ticks while cpu 0 took %u\n", cpu, dt, dj);
    return ok ? 0 : -1;
}

/* After a start: the cpu's tick runs again (two ticks within 50 of CPU 0's). */
static int ticks_progress(unsigned cpu)
{
    uint32_t t0 = cpu_data[cpu].ticks, j0 = jiffies;
    while (cpu_data[cpu].ticks - t0 < 2 && jiffies - j0 < 50)
        safe_halt();
    if (cpu_data[cpu].ticks - t0 >= 2)
        return 0;
    printk("# cpu %u: no tick for %u ticks of cpu 0\n", cpu, jiffies - j0);
    return -1;
}

/* After a start: the cpu's busy load runs again (its counter moves within 50 ticks of CPU 0).
 * Not "within the two ticks above": a vcpu thread the host did not run for a while takes its
 * overdue tick upcalls back to back, with no iteration of its loop between them. */
static int work_progress(unsigned cpu, uint32_t w)
{
    uint32_t j0 = jiffies;
    while (cpu_data[cpu].work == w && jiffies - j0 < 50)
        safe_halt();
    if (cpu_data[cpu].work != w)
        return 0;
    printk("# cpu %u: its load did not run for %u ticks of cpu 0\n", cpu, jiffies - j0);
    return -1;
}

KERNEL_TEST(smp_every_cpu_ticks_and_takes_ipis)
{
    printk("# smp: %u of %u CPUs online (%s)\n", num_online_cpus(), nr_cpus_possible,
           smp_ops ? smp_ops->name : "uniprocessor");
    if (!CONFIG_SMP || !smp_ops) {
        KT_ASSERT_EQ(num_online_cpus(), 1);
        KT_ASSERT_EQ(cpu_online_mask, 1);
        return;
    }
    KT_ASSERT_EQ(num_online_cpus(), nr_cpus_possible);
    KT_ASSERT_EQ(smp_processor_id(), 0);
    for (unsigned c = 1; c < nr_cpus_possible; c++) {
        KT_ASSERT_EQ(cpu_data[c].state, CPU_ONLINE);
        for (int i = 0; i < 5; i++)
            KT_ASSERT_EQ(ipi_arrives(c), 0);
        smp_set_load(c, 1); /* a PV vcpu ticks only while it has work */
        uint32_t w = cpu_data[c].work;
        int pace = ticks_keep_pace(c, 20, 4);
        smp_set_load(c, 0);
        KT_ASSERT_EQ(pace, 0);
        KT_ASSERT(cpu_data[c].work != w);
        KT_ASSERT_EQ(cpu_data[c].stray, 0);
    }
}

KERNEL_TEST(smp_hotplug_under_load_20_rounds)
{
    if (!CONFIG_HOTPLUG_CPU || !smp_ops || nr_cpus_possible < 2) {
        printk("# skipped: %s\n", !smp_ops ? "one CPU (no smp backend)" : "one CPU");
        KT_ASSERT(cpu_down(1) != 0); /* nothing to take down: refused, not crashed */
        return;
    }
    KT_ASSERT(cpu_down(0) != 0);                 /* the boot CPU stays */
    KT_ASSERT(cpu_down(nr_cpus_possible) != 0);  /* no such CPU */
    KT_ASSERT(cpu_up(1) != 0);                   /* already online */
    for (unsigned c = 1; c < nr_cpus_possible; c++)
        smp_set_load(c, 1);
    uint32_t boots0[NR_CPUS];
    for (unsigned c = 0; c < nr_cpus_possible; c++)
        boots0[c] = cpu_data[c].boots;
    int ok = 1;
    for (int round = 0; round < HOTPLUG_ROUNDS && ok; round++) {
        for (unsigned c = 1; c < nr_cpus_possible && ok; c++) {
            ok = KT_CHECK(cpu_down(c) == 0) && ok;
            ok = ok && KT_CHECK(!cpu_online(c) && cpu_data[c].state == CPU_OFFLINE);
            ok = ok && KT_CHECK(cpu_down(c) != 0); /* already offline */
            /* the affinity table moved everything off it and no longer counts it online */
            ok = ok && KT_CHECK(smp_irq_count_on_cpu(c) == 0 && !(smp_irq_online_mask() & (1u << c)));
            uint32_t ticks = cpu_data[c].ticks, ipis = cpu_data[c].ipis, work = cpu_data[c].work;
            smp_ops->send_ipi(c);                /* must not reach an offline CPU */
            wait_jiffies(2);
            ok = ok && KT_CHECK(cpu_data[c].ticks == ticks && cpu_data[c].ipis == ipis &&
                                cpu_data[c].work == work && cpu_data[c].stray == 0);
            ok = ok && KT_CHECK(cpu_up(c) == 0);
            ok = ok && KT_CHECK(cpu_online(c) && cpu_data[c].state == CPU_ONLINE);
            ok = ok && KT_CHECK(smp_irq_online_mask() & (1u << c));
            ok = ok && KT_CHECK(ipi_arrives(c) == 0);
            uint32_t w = cpu_data[c].work;
            ok = ok && KT_CHECK(ticks_progress(c) == 0);
            ok = ok && KT_CHECK(work_progress(c, w) == 0); /* the load runs again */
        }
        if (!ok)
            printk("# hotplug failed in round %d\n", round);
    }
    for (unsigned c = 1; c < nr_cpus_possible; c++) {
        smp_set_load(c, 0);
        KT_CHECK(cpu_data[c].boots == boots0[c] + (ok ? HOTPLUG_ROUNDS : 0));
        KT_CHECK(cpu_data[c].stray == 0);
    }
    printk("# hotplug: %u CPUs x %d rounds; per CPU ticks/ipis/boots:", nr_cpus_possible - 1, HOTPLUG_ROUNDS);
    for (unsigned c = 1; c < nr_cpus_possible; c++)
        printk(" cpu%u %u/%u/%u", c, cpu_data[c].ticks, cpu_data[c].ipis, cpu_data[c].boots);
    printk("\n");
    KT_ASSERT(ok);
    KT_ASSERT_EQ(num_online_cpus(), nr_cpus_possible);
}
