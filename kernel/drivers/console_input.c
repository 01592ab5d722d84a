/* console_getc() (console.h): dispatch to the backend's reader; natively COM1, polled. */
#include <stdint.h>
#include "console.h"
#include "pv/pvops.h"

#define COM1 0x3f8
#define UART_RBR 0
#define UART_LSR 5
#define LSR_DATA_READY 0x01

static int serial_getc(void)
{
    if (!(inb(COM1 + UART_LSR) & LSR_DATA_READY))
        return -1;
    return inb(COM1 + UART_RBR);
}

static console_getc_fn reader = serial_getc;

int console_getc(void) { return reader(); }
void console_set_input(console_getc_fn fn) { reader = fn ? fn : serial_getc; }
