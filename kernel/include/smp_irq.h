/* smp/irq_route.c: device-irq affinity, balancing and per-CPU counts across CPU hotplug
 * (see there for the invariants). */
#ifndef KERNEL_SMP_IRQ_H
#define KERNEL_SMP_IRQ_H
#include <stdint.h>
#define SMP_IRQ_BALANCE_JIFFIES 200   /* periodic pass: every 2 s of CPU 0's tick */
void smp_irq_init(uint32_t online, unsigned nr_cpus);
/* End of smp_init, once the CPUs are up: the first pass, and the placement printed. */
void smp_irq_balance_boot(void);
int smp_irq_balance_now(void);            /* one pass now: irqs moved */
extern int smp_irq_boot_pass_done;
/* Like /proc/irq/N/smp_affinity: the irq moves at once if its target left the mask. 0, -22
 * (not a movable device irq, empty mask, no online CPU in it), -1 (the quirk forbids it). */
int smp_irq_set_affinity(unsigned irq, uint32_t mask);
void smp_irq_tick(void);                  /* CPU 0's tick handler: the periodic pass */
void smp_irq_count(unsigned irq);         /* a device-irq handler: one more on this CPU */
uint32_t smp_irq_hits(unsigned irq, unsigned cpu);
int smp_irq_cpu_offline(unsigned cpu);   /* irqs moved off it, or -22 / the backend's error */
void smp_irq_cpu_online(unsigned cpu);
int smp_irq_count_on_cpu(unsigned cpu);
int smp_irq_balance_allowed(void);
uint32_t smp_irq_online_mask(void);       /* the table's view of the online CPUs */
struct smp_irq_info {
    const char *name, *chip;
    int target;
    uint32_t affinity;
    int pinned;
};
int smp_irq_info(unsigned irq, struct smp_irq_info *out);   /* 0 if irq is a device irq */
uint32_t smp_irq_rtc_rearms(void);
uint32_t smp_irq_moves(void);            /* irqs moved by balance passes so far */
int smp_irq_proc_interrupts(char *b, uint32_t n);          /* /proc/interrupts */
#endif
