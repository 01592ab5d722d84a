/* Device-irq affinity for SMP and hotplug, over the balancer of irq/balance.c and the early
 * chipset quirks of irq/quirks.c (helper H14's pure code; this file only feeds them).
 *
 * At boot: the quirk table decides whether balancing is allowed (printed as one line), the
 * table starts with the CPUs online and the device irqs this kernel has. Natively that is the
 * PIT (irq 0) delivered through the 8259 in virtual-wire mode, which can only reach CPU 0, so
 * its affinity is CPU 0 (IO-APIC routing, which would let the balancer move it, is not done:
 * see the H15 report). On PV the device events are per-vcpu VIRQs of vcpu 0; no plain device
 * event channel exists yet.
 *
 * Hotplug: smp_irq_cpu_offline runs BEFORE the CPU leaves the online mask (it is the table's
 * fixup); smp_irq_cpu_online after it came back. */
#include <stdint.h>
#include <lib/format.h>
#include "irq_balance.h"
#include "pci_quirks.h"
#include "smp_pci.h"
#include "smp_irq.h"
#include "printk.h"

static struct irq_table table;
static struct irq_balance_decision decision;

void smp_irq_init(uint32_t online, unsigned nr_cpus)
{
    enum apic_routing routing = smp_boot_native() ? APIC_ROUTING_FLAT : APIC_ROUTING_EVTCHN;
    int seen = pci_early_quirks(&smp_pci_conf, routing, nr_cpus, &decision);
    irq_table_init(&table, online);
    table.balance_allowed = decision.allowed;
    if (smp_boot_native())
        irq_enable(&table, 0, 1u, -1); /* PIT via the 8259: CPU 0 only */
    char line[160];
    irq_balance_decision_line(&decision, line, sizeof line);
    printk(KERN_INFO "%s; %d PCI functions on bus 0\n", line, seen);
}

int smp_irq_cpu_offline(unsigned cpu) { return irq_cpu_offline(&table, cpu); }
void smp_irq_cpu_online(unsigned cpu) { irq_cpu_online(&table, cpu); }
int smp_irq_count_on_cpu(unsigned cpu) { return irq_count_on_cpu(&table, cpu); }
int smp_irq_balance_allowed(void) { return decision.allowed; }
uint32_t smp_irq_online_mask(void) { return table.online; }
