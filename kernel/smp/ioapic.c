/* Native IO-APIC routing of the ISA device interrupts (see ioapic.h).
 *
 * Why: through the 8259 in virtual-wire mode an interrupt can only reach CPU 0; through the
 * IO-APIC each pin names its destination CPU, which is what lets the balancer and the
 * hotplug fixup of smp/irq_route.c move a device interrupt from one CPU to another.
 *
 * Invariants:
 *  - The IO-APIC's register pair (IOREGSEL, IOWIN) is one index+data port: every access holds
 *    ioapic_lock with interrupts off, so two CPUs (or a handler and the balancer) never
 *    interleave their select and data accesses.
 *  - A redirection entry is written high word (destination) first while the low word keeps
 *    its mask bit, then the low word: the pin is never live with a half-written destination.
 *  - Only pins this file routed are ever unmasked; all others stay masked from ioapic_init on.
 *  - The switch from the 8259 happens with interrupts off on CPU 0: the 8259 lines are
 *    masked first, then the pins unmasked, then ioapic_routing = 1 tells isa_irq_eoi to EOI
 *    at the local APIC, so no interrupt is acknowledged at the wrong controller.
 *  - The IO-APIC's own pages are mapped uncached in a fixmap slot nobody else uses (below the
 *    ACPI window of native_smp.c). */
#include <stdint.h>
#include <lib/string.h>
#include "ioapic.h"

int ioapic_isa_pin(const struct madt_info *fw, unsigned pins, unsigned isa_irq)
{
    if (isa_irq >= 16 || !fw->nr_ioapics)
        return -1;
    uint32_t gsi = fw->isa_gsi[isa_irq];
    if (gsi < fw->ioapic_gsi_base || gsi - fw->ioapic_gsi_base >= pins || gsi - fw->ioapic_gsi_base >= IOAPIC_MAX_PINS)
        return -1;
    for (unsigned j = 0; j < 16; j++)
        if (j != isa_irq && fw->isa_gsi[j] != j && fw->isa_gsi[j] == gsi)
            return -1; /* another irq's override took this GSI */
    return (int)(gsi - fw->ioapic_gsi_base);
}

#ifndef MOAT_HOST_TEST
#include "kmem.h"
#include "mm.h"
#include "printk.h"
#include "spinlock.h"
#include "trap.h"
#include "pv/pvops.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REG_RTE(pin) (0x10u + 2u * (pin))
#define _PAGE_PCD 0x010ull
/* native_smp.c's ACPI window is the 16 pages below the two APIC pages: this is the next. */
#define IOAPIC_VA (FIXMAP_END - 19 * PAGE_SIZE)

static struct madt_info fw;
static int have_fw, present;
static unsigned nr_pins;
static volatile uint32_t *regs;
static spinlock_t ioapic_lock = SPINLOCK_INIT;
static int8_t isa_pin[16];      /* pin of each ISA irq, -1 if not routable */
static uint16_t routed;          /* ISA irqs the IO-APIC delivers */
volatile int ioapic_routing;

static uint32_t io_read(unsigned reg)
{
    regs[IOREGSEL / 4] = reg;
    return regs[IOWIN / 4];
}

static void io_write(unsigned reg, uint32_t v)
{
    regs[IOREGSEL / 4] = reg;
    regs[IOWIN / 4] = v;
}

void ioapic_set_firmware(const struct madt_info *f)
{
    fw = *f;
    have_fw = 1;
}

int ioapic_present(void) { return present; }
int ioapic_isa_routed(unsigned isa_irq) { return isa_irq < 16 && (routed >> isa_irq) & 1; }

