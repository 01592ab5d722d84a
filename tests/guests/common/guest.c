/* Console output, a tiny formatter and shutdown for the test guests (see guest.h). */
#include <stdarg.h>
#include "guest.h"

_Static_assert(__HYPERVISOR_console_io == 18, "console_io");
_Static_assert(__HYPERVISOR_xen_version == 17, "xen_version");
_Static_assert(__HYPERVISOR_vm_assist == 21, "vm_assist");
_Static_assert(__HYPERVISOR_sched_op == 29, "sched_op");

start_info_t *start_info;

size_t str_len(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int str_eq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

int mem_eq(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return 0;
    return 1;
}

struct out { char buf[256]; size_t n; };

static void flush(struct out *o)
{
    if (o->n)
        HYPERVISOR_console_io(CONSOLEIO_write, o->n, o->buf);
    o->n = 0;
}

static void put(struct out *o, char c)
{
    if (o->n == sizeof(o->buf))
        flush(o);
    o->buf[o->n++] = c;
}

static void put_num(struct out *o, unsigned long v, unsigned base, int neg, int width, char pad)
{
    char tmp[12];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (neg)
        tmp[n++] = '-';
    while (width-- > n)
        put(o, pad);
    while (n)
        put(o, tmp[--n]);
}

/* %s %c %d %u %x with an optional 0 flag and width; enough for the guests' reports. */
void print(const char *fmt, ...)
{
    struct out o;
    va_list ap;
    o.n = 0;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        char pad = ' ';
        int width = 0;
        fmt++;
        if (*fmt == '0')
            pad = '0', fmt++;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        if (*fmt == 'l')
            fmt++;
        switch (*fmt) {
        case 's': { const char *s = va_arg(ap, const char *); while (*s) put(&o, *s++); break; }
        case 'c': put(&o, (char)va_arg(ap, int)); break;
        case 'd': { long v = va_arg(ap, long);
                    put_num(&o, v < 0 ? -(unsigned long)v : (unsigned long)v, 10, v < 0, width, pad);
                    break; }
        case 'u': put_num(&o, va_arg(ap, unsigned long), 10, 0, width, pad); break;
        case 'x': put_num(&o, va_arg(ap, unsigned long), 16, 0, width, pad); break;
        case '%': put(&o, '%'); break;
        default: put(&o, '?'); break;
        }
    }
    va_end(ap);
    flush(&o);
}

void shutdown(unsigned int reason)
{
    struct sched_shutdown s = { .reason = reason };
    HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
    print("guest: SCHEDOP_shutdown returned\n");
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_yield, 0);
}
