/* Serial console and log levels (see console.h). Polled output: Moat never takes interrupts,
 * so a line is always complete when log_printf returns, even right before a panic exit. */
#include <stdarg.h>
#include <lib/format.h>
#include "console.h"
#include "x86.h"
#include "exit.h"

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

int serial_getc_nonblock(void)
{
    if (!(inb(COM1 + 5) & 0x01))
        return -1;
    return inb(COM1);
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
