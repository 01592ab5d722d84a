/* Generic SMP start-up and CPU hotplug over the backend's smp_ops (see smp.h for the model).
 *
 * Invariants:
 *  - Hotplug requests are made with the big kernel lock held (boot tests on CPU 0, a task's
 *    write to sysfs) and serialized by hotplug_busy under it: a second request while one waits
 *    (with the lock dropped) gets -EBUSY. The online mask changes only under smp_lock.
 *  - A request never waits for another CPU with the big kernel lock held (it is released
 *    around the backend's waits): the CPU going offline needs it to preempt its task, the CPU
 *    coming online needs it to join the scheduler.
 *  - A DYING CPU's task is preempted at its next return to user mode: the wake-up IPI that
 *    cpu_down sends marks the time slice of the task it interrupts as used up
 *    (smp_count_ipi), so the return path (proc_return_to_user) yields it.
 *  - cpu_down: the backend moves the CPU's irqs/events (fixup_irqs) BEFORE the CPU leaves the
 *    online mask; the CPU itself then leaves the mask, stops its timer and parks.
 *  - A CPU's counters move only while it is online (stray counts interrupts outside that). */
#include <stdint.h>
#include <lib/string.h>
#include "smp.h"
#include "smp_irq.h"
#include "boot.h"
#include "printk.h"
#include "spinlock.h"
#include "klock.h"
#include "uapi.h"
#include "proc.h"
#include "pv/pvops.h"

struct cpu_data cpu_data[NR_CPUS];
volatile uint32_t cpu_online_mask = 1;
unsigned nr_cpus_possible = 1;
const struct smp_ops *smp_ops;
static spinlock_t smp_lock = SPINLOCK_INIT;
static int hotplug_busy;

unsigned num_online_cpus(void) { return (unsigned)__builtin_popcount(cpu_online_mask); }

void smp_cpu_set_online(unsigned cpu)
{
    unsigned long f = spin_lock_irqsave(&smp_lock);
    cpu_data[cpu].boots++;
    cpu_online_mask |= 1u << cpu;
    cpu_data[cpu].state = CPU_ONLINE;
    spin_unlock_irqrestore(&smp_lock, f);
}

static void count_on(volatile uint32_t *counter)
{
    unsigned cpu = smp_processor_id();
    if (cpu_data[cpu].state == CPU_ONLINE || cpu_data[cpu].state == CPU_DYING)
        (*counter)++;
    else
        cpu_data[cpu].stray++;
}

void smp_count_tick(void) { count_on(&cpu_data[smp_processor_id()].ticks); }

void smp_count_ipi(void)
{
    unsigned cpu = smp_processor_id();
    count_on(&cpu_data[cpu].ipis);
    struct task *t = current; /* the task it interrupted in ring 3 (none in the idle halt) */
    if (t && cpu_data[cpu].state == CPU_DYING)
        t->slice_start = jiffies - TIME_SLICE_TICKS; /* read only by this CPU while t runs here */
}

/* The loop of every CPU but 0: once processes run, the scheduler (it returns when the CPU is
 * going offline); before that a busy load when asked, else halt until the next interrupt.
 * A DYING state makes it leave the online mask and park. */
void __attribute__((noreturn)) smp_cpu_loop(unsigned cpu)
{
    struct cpu_data *c = &cpu_data[cpu];
    irq_enable();
    for (;;) {
        if (c->state == CPU_DYING) {
            irq_disable();
            unsigned long f = spin_lock_irqsave(&smp_lock);
            cpu_online_mask &= ~(1u << cpu);
            spin_unlock_irqrestore(&smp_lock, f);
            smp_ops->park_self(cpu);
        }
        if (sched_running && !c->load) {
            proc_cpu_schedule(cpu);
            continue;
        }
        if (c->load)
            c->work++;
        else
            safe_halt();
    }
}

void smp_set_load(unsigned cpu, int on)
{
    if (cpu == 0 || cpu >= nr_cpus_possible)
        return;
    cpu_data[cpu].load = on;
    if (cpu_online(cpu))
        smp_ops->send_ipi(cpu); /* out of its halt, so it sees the change */
}

int cpu_down(unsigned cpu)
{
    if (!CONFIG_HOTPLUG_CPU || !smp_ops || cpu == 0 || cpu >= nr_cpus_possible)
        return -EINVAL;
    if (hotplug_busy)
        return -EBUSY;
    int rc = -EBUSY;
    if (cpu_data[cpu].state == CPU_ONLINE && num_online_cpus() > 1) {
        hotplug_busy = 1;
        /* fixup_irqs, before it leaves the map: the affinity table, then the backend's routing */
        int moved = smp_irq_cpu_offline(cpu);
        if (moved >= 0)
            moved = smp_ops->irqs_offline(cpu);
        if (moved < 0) {
            rc = moved;
        } else {
            cpu_data[cpu].state = CPU_DYING;
            smp_ops->send_ipi(cpu); /* out of its halt, or its task preempted (smp_count_ipi) */
            if (smp_processor_id() == cpu)
                yield(); /* we are its task: go back to the table, another CPU takes us */
            klock_release(); /* we hold it (see the invariants); the dying CPU needs it */
            rc = smp_ops->cpu_kill(cpu);
            klock_acquire();
            if (rc == 0)
                cpu_data[cpu].state = CPU_OFFLINE;
        }
        hotplug_busy = 0;
    }
    return rc;
}

int cpu_up(unsigned cpu)
{
    if (!smp_ops || cpu == 0 || cpu >= nr_cpus_possible)
        return -EINVAL;
    if (hotplug_busy)
        return -EBUSY;
    int rc = -EBUSY;
    if (cpu_data[cpu].state == CPU_OFFLINE) {
        hotplug_busy = 1;
        klock_release();
        rc = smp_ops->cpu_start(cpu);
        klock_acquire();
        if (rc == 0)
            smp_irq_cpu_online(cpu);
        hotplug_busy = 0;
    }
    return rc;
}

void smp_init(void)
{
    if (!CONFIG_SMP)
        return;
    cpu_data[0].state = CPU_ONLINE;
    cpu_data[0].boots = 1;
    int probed = -1;
    if (strcmp(pv_backend_name(), "native") == 0)
        probed = native_smp_probe();
    else
        probed = xen_smp_probe();
    smp_irq_init(cpu_online_mask, nr_cpus_possible);
    if (probed == 0)
        for (unsigned c = 1; c < nr_cpus_possible; c++)
            if (cpu_up(c))
                printk(KERN_WARNING "smp: cpu %u did not come online\n", c);
    smp_irq_balance_boot(); /* spread the device irqs over the CPUs that came up */
    printk(KERN_INFO "smp: %u CPUs online (%s)\n", num_online_cpus(),
           smp_ops ? smp_ops->name : "uniprocessor");
}
