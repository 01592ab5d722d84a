/* Multiprocessor support and CPU hotplug (issue 10): the generic interface.
 *
 * Model (decided for this kernel, say it plainly):
 *  - Every online CPU runs processes: each has its own scheduler loop over the one task table,
 *    under the big kernel lock (proc.h, klock.h, proc/task.c). CPU 0 (the boot CPU) also keeps
 *    the PIT tick (the global jiffies clock, through the 8259 or IO-APIC natively /
 *    VIRQ_TIMER on vcpu 0 on PV); the other CPUs have their own local tick (LAPIC timer
 *    natively; per-vcpu VIRQ_TIMER on PV, armed while the vcpu has work) for preemption.
 *    Before the first process starts (boot, kernel tests) the other CPUs run only their tick,
 *    IPIs and, on request, a busy load.
 *  - Locking: `smp_lock` (a spinlock) serializes the online mask; hotplug requests come from
 *    kernel code holding the big kernel lock (boot tests, a task's write to sysfs) and are
 *    serialized by a flag under it; per-CPU counters are written only by their own CPU.
 *  - CPU 0 is never taken offline.
 *
 * Hotplug invariants (the order of the i386 CPU-hotplug commit):
 *  - offline: every irq/event bound to the CPU is moved to another online CPU BEFORE the CPU
 *    leaves the online mask; then its timer stops and it parks with interrupts off (native:
 *    hlt; PV: VCPUOP_down); its state is then reset so that
 *  - online takes the same path as the first boot (INIT-SIPI-SIPI / VCPUOP_initialise + up).
 *  - offline also migrates the CPU's task: DYING makes it preempt its task back into the table
 *    at its next return to user mode (proc_return_to_user) and leave its scheduler loop, and
 *    the requester releases the big kernel lock while it waits, so the CPU can do that.
 *  - An offline CPU's counters do not move: it takes no interrupt and no event. */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H
#include <stdint.h>
#include "acpi_madt.h"

/* NR_CPUS, the per-CPU stacks smp_ap_stack[cpu] (CPUs 1..) and smp_processor_id(): kstack.h.
 * Every CPU but 0 runs its start-up, scheduler loop and idle on its own stack; interrupts it
 * takes in kernel mode stay on it, those taken in ring 3 arrive on the task's stack. */
#include "kstack.h"

enum cpu_state { CPU_ABSENT, CPU_OFFLINE, CPU_BOOTING, CPU_ONLINE, CPU_DYING, CPU_DEAD };

struct cpu_data {
    volatile int state;
    uint32_t hw_id;              /* APIC id natively, vcpu id on PV */
    volatile uint32_t ticks;     /* local timer interrupts taken */
    volatile uint32_t ipis;      /* wake-up / call IPIs taken */
    volatile uint32_t stray;     /* interrupts taken while not online (must stay 0) */
    volatile uint32_t work;      /* iterations of the busy load */
    volatile int load;           /* 1: spin a busy load instead of halting */
    uint32_t boots;              /* times it went through the boot path */
    volatile int busy;           /* running tasks (its scheduler found work), not idle */
    volatile uint32_t tasks;     /* tasks its scheduler switched in (processes run here) */
};

extern struct cpu_data cpu_data[NR_CPUS];
extern volatile uint32_t cpu_online_mask;
extern unsigned nr_cpus_possible;   /* CPUs the firmware / hypervisor reported */

/* The backend of one boot mode: native (APIC) or PV (VCPUOP). */
struct smp_ops {
    const char *name;
    int (*cpu_start)(unsigned cpu);   /* starts it through the boot path; 0 once it is online */
    int (*cpu_kill)(unsigned cpu);    /* waits until a DYING cpu parked; 0 or -errno */
    void (*send_ipi)(unsigned cpu);   /* a wake-up IPI (counted in cpu_data.ipis) */
    void (*park_self)(unsigned cpu) __attribute__((noreturn)); /* timer stopped, parked */
    int (*irqs_offline)(unsigned cpu);  /* fixup_irqs: move what is bound to cpu; count moved */
    void (*cpu_busy)(unsigned cpu);     /* optional: the calling cpu starts running tasks */
};
extern const struct smp_ops *smp_ops;

/* Boot: finds the CPUs, starts them all, prints `smp: N CPUs online`. */
void smp_init(void);
static inline int cpu_online(unsigned cpu) { return cpu < NR_CPUS && (cpu_online_mask >> cpu) & 1; }
unsigned num_online_cpus(void);

/* Hotplug: 0, or -EINVAL (no such cpu / cpu 0), -EBUSY (not in the right state), -EIO. */
int cpu_down(unsigned cpu);
int cpu_up(unsigned cpu);

/* Starts (1) or stops (0) a busy load on cpu (not 0): it spins counting cpu_data.work instead
 * of halting, with its tick running (a PV vcpu is tickless while idle). */
void smp_set_load(unsigned cpu, int on);

/* For the backends: the per-CPU loop a started CPU runs once it is online (never returns):
 * it joins the scheduler (proc_cpu_schedule) once processes run, until it goes offline. */
void __attribute__((noreturn)) smp_cpu_loop(unsigned cpu);
/* Marks the calling cpu online (its boot path is complete). */
void smp_cpu_set_online(unsigned cpu);
/* Counts a local interrupt on the calling cpu. */
void smp_count_tick(void);
void smp_count_ipi(void);

void proc_cpu_schedule(unsigned cpu);   /* proc/task.c: returns when cpu goes offline */
extern volatile int sched_running;      /* processes run: CPUs join the scheduler */

/* /sys/devices/system/cpu (fs/sysfs.c), made by the Unix layer at boot. */
void sysfs_init(void);

int native_smp_probe(void);   /* 0: native smp_ops installed (cpu_data filled) */
int xen_smp_probe(void);      /* 0: PV smp_ops installed */
#endif
