/* smp/irq_route.c: device-irq affinity across CPU hotplug (see there). */
#ifndef KERNEL_SMP_IRQ_H
#define KERNEL_SMP_IRQ_H
#include <stdint.h>
void smp_irq_init(uint32_t online, unsigned nr_cpus);
int smp_irq_cpu_offline(unsigned cpu);   /* irqs moved off it, or -22 */
void smp_irq_cpu_online(unsigned cpu);
int smp_irq_count_on_cpu(unsigned cpu);
int smp_irq_balance_allowed(void);
uint32_t smp_irq_online_mask(void);       /* the table's view of the online CPUs */
#endif
