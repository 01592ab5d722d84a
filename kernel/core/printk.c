/* printk: level filtering on top of lib/format's streaming vformat, output to the console sink.
 * Interrupts are masked while one message is emitted so lines from an interrupt handler never
 * split a line in the middle. */
#include <stdarg.h>
#include <lib/format.h>
#include "printk.h"
#include "options.h"
#ifndef MOAT_HOST_TEST
#include "pv/pvops.h"
#endif

static int console_loglevel = DEFAULT_LOGLEVEL;
static console_write_fn sink;

void printk_set_loglevel(int level) { console_loglevel = level; }
int printk_get_loglevel(void) { return console_loglevel; }

int printk_level(const char *fmt, const char **text)
{
    if (fmt[0] == KERN_SOH[0] && fmt[1] >= '0' && fmt[1] <= '7') {
        *text = fmt + 2;
        return fmt[1] - '0';
    }
    *text = fmt;
    return DEFAULT_MESSAGE_LOGLEVEL;
}

void console_set_sink(console_write_fn fn) { sink = fn; }

void console_write(const char *s, unsigned len)
{
    if (sink)
        sink(s, len);
}

/* Characters are collected in a small buffer so the sink (a hypercall on PV) is called per
 * chunk, not per character. */
struct line_buf {
    char buf[128];
    unsigned len;
};

static void put_char(char c, void *arg)
{
    struct line_buf *lb = arg;
    lb->buf[lb->len++] = c;
    if (lb->len == sizeof lb->buf || c == '\n') {
        console_write(lb->buf, lb->len);
        lb->len = 0;
    }
}

int vprintk(const char *fmt, va_list ap)
{
    const char *text;
    int level = printk_level(fmt, &text);
    if (level >= console_loglevel)
        return 0;
    struct line_buf lb;
    lb.len = 0;
#ifndef MOAT_HOST_TEST
    unsigned long flags = irq_save();
#endif
    int n = vformat(put_char, &lb, text, ap);
    if (lb.len)
        console_write(lb.buf, lb.len);
#ifndef MOAT_HOST_TEST
    restore_fl(flags);
#endif
    return n;
}

int printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintk(fmt, ap);
    va_end(ap);
    return n;
}
