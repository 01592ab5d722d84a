/* printk: level filtering on top of lib/format's streaming vformat, output to the console sink.
 * Interrupts are masked and a spinlock held while one message is emitted, so lines from an
 * interrupt handler or another CPU never split a line in the middle.
 *
 * Invariant: printk never deadlocks, even from a panic: the CPU that holds the lock does not
 * wait for it again (a fault inside printk prints through), and a CPU that waits too long for
 * it (the holder died) prints anyway - a mixed line beats a silent hang. */
#include <stdarg.h>
#include <lib/format.h>
#include "printk.h"
#include "options.h"
#ifndef MOAT_HOST_TEST
#include "pv/pvops.h"
#include "kstack.h"
#include "spinlock.h"

static spinlock_t printk_lock = SPINLOCK_INIT;
static volatile int printk_owner = -1;

/* 1 if taken (release it), 0 if this CPU already had it or gave up waiting. */
static int printk_take(void)
{
    int me = (int)smp_processor_id();
    if (printk_owner == me)
        return 0;
    for (uint32_t spins = 0; !spin_trylock(&printk_lock); spins++) {
        if (spins > 50000000u)
            return 0;
        cpu_relax();
    }
    printk_owner = me;
    return 1;
}

static void printk_give(int taken)
{
    if (taken) {
        printk_owner = -1;
        spin_unlock(&printk_lock);
    }
}
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
    int taken = printk_take();
#endif
    int n = vformat(put_char, &lb, text, ap);
    if (lb.len)
        console_write(lb.buf, lb.len);
#ifndef MOAT_HOST_TEST
    printk_give(taken);
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
