/* Native IO-APIC routing of the ISA device interrupts (smp/ioapic.c), and the 8259 side of
 * the same job (drivers/pit.c). Native only: on PV the device interrupts are event channels.
 *
 * ISA irq n always arrives on vector IRQ_BASE + n, whichever controller delivers it, so the
 * handlers installed by pit_timer_init / the drivers stay the same; only the EOI differs
 * (isa_irq_eoi: the 8259 pair, or the local APIC once the IO-APIC routes the irq). */
#ifndef KERNEL_IOAPIC_H
#define KERNEL_IOAPIC_H
#include <stdint.h>
#include "acpi_madt.h"

#define IOAPIC_MAX_PINS 24

/* Redirection-table entry, low word (Intel 82093AA): vector, delivery mode 000 (fixed),
 * destination mode 0 (physical), polarity bit 13 (1 = active low), trigger bit 15
 * (1 = level), mask bit 16. The MPS INTI flags of an ACPI interrupt source override (or an
 * MP-table interrupt entry) are polarity in bits 0-1 and trigger in bits 2-3; 00 means "the
 * bus default", which for ISA is active high, edge. Pure: host-tested. */
#define IOAPIC_RTE_MASKED (1u << 16)
#define IOAPIC_RTE_LEVEL (1u << 15)
#define IOAPIC_RTE_ACTIVE_LOW (1u << 13)
static inline uint32_t ioapic_rte_low(unsigned vector, uint16_t inti_flags, int masked)
{
    uint32_t v = vector & 0xffu;
    if ((inti_flags & 3u) == 3u)
        v |= IOAPIC_RTE_ACTIVE_LOW;
    if (((inti_flags >> 2) & 3u) == 3u)
        v |= IOAPIC_RTE_LEVEL;
    if (masked)
        v |= IOAPIC_RTE_MASKED;
    return v;
}
/* High word: the physical destination (an APIC id) in bits 24..31. */
static inline uint32_t ioapic_rte_high(uint32_t apic_id) { return (apic_id & 0xffu) << 24; }

/* The GSI an ISA irq arrives on at the (first) IO-APIC, or -1 if it cannot be routed there:
 * outside the IO-APIC's pins, or an irq whose GSI another ISA irq's override took (QEMU and
 * most boards send irq 0 to GSI 2, so irq 2, the cascade, must not be routed too). Pure. */
int ioapic_isa_pin(const struct madt_info *fw, unsigned pins, unsigned isa_irq);

#ifndef MOAT_HOST_TEST
/* Firmware facts from the probe (ACPI MADT or MP table): copied; the IO-APIC is used only if
 * one was listed. */
void ioapic_set_firmware(const struct madt_info *fw);
/* Maps the IO-APIC, masks all its pins: 0, or -1 (none listed, or it does not answer). */
int ioapic_init(void);
int ioapic_present(void);          /* ioapic_init succeeded */
/* Switches the ISA irqs to the IO-APIC: every 8259 line masked, then each irq in `isa_mask`
 * routed (fixed, physical) to the APIC id of CPU 0 and unmasked. Interrupts off meanwhile.
 * After it, isa_irq_eoi EOIs at the local APIC. 0, or -1 (nothing changed). */
int ioapic_take_over(uint32_t isa_mask, uint32_t boot_apic_id);
/* Reprograms an ISA irq's destination (under the IO-APIC lock): 0, or -22. */
int ioapic_set_dest(unsigned isa_irq, uint32_t apic_id);
int ioapic_isa_routed(unsigned isa_irq);   /* 1 once the IO-APIC delivers it */
/* The destination APIC id its (unmasked) redirection entry holds now, read back from the
 * IO-APIC; -1 if not routed or masked. For the tests: the hardware follows the table. */
int ioapic_get_dest(unsigned isa_irq);
/* Routes one more ISA irq (after take-over): 0, or -22. */
int ioapic_route(unsigned isa_irq, uint32_t apic_id);
extern volatile int ioapic_routing;        /* 1 after ioapic_take_over */

/* drivers/pit.c: the EOI for ISA irq n (the 8259s or, when IO-APIC routed, the local APIC),
 * and masking both 8259s for good. */
void isa_irq_eoi(unsigned irq);
void pic_mask_all(void);
#endif
#endif
