/* Moat's console: COM1 (0x3f8, 115200 8N1), polled, with log levels.
 *
 * Moat's own lines start with "moat: " (the prefix is added by log_*(), not by the caller);
 * a guest's console_io output is written raw. The level filter comes from the Moat command
 * line option loglevel=N (0 errors only ... 3 debug; default 2 = info). */
#ifndef MOAT_CONSOLE_H
#define MOAT_CONSOLE_H
#include <stdint.h>
#include <stddef.h>

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

void serial_init(void);
void serial_putc(char c);
int serial_getc_nonblock(void);        /* -1 when no byte is waiting */
int serial_rx_filtered(void);          /* straight from the UART, debug keys removed; -1 */
void serial_enable_rx_irq(void);
/* Console input buffer (console_rx.c): COM1's RX interrupt fills it and raises VIRQ_CONSOLE
 * for the initial domain; serial_getc_nonblock() (CONSOLEIO_read) drains it first. */
void console_rx_init(void);
void console_rx_interrupt(void);
int console_rx_pop(void);               /* -1 when empty */

void console_write(const char *s, size_t n);   /* raw bytes, no prefix */
void console_set_level(int level);
int console_level(void);

void log_printf(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_err(...)   log_printf(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  log_printf(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_printf(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

/* Unconditional, unprefixed printf (register dumps, tables). */
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A fault in Moat itself: prints "moat: PANIC: <msg>" and leaves QEMU with MOAT_EXIT_FAIL. */
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
#endif
