/* The early chipset-quirk table and the IRQ-balancing decision (pci_quirks.h explains the
 * erratum and the rule). Adding a quirk = one row in quirk_table and one check function that
 * says whether the chipset found actually has the problem. */
#include <stdint.h>
#include <stddef.h>
#include <lib/format.h>
#include "pci_quirks.h"

#define PCI_VENDOR_ID   0x00
#define PCI_DEVICE_ID   0x02
#define PCI_REVISION_ID 0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_HEADER_MULTIFUNCTION 0x80

/* E7x20 MCH registers used by the erratum check */
#define E7520_DEVHIDE       0xf4    /* bit 1: make device 8 visible */
#define E7520_DEVHIDE_SHOW8 0x02
#define E7520_XTPR_DEV      8
#define E7520_XTPR_OFF      0x4c
#define E7520_XTPR_HWBAL_OFF (1u << 13)   /* set: hardware redirection disabled */
#define E7520_FIXED_REV     0x9           /* revisions above this do not have the erratum */

struct pci_loc { unsigned bus, dev, fn; uint8_t revision; };

/* Returns 1 when the chipset at `at` has hardware IRQ redirection enabled (the erratum case). */
static int e7520_hw_balancing(const struct pci_conf_ops *ops, const struct pci_loc *at)
{
    if (at->revision > E7520_FIXED_REV)
        return 0;
    uint32_t hide = ops->read(ops->ctx, at->bus, at->dev, at->fn, E7520_DEVHIDE, 1) & 0xff;
    ops->write(ops->ctx, at->bus, at->dev, at->fn, E7520_DEVHIDE, 1, hide | E7520_DEVHIDE_SHOW8);
    uint32_t xtpr = ops->read(ops->ctx, at->bus, E7520_XTPR_DEV, 0, E7520_XTPR_OFF, 2) & 0xffff;
    /* leave the device hidden again if it was: the BIOS chose that */
    if (!(hide & E7520_DEVHIDE_SHOW8))
        ops->write(ops->ctx, at->bus, at->dev, at->fn, E7520_DEVHIDE, 1, hide);
    /* a device 8 that stays absent reads 0xffff: bit 13 set, i.e. no redirection seen */
    return !(xtpr & E7520_XTPR_HWBAL_OFF);
}

struct pci_quirk {
    uint16_t vendor, device;
    const char *name;
    int (*applies)(const struct pci_conf_ops *ops, const struct pci_loc *at);
    int needs_flat;          /* balancing only with flat routing */
};

static const struct pci_quirk quirk_table[] = {
    { PCI_VENDOR_INTEL, PCI_DEV_INTEL_E7320_MCH, "Intel E7320", e7520_hw_balancing, 1 },
    { PCI_VENDOR_INTEL, PCI_DEV_INTEL_E7520_MCH, "Intel E7520", e7520_hw_balancing, 1 },
    { PCI_VENDOR_INTEL, PCI_DEV_INTEL_E7525_MCH, "Intel E7525", e7520_hw_balancing, 1 },
};

static void check_device(const struct pci_conf_ops *ops, struct pci_loc *at, uint16_t vendor,
                         uint16_t device, struct irq_balance_decision *out)
{
    for (size_t i = 0; i < sizeof(quirk_table) / sizeof(quirk_table[0]); i++) {
        const struct pci_quirk *q = &quirk_table[i];
        if (q->vendor != vendor || q->device != device)
            continue;
        at->revision = (uint8_t)ops->read(ops->ctx, at->bus, at->dev, at->fn, PCI_REVISION_ID, 1);
        if (!q->applies(ops, at))
            continue;
        out->quirk = q->name;
        out->vendor = vendor;
        out->device = device;
        out->revision = at->revision;
        out->bus = at->bus;
        out->dev = at->dev;
        out->fn = at->fn;
        if (q->needs_flat && out->routing != APIC_ROUTING_FLAT)
            out->allowed = 0;
    }
}

int pci_early_quirks(const struct pci_conf_ops *ops, enum apic_routing routing, unsigned nr_cpus,
                     struct irq_balance_decision *out)
{
    *out = (struct irq_balance_decision){ .allowed = nr_cpus > 1, .nr_cpus = nr_cpus,
                                          .routing = routing };
    if (!ops)
        return 0;
    int seen = 0;
    for (unsigned dev = 0; dev < 32; dev++) {
        for (unsigned fn = 0; fn < 8; fn++) {
            uint32_t id = ops->read(ops->ctx, 0, dev, fn, PCI_VENDOR_ID, 4);
            uint16_t vendor = (uint16_t)id, device = (uint16_t)(id >> 16);
            if (vendor == 0xffff || vendor == 0) {
                if (fn == 0)
                    break;      /* no function 0: no device */
                continue;
            }
            seen++;
            struct pci_loc at = { 0, dev, fn, 0 };
            check_device(ops, &at, vendor, device, out);
            if (fn == 0 && !(ops->read(ops->ctx, 0, dev, 0, PCI_HEADER_TYPE, 1) & PCI_HEADER_MULTIFUNCTION))
                break;
        }
    }
    return seen;
}

const char *apic_routing_name(enum apic_routing r)
{
    switch (r) {
    case APIC_ROUTING_FLAT: return "flat";
    case APIC_ROUTING_PHYSICAL: return "physical";
    case APIC_ROUTING_CLUSTER: return "cluster";
    case APIC_ROUTING_EVTCHN: return "event channels";
    }
    return "?";
}

int irq_balance_decision_line(const struct irq_balance_decision *d, char *buf, size_t len)
{
    const char *state = d->allowed ? "on" : "off";
    if (d->quirk && d->routing != APIC_ROUTING_FLAT)
        return snprintf(buf, len, "irq balancing: %s (%s erratum, APIC routing not flat)", state,
                        d->quirk);
    if (d->nr_cpus <= 1)
        return snprintf(buf, len, "irq balancing: off (%u CPU online)", d->nr_cpus);
    if (d->quirk)
        return snprintf(buf, len, "irq balancing: %s (%s erratum, APIC routing flat)", state,
                        d->quirk);
    return snprintf(buf, len, "irq balancing: %s (%u CPUs, APIC routing %s)", state, d->nr_cpus,
                    apic_routing_name(d->routing));
}
