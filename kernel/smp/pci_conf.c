/* PCI configuration space for the early chipset quirks (pci_quirks.h): mechanism #1 (ports
 * 0xCF8/0xCFC) through the port I/O pv-ops natively. A PV domain has no PCI bus of its own
 * here: every read is "no device" (all ones), writes are dropped. Kept apart from
 * smp/irq_route.c because irq_balance.h and pv/pvops.h both name a function irq_enable. */
#include <stdint.h>
#include <lib/string.h>
#include "pci_quirks.h"
#include "smp_pci.h"
#include "pv/pvops.h"

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc

static int native(void) { return strcmp(pv_backend_name(), "native") == 0; }

static uint32_t conf_read(void *ctx, unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned width)
{
    if (!native() || bus > 255 || dev > 31 || fn > 7 || off > 255)
        return 0xffffffffu;
    outl(PCI_ADDR, 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (off & 0xfc));
    uint32_t v = inl(PCI_DATA) >> ((off & 3) * 8);
    return width == 1 ? (v & 0xff) : width == 2 ? (v & 0xffff) : v;
}

static void conf_write(void *ctx, unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned width,
                       uint32_t val)
{
    if (!native() || bus > 255 || dev > 31 || fn > 7 || off > 255)
        return;
    uint32_t addr = 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (off & 0xfc);
    unsigned shift = (off & 3) * 8;
    uint32_t mask = width == 1 ? 0xffu : width == 2 ? 0xffffu : 0xffffffffu;
    outl(PCI_ADDR, addr);
    uint32_t old = inl(PCI_DATA);
    outl(PCI_ADDR, addr);
    outl(PCI_DATA, (old & ~(mask << shift)) | ((val & mask) << shift));
}

const struct pci_conf_ops smp_pci_conf = { conf_read, conf_write, 0 };
int smp_boot_native(void) { return native(); }
