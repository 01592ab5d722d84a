/* Serial console and log levels (see console.h). Polled output: Moat's output never waits for
 * an interrupt, so a line is always complete when log_printf returns, even right before a panic
 * exit. Input: polled by console_io read, and buffered by the RX interrupt (console_rx.c). */
#include <stdarg.h>
#include <lib/format.h>
#include "console.h"
#include "x86.h"
#include "exit.h"
#include "debug_keys.h"

#define COM1 0x3f8
static int log_level = LOG_INFO;

void serial_init(void)
{
    outb(COM1 + 1, 0x00);   /* no interrupts: Moat polls */
    outb(COM1 + 3, 0x80);   /* DLAB */
    outb(COM1 + 0, 0x01);   /* divisor 1 = 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);   /* 8N1 */
    outb(COM1 + 2, 0xC7);   /* FIFO on, cleared */
    outb(COM1 + 4, 0x03);   /* DTR, RTS */
}

void serial_putc(char c)
{
    for (int spin = 0; spin < 100000 && !(inb(COM1 + 5) & 0x20); spin++)
        ;
    outb(COM1, (uint8_t)c);
}

/* Every received byte passes the debug-key filter first (Ctrl-] prefix, debug_keys.c): the
 * bytes it consumes never reach the guest. An RX interrupt path must read through here (or
 * call debug_key_filter() itself) so that the keys work while the guest is not reading. */
int serial_rx_filtered(void)
{
    while (inb(COM1 + 5) & 0x01) {
        int ch = inb(COM1);
        if (!debug_key_filter(ch))
            return ch;
    }
    return -1;
}

/* Bytes the RX interrupt already buffered (console_rx.c) come before what is in the UART. */
int serial_getc_nonblock(void)
{
    int ch = console_rx_pop();
    return ch >= 0 ? ch : serial_rx_filtered();
}

/* Receive interrupts on (IER bit 0) and OUT2, which gates the UART's IRQ line on a PC. */
void serial_enable_rx_irq(void)
{
    outb(COM1 + 1, 0x01);
    outb(COM1 + 4, 0x0B);
}

void console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        serial_putc(s[i]);
}

void console_set_level(int level) { log_level = level; }
int console_level(void) { return log_level; }

static void put(char c, void *arg) { (void)arg; serial_putc(c); }

void con_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vformat(put, 0, fmt, ap);
    va_end(ap);
}

void log_printf(int level, const char *fmt, ...)
{
    if (level > log_level)
        return;
    console_write("moat: ", 6);
    va_list ap;
    va_start(ap, fmt);
    vformat(put, 0, fmt, ap);
    va_end(ap);
}

void panic(const char *fmt, ...)
{
    asm volatile("cli");
    console_write("moat: PANIC: ", 13);
    va_list ap;
    va_start(ap, fmt);
    vformat(put, 0, fmt, ap);
    va_end(ap);
    console_write("\n", 1);
    moat_exit(MOAT_EXIT_FAIL);
}
