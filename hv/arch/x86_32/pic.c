/* The legacy 8259 PICs: remapped to vectors 0x20-0x2f (so a stray IRQ can never look like an
 * exception: the BIOS leaves IRQ0 on vector 8 = #DF) and every line masked. Moat polls the
 * serial port and has no timer yet; guests run with EFLAGS.IF set but receive nothing. */
#include "cpu.h"
#include "selectors.h"
#include "x86.h"

void pic_init(void)
{
    outb(0x20, 0x11); outb(0xA0, 0x11);                 /* ICW1: init, ICW4 follows */
    outb(0x21, MOAT_IRQ_BASE); outb(0xA1, MOAT_IRQ_BASE + 8);
    outb(0x21, 0x04); outb(0xA1, 0x02);                 /* cascade on IRQ2 */
    outb(0x21, 0x01); outb(0xA1, 0x01);                 /* 8086 mode */
    outb(0x21, 0xFF); outb(0xA1, 0xFF);                 /* mask everything */
}

void pic_eoi(unsigned vector)
{
    if (vector >= MOAT_IRQ_BASE + 8)
        outb(0xA0, 0x20);
    outb(0x20, 0x20);
}
