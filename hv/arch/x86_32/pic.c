/* The legacy 8259 PICs and the interrupts Moat takes.
 *
 * Remapped to vectors 0x20-0x2f (so a stray IRQ can never look like an exception: the BIOS
 * leaves IRQ0 on vector 8 = #DF). Every line starts masked; only the lines Moat has a driver
 * for are unmasked (pic_unmask): IRQ 0, the PIT one-shot timer (pit.c, timer.c), and IRQ 4,
 * COM1 receive (console.c). Moat itself runs with IF clear except in the idle loop; guests run
 * with IF set, so an interrupt arriving while a guest runs enters Moat at once.
 *
 * irq_dispatch() is the one handler for vectors 0x20-0x2f: acknowledge, then the driver.
 * The EOI comes first so a driver that re-arms its device (the PIT) cannot lose the next edge;
 * interrupts stay disabled throughout, so nothing nests. */
#include "cpu.h"
#include "selectors.h"
#include "x86.h"
#include "moat_time.h"
#include "console.h"

static uint16_t irq_mask = 0xFFFF;

void pic_init(void)
{
    outb(0x20, 0x11); outb(0xA0, 0x11);                 /* ICW1: init, ICW4 follows */
    outb(0x21, MOAT_IRQ_BASE); outb(0xA1, MOAT_IRQ_BASE + 8);
    outb(0x21, 0x04); outb(0xA1, 0x02);                 /* cascade on IRQ2 */
    outb(0x21, 0x01); outb(0xA1, 0x01);                 /* 8086 mode */
    outb(0x21, 0xFF); outb(0xA1, 0xFF);                 /* mask everything */
    irq_mask = 0xFFFF;
}

void pic_unmask(unsigned irq)
{
    if (irq >= 16)
        return;
    irq_mask &= (uint16_t)~(1u << irq);
    if (irq >= 8)
        irq_mask &= (uint16_t)~(1u << 2);               /* the cascade */
    outb(0x21, (uint8_t)irq_mask);
    outb(0xA1, (uint8_t)(irq_mask >> 8));
}

void pic_eoi(unsigned vector)
{
    if (vector >= MOAT_IRQ_BASE + 8)
        outb(0xA0, 0x20);
    outb(0x20, 0x20);
}

/* In-service register of the master: tells a real IRQ 7 from a spurious one. */
static uint8_t pic_isr(void)
{
    outb(0x20, 0x0B);
    return inb(0x20);
}

void irq_dispatch(unsigned vector)
{
    unsigned irq = vector - MOAT_IRQ_BASE;
    if (irq == 7 && !(pic_isr() & 0x80))
        return;                                         /* spurious: no EOI */
    pic_eoi(vector);
    switch (irq) {
    case 0:
        timer_interrupt(this_cpu()->id, NOW());
        break;
    case 4:
        console_rx_interrupt();
        break;
    default:
        break;                                          /* masked lines: stray, ignored */
    }
}
