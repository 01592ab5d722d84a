/* Console input: the COM1 receive interrupt (IRQ 4) buffers bytes for the initial domain and
 * raises VIRQ_CONSOLE, as Xen's serial RX path does for dom0; CONSOLEIO_read returns them
 * (serial_getc_nonblock pops this buffer before reading the UART).
 *
 * Invariants:
 *   - bytes reach the guest in the order they arrived: the buffer is drained before the UART;
 *   - every byte passes the debug-key filter before it is buffered (serial_rx_filtered), so
 *     Moat's keys work while the guest is not reading and never reach the guest;
 *   - the buffer never overflows into anything: when full, new bytes are dropped (and
 *     counted), as a full console ring drops them on Xen. */
#include <stdint.h>
#include "console.h"
#include "domain.h"
#include "event.h"

void pic_unmask(unsigned irq);

#define RX_SIZE 1024u            /* power of two */
static uint8_t rx_buf[RX_SIZE];
static uint32_t rx_head, rx_tail;   /* free-running; head - tail = bytes held */
static uint32_t rx_dropped;

int console_rx_pop(void)
{
    if (rx_head == rx_tail)
        return -1;
    return rx_buf[rx_tail++ % RX_SIZE];
}

void console_rx_interrupt(void)
{
    int got = 0, ch;
    while ((ch = serial_rx_filtered()) >= 0) {
        if (rx_head - rx_tail == RX_SIZE) {
            rx_dropped++;
            continue;
        }
        rx_buf[rx_head++ % RX_SIZE] = (uint8_t)ch;
        got = 1;
    }
    if (!got)
        return;
    for (uint32_t i = 0; i < MOAT_MAX_DOMAINS; i++)
        if (domains[i] && domains[i]->is_initial)
            send_guest_global_virq(domains[i], VIRQ_CONSOLE);
}

void console_rx_init(void)
{
    serial_enable_rx_irq();
    pic_unmask(4);
}
