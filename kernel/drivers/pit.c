/* Native periodic tick: the 8254 PIT channel 0 on IRQ 0, through the 8259 PIC pair remapped to
 * vectors 32..47 (so IRQs never collide with CPU exceptions). All port I/O goes through the
 * cpu pv-ops. Only IRQ 0 is unmasked; other IRQs are masked at the PIC and, if one arrives
 * anyway (spurious IRQ 7/15), it is acknowledged and ignored.
 *
 * Once smp/ioapic.c took the ISA irqs over (ioapic_routing), both 8259s are masked for good
 * and the EOI of a routed irq goes to the local APIC instead (isa_irq_eoi); the PIT stays on
 * CPU 0 (it is the global jiffies tick) and also drives the periodic irq-balance pass. */
#include "pv/pvops.h"
#include "boot.h"
#include "ioapic.h"
#include "smp_apic.h"
#include "smp_irq.h"
#include "trap.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define PIC_EOI 0x20
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_HZ 1193182u

static void pic_eoi(unsigned irq)
{
    if (irq >= 8)
        outb(PIC2_CMD, PIC_EOI);
    outb(PIC1_CMD, PIC_EOI);
}

void isa_irq_eoi(unsigned irq)
{
    if (ioapic_routing)
        apic_eoi_smp();
    else
        pic_eoi(irq);
}

void pic_mask_all(void)
{
    outb(PIC1_DATA, 0xFF);
    outb(PIC2_DATA, 0xFF);
}

static int pit_irq(struct trap_frame *f)
{
    smp_irq_count(0);
    isa_irq_eoi(0);
    timer_tick();
    smp_irq_tick();
    return 1;
}

static int other_irq(struct trap_frame *f)
{
    unsigned irq = f->vector - IRQ_BASE;
    /* With the IO-APIC in charge, an unrouted vector here is a leftover of the 8259 (its
     * spurious irq 7) delivered as ExtINT: the local APIC has nothing in service for it. */
    if (!ioapic_routing)
        pic_eoi(irq);
    else if (ioapic_isa_routed(irq))
        apic_eoi_smp();
    return 1;
}

static void pic_remap(void)
{
    outb(PIC1_CMD, 0x11); io_delay();   /* ICW1: init, ICW4 follows */
    outb(PIC2_CMD, 0x11); io_delay();
    outb(PIC1_DATA, IRQ_BASE); io_delay();      /* ICW2: vector offsets */
    outb(PIC2_DATA, IRQ_BASE + 8); io_delay();
    outb(PIC1_DATA, 0x04); io_delay();  /* ICW3: slave on IRQ 2 */
    outb(PIC2_DATA, 0x02); io_delay();
    outb(PIC1_DATA, 0x01); io_delay();  /* ICW4: 8086 mode */
    outb(PIC2_DATA, 0x01); io_delay();
    outb(PIC1_DATA, 0xFE);              /* mask all but IRQ 0 */
    outb(PIC2_DATA, 0xFF);
}

void pit_timer_init(unsigned hz)
{
    for (unsigned irq = 1; irq < NR_LEGACY_IRQS; irq++)
        trap_set_handler(IRQ_BASE + irq, other_irq);
    trap_set_handler(IRQ_BASE + 0, pit_irq);
    pic_remap();
    uint32_t div = PIT_HZ / hz;
    outb(PIT_CMD, 0x34);                /* channel 0, lo/hi byte, mode 2 (rate generator) */
    outb(PIT_CH0, div & 0xff);
    outb(PIT_CH0, (div >> 8) & 0xff);
    timer_running = 1;
}
