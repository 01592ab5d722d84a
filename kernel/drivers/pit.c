/* Native periodic tick: the 8254 PIT channel 0 on IRQ 0, through the 8259 PIC pair remapped to
 * vectors 32..47 (so IRQs never collide with CPU exceptions). All port I/O goes through the
 * cpu pv-ops. Only IRQ 0 is unmasked; other IRQs are masked at the PIC and, if one arrives
 * anyway (spurious IRQ 7/15), it is acknowledged and ignored. */
#include "pv/pvops.h"
#include "boot.h"
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

static int pit_irq(struct trap_frame *f)
{
    pic_eoi(0);
    timer_tick();
    return 1;
}

static int other_irq(struct trap_frame *f)
{
    pic_eoi(f->vector - IRQ_BASE);
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