int ioapic_init(void)
{
    if (present)
        return 0;
    if (!have_fw || !fw.nr_ioapics || !fw.ioapic_phys || (fw.ioapic_phys & 0xfffu) > PAGE_SIZE - 0x20)
        return -1;
    if (paging_map(kernel_pgd, IOAPIC_VA, fw.ioapic_phys >> PAGE_SHIFT, _PAGE_RW | _PAGE_PCD | _PAGE_NX) != 0)
        return -1;
    flush_tlb_single(IOAPIC_VA);
    regs = (volatile uint32_t *)(uintptr_t)(IOAPIC_VA + (fw.ioapic_phys & 0xfffu));
    unsigned long f = spin_lock_irqsave(&ioapic_lock);
    uint32_t ver = io_read(IOAPIC_REG_VER);
    spin_unlock_irqrestore(&ioapic_lock, f);
    /* No device there reads as all ones; a real IO-APIC has version 0x1X or 0x2X. */
    unsigned max = (ver >> 16) & 0xffu;
    if (ver == 0xffffffffu || (ver & 0xffu) < 0x10 || max == 0) {
        paging_unmap(kernel_pgd, IOAPIC_VA);
        regs = 0;
        printk(KERN_WARNING "ioapic: no answer at 0x%08x (version 0x%08x): staying on the 8259\n",
               fw.ioapic_phys, ver);
        return -1;
    }
    nr_pins = max + 1 < IOAPIC_MAX_PINS ? max + 1 : IOAPIC_MAX_PINS;
    f = spin_lock_irqsave(&ioapic_lock);
    for (unsigned p = 0; p < nr_pins; p++) {
        io_write(IOAPIC_REG_RTE(p), IOAPIC_RTE_MASKED);
        io_write(IOAPIC_REG_RTE(p) + 1, 0);
    }
    spin_unlock_irqrestore(&ioapic_lock, f);
    for (unsigned i = 0; i < 16; i++)
        isa_pin[i] = (int8_t)ioapic_isa_pin(&fw, nr_pins, i);
    present = 1;
    printk(KERN_INFO "ioapic: id %u at 0x%08x, version 0x%02x, %u pins, GSI base %u; ISA irq 0 -> GSI %u\n",
           fw.ioapic_id, fw.ioapic_phys, ver & 0xffu, nr_pins, fw.ioapic_gsi_base, fw.isa_gsi[0]);
    return 0;
}

/* Holds ioapic_lock. */
static void write_rte(unsigned isa_irq, uint32_t apic_id, int masked)
{
    unsigned pin = (unsigned)isa_pin[isa_irq];
    uint32_t lo = ioapic_rte_low(IRQ_BASE + isa_irq, fw.isa_flags[isa_irq], 1);
    io_write(IOAPIC_REG_RTE(pin), lo);                       /* masked while it changes */
    io_write(IOAPIC_REG_RTE(pin) + 1, ioapic_rte_high(apic_id));
    if (!masked)
        io_write(IOAPIC_REG_RTE(pin), lo & ~IOAPIC_RTE_MASKED);
}

int ioapic_route(unsigned isa_irq, uint32_t apic_id)
{
    if (!present || isa_irq >= 16 || isa_pin[isa_irq] < 0)
        return -22;
    unsigned long f = spin_lock_irqsave(&ioapic_lock);
    write_rte(isa_irq, apic_id, 0);
    routed |= (uint16_t)(1u << isa_irq);
    spin_unlock_irqrestore(&ioapic_lock, f);
    return 0;
}

int ioapic_set_dest(unsigned isa_irq, uint32_t apic_id)
{
    if (!present || !ioapic_isa_routed(isa_irq))
        return -22;
    unsigned long f = spin_lock_irqsave(&ioapic_lock);
    unsigned pin = (unsigned)isa_pin[isa_irq];
    /* An edge interrupt is a message: rewriting the destination only affects the next one,
     * no mask needed (and masking an edge pin could drop an edge that arrives meanwhile). */
    io_write(IOAPIC_REG_RTE(pin) + 1, ioapic_rte_high(apic_id));
    spin_unlock_irqrestore(&ioapic_lock, f);
    return 0;
}

int ioapic_get_dest(unsigned isa_irq)
{
    if (!present || !ioapic_isa_routed(isa_irq))
        return -1;
    unsigned long f = spin_lock_irqsave(&ioapic_lock);
    uint32_t hi = io_read(IOAPIC_REG_RTE((unsigned)isa_pin[isa_irq]) + 1);
    uint32_t lo = io_read(IOAPIC_REG_RTE((unsigned)isa_pin[isa_irq]));
    spin_unlock_irqrestore(&ioapic_lock, f);
    return lo & IOAPIC_RTE_MASKED ? -1 : (int)(hi >> 24);
}

int ioapic_take_over(uint32_t isa_mask, uint32_t boot_apic_id)
{
    if (!present)
        return -1;
    for (unsigned i = 0; i < 16; i++)
        if ((isa_mask >> i) & 1 && isa_pin[i] < 0)
            return -1; /* e.g. the PIT has no pin: keep the 8259 for everything */
    unsigned long f = irq_save();
    pic_mask_all();
    for (unsigned i = 0; i < 16; i++)
        if ((isa_mask >> i) & 1)
            ioapic_route(i, boot_apic_id);
    ioapic_routing = 1;
    restore_fl(f);
    return 0;
}
#endif
