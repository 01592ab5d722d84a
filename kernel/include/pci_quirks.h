/* Early PCI chipset quirks that decide whether IRQ balancing may run (issue 10, pure logic).
 *
 * The model case is Intel's E7320/E7520/E7525 MCH erratum 23 (spec update 30304203): with the
 * chipset's hardware IRQ redirection on (the BIOS sets it, seen as bit 13 of the xTPR control
 * word at bus 0 device 8 function 0 offset 0x4c being CLEAR), interrupt messages are only
 * delivered correctly when the APIC routing is logical flat. Revisions above 0x9 are fixed.
 * Device 8 is hidden until bit 1 of the MCH's config byte 0xf4 is set; the quirk sets it,
 * reads, and puts the byte back, as Linux's quirk_intel_irqbalance does. The 2006 fix (see
 * reference/seed-commits.txt) moved this check EARLY because CPU hotplug selected physical
 * routing after the late check had run; so the decision takes the routing mode as an input
 * and must be re-made whenever the routing mode changes.
 *
 * Decision: balancing (and user affinity changes) are allowed when more than one CPU is
 * online and no quirk forbids it; on an affected chipset, only while routing is flat.
 * All configuration-space access goes through pci_conf_ops, so the host tests run the same
 * code against a simulated configuration space. */
#ifndef KERNEL_PCI_QUIRKS_H
#define KERNEL_PCI_QUIRKS_H
#include <stdint.h>
#include <stddef.h>

#define PCI_VENDOR_INTEL        0x8086
#define PCI_DEV_INTEL_E7520_MCH 0x3590
#define PCI_DEV_INTEL_E7320_MCH 0x3592
#define PCI_DEV_INTEL_E7525_MCH 0x359e

struct pci_conf_ops {
    /* width 1, 2 or 4; an absent device reads all ones */
    uint32_t (*read)(void *ctx, unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned width);
    void (*write)(void *ctx, unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned width,
                  uint32_t val);
    void *ctx;
};

enum apic_routing {
    APIC_ROUTING_FLAT,       /* logical flat: up to 8 CPUs, a message may name a CPU set */
    APIC_ROUTING_PHYSICAL,   /* physical destination: one APIC id per message */
    APIC_ROUTING_CLUSTER,    /* logical cluster */
    APIC_ROUTING_EVTCHN,     /* on Moat/Xen: no APIC, device irqs are event channels */
};

struct irq_balance_decision {
    int allowed;
    unsigned nr_cpus;
    enum apic_routing routing;
    const char *quirk;       /* chipset name of the quirk that applied, or NULL */
    uint16_t vendor, device;
    uint8_t revision;
    unsigned bus, dev, fn;   /* where that chipset was found */
};

/* Scans bus 0 (every device, every function of multi-function devices) and applies the quirk
 * table; `out` gets the decision. Returns the number of devices seen. */
int pci_early_quirks(const struct pci_conf_ops *ops, enum apic_routing routing, unsigned nr_cpus,
                     struct irq_balance_decision *out);
/* The decision as one boot-log line without newline, e.g.
 *   "irq balancing: off (Intel E7520 erratum, APIC routing not flat)". Returns its length. */
int irq_balance_decision_line(const struct irq_balance_decision *d, char *buf, size_t len);
const char *apic_routing_name(enum apic_routing r);
#endif
