/* Multiprocessor support and CPU hotplug (issue 10): the generic interface.
 *
 * Model (decided for this kernel, say it plainly):
 *  - CPU 0 (the boot CPU) runs the scheduler and every process; it keeps the PIT tick (the
 *    global jiffies clock, through the 8259 natively / VIRQ_TIMER on vcpu 0 on PV). The other
 *    CPUs run a per-CPU kernel loop: their own local tick (LAPIC timer natively, VIRQ_TIMER
 *    per vcpu on PV), IPIs, and on request a busy load. Processes are NOT yet scheduled on the
 *    other CPUs (see the report of H15: what is missing).
 *  - Locking: `smp_lock` (a spinlock) serializes CPU state changes, the online mask and the
 *    start-up hand-off; per-CPU counters are written only by their own CPU.
 *  - CPU 0 is never taken offline.
 *
 * Hotplug invariants (the order of the i386 CPU-hotplug commit):
 *  - offline: every irq/event bound to the CPU is moved to another online CPU BEFORE the CPU
 *    leaves the online mask; then its timer stops and it parks with interrupts off (native:
 *    hlt; PV: VCPUOP_down); its state is then reset so that
 *  - online takes the same path as the first boot (INIT-SIPI-SIPI / VCPUOP_initialise + up).
 *  - An offline CPU's counters do not move: it takes no interrupt and no event. */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H
#include <stdint.h>
#include "acpi_madt.h"

#define NR_CPUS SMP_MAX_CPUS
#define SMP_AP_STACK_SIZE 8192

/* The stack every CPU but 0 runs on (interrupts and events included: those CPUs never enter
 * ring 3, so nothing switches them to another stack). This is also how a CPU knows who it is
 * (smp_stack_cpu): cheap, and the same natively and on PV, where there is no APIC id to read.
 * CPU 0 is every stack that is not one of these (boot stack, task kernel stacks). */
extern uint8_t smp_ap_stack[NR_CPUS][SMP_AP_STACK_SIZE];
static inline unsigned smp_stack_cpu(void)
{
    uint32_t off = (uint32_t)(uintptr_t)__builtin_frame_address(0) - (uint32_t)(uintptr_t)smp_ap_stack;
    return off < sizeof smp_ap_stack ? off / SMP_AP_STACK_SIZE : 0;
}

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
};
extern const struct smp_ops *smp_ops;

/* Boot: finds the CPUs, starts them all, prints `smp: N CPUs online`. */
void smp_init(void);
unsigned smp_processor_id(void);
static inline int cpu_online(unsigned cpu) { return cpu < NR_CPUS && (cpu_online_mask >> cpu) & 1; }
unsigned num_online_cpus(void);

/* Hotplug: 0, or -EINVAL (no such cpu / cpu 0), -EBUSY (not in the right state), -EIO. */
int cpu_down(unsigned cpu);
int cpu_up(unsigned cpu);

/* Starts (1) or stops (0) a busy load on cpu (not 0): it spins counting cpu_data.work instead
 * of halting, with its tick running (a PV vcpu is tickless while idle). */
void smp_set_load(unsigned cpu, int on);

/* For the backends: the per-CPU loop a started CPU runs once it is online (never returns). */
void __attribute__((noreturn)) smp_cpu_loop(unsigned cpu);
/* Marks the calling cpu online (its boot path is complete). */
void smp_cpu_set_online(unsigned cpu);
/* Counts a local interrupt on the calling cpu. */
void smp_count_tick(void);
void smp_count_ipi(void);

/* /sys/devices/system/cpu (fs/sysfs.c), made by the Unix layer at boot. */
void sysfs_init(void);

int native_smp_probe(void);   /* 0: native smp_ops installed (cpu_data filled) */
int xen_smp_probe(void);      /* 0: PV smp_ops installed */
#endif
