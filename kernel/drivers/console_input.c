/* console_getc() (console.h): dispatch to the backend's reader; natively COM1.
 *
 * Natively COM1 is polled, and, once the IO-APIC routes ISA irq 4 (issue 10), its receive
 * interrupt also moves bytes from the UART into a small ring. The consumer (the tty's
 * polling, console_getc) drains the ring first and then still polls the UART, so input works
 * with or without the interrupt, and a full ring only leaves bytes in the UART's FIFO.
 *
 * Invariants: the ring and the UART's receive side are touched only under rx_lock (taken with
 * interrupts off): the handler may run on any CPU while the poller runs on another, and
 * holding one lock across "ring first, then UART" keeps the bytes in arrival order. The
 * handler does nothing else (no wakeup, no task): the tty finds the bytes when it polls. */
#include <stdint.h>
#include "console.h"
#include "ioapic.h"
#include "serial.h"
#include "smp_irq.h"
#include "spinlock.h"
#include "trap.h"
#include "pv/pvops.h"

#define COM1 0x3f8
#define UART_RBR 0
#define UART_IER 1
#define UART_IIR 2
#define UART_FCR 2
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DATA_READY 0x01
#define RX_RING 64u

static spinlock_t rx_lock = SPINLOCK_INIT;
static uint8_t rx_ring[RX_RING];
static uint32_t rx_head, rx_tail;           /* free-running; head - tail = fill */
volatile uint32_t serial_rx_irqs, serial_rx_bytes;

static int serial_getc(void)
{
    int c = -1;
    unsigned long f = spin_lock_irqsave(&rx_lock);
    if (rx_head != rx_tail)
        c = rx_ring[rx_tail++ % RX_RING];
    else if (inb(COM1 + UART_LSR) & LSR_DATA_READY)
        c = inb(COM1 + UART_RBR);
    spin_unlock_irqrestore(&rx_lock, f);
    return c;
}

static int serial_rx_irq(struct trap_frame *fr)
{
    smp_irq_count(SERIAL_IRQ);
    __atomic_fetch_add(&serial_rx_irqs, 1, __ATOMIC_RELAXED);
    unsigned long f = spin_lock_irqsave(&rx_lock);
    (void)inb(COM1 + UART_IIR); /* identifies (and so clears) the interrupt cause */
    while (rx_head - rx_tail < RX_RING && (inb(COM1 + UART_LSR) & LSR_DATA_READY)) {
        rx_ring[rx_head++ % RX_RING] = inb(COM1 + UART_RBR);
        __atomic_fetch_add(&serial_rx_bytes, 1, __ATOMIC_RELAXED);
    }
    spin_unlock_irqrestore(&rx_lock, f);
    isa_irq_eoi(SERIAL_IRQ);
    return 1;
}

void serial_rx_irq_start(void)
{
    trap_set_handler(IRQ_BASE + SERIAL_IRQ, serial_rx_irq);
    unsigned long f = spin_lock_irqsave(&rx_lock);
    outb(COM1 + UART_FCR, 0x01);  /* FIFOs stay on (not cleared: no input lost), trigger at 1 byte */
    outb(COM1 + UART_MCR, 0x0B);  /* DTR, RTS, OUT2 (gates the irq line on PC boards) */
    outb(COM1 + UART_IER, 0x01);  /* received-data interrupt only */
    spin_unlock_irqrestore(&rx_lock, f);
}

static console_getc_fn reader = serial_getc;

int console_getc(void) { return reader(); }
void console_set_input(console_getc_fn fn) { reader = fn ? fn : serial_getc; }
