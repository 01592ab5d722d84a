/* printf-style formatting for Moat and the guest kernel (see lib/format.h for the contract).
 *
 * One engine, vformat(), emits characters through a callback; consoles stream through it and
 * vsnprintf() collects into a buffer. Numbers are formatted from 64-bit values so %llx works;
 * the 32-bit freestanding targets link libgcc for the 64-bit division. */
#include <stdint.h>
#include "lib/format.h"

struct spec {
    int left, zero, plus, space, alt;
    int width, precision; /* precision < 0: none */
};

struct out {
    void (*put)(char, void *);
    void *arg;
    int count;
};

static void emit(struct out *o, char c)
{
    o->put(c, o->arg);
    o->count++;
}

static void pad(struct out *o, char c, int n)
{
    while (n-- > 0)
        emit(o, c);
}

/* Writes digits of v in base into buf (reversed); returns how many. */
static int digits(char *buf, uint64_t v, unsigned base, int upper)
{
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0;
    do {
        buf[n++] = set[v % base];
        v /= base;
    } while (v);
    return n;
}

static void number(struct out *o, const struct spec *s, uint64_t v, int negative,
                   unsigned base, int upper, const char *prefix)
{
    char buf[24];
    int n = digits(buf, v, base, upper);
    int prec = s->precision;
    int zeros = 0, plen = 0, sign = 0;
    char signch = 0;

    if (prec == 0 && v == 0)
        n = 0; /* C: "%.0d" of 0 prints nothing */
    if (prec > n)
        zeros = prec - n;
    if (negative)
        signch = '-';
    else if (s->plus)
        signch = '+';
    else if (s->space)
        signch = ' ';
    sign = signch != 0;
    if (prefix)
        while (prefix[plen])
            plen++;

    int total = sign + plen + zeros + n;
    if (!s->left && s->zero && prec < 0 && s->width > total) {
        zeros += s->width - total;
        total = s->width;
    }
    if (!s->left)
        pad(o, ' ', s->width - total);
    if (sign)
        emit(o, signch);
    for (int i = 0; i < plen; i++)
        emit(o, prefix[i]);
    pad(o, '0', zeros);
    while (n)
        emit(o, buf[--n]);
    if (s->left)
        pad(o, ' ', s->width - total);
}

static void string(struct out *o, const struct spec *s, const char *str)
{
    int len = 0;
    if (!str)
        str = "(null)";
    while (str[len] && (s->precision < 0 || len < s->precision))
        len++;
    if (!s->left)
        pad(o, ' ', s->width - len);
    for (int i = 0; i < len; i++)
        emit(o, str[i]);
    if (s->left)
        pad(o, ' ', s->width - len);
}

int vformat(void (*put)(char ch, void *arg), void *arg, const char *fmt, va_list ap)
{
    struct out o = { put, arg, 0 };

    while (*fmt) {
        if (*fmt != '%') {
            emit(&o, *fmt++);
            continue;
        }
        fmt++;
        struct spec s = { 0, 0, 0, 0, 0, 0, -1 };
        for (;; fmt++) {
            if (*fmt == '-') s.left = 1;
            else if (*fmt == '0') s.zero = 1;
            else if (*fmt == '+') s.plus = 1;
            else if (*fmt == ' ') s.space = 1;
            else if (*fmt == '#') s.alt = 1;
            else break;
        }
        if (*fmt == '*') {
            s.width = va_arg(ap, int);
            if (s.width < 0) {
                s.left = 1;
                s.width = -s.width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                s.width = s.width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            s.precision = 0;
            if (*fmt == '*') {
                s.precision = va_arg(ap, int);
                if (s.precision < 0)
                    s.precision = -1;
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    s.precision = s.precision * 10 + (*fmt++ - '0');
            }
        }
        int lng = 0; /* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t */
        if (*fmt == 'h') {
            fmt++;
            lng = -1;
            if (*fmt == 'h') { fmt++; lng = -2; }
        } else if (*fmt == 'l') {
            fmt++;
            lng = 1;
            if (*fmt == 'l') { fmt++; lng = 2; }
        } else if (*fmt == 'z') {
            fmt++;
            lng = 3;
        }

        char c = *fmt;
        if (!c)
            break;
        fmt++;
        uint64_t u;
        int64_t v;
        switch (c) {
        case 'd':
        case 'i':
            if (lng == 2) v = va_arg(ap, long long);
            else if (lng == 1) v = va_arg(ap, long);
            else if (lng == 3) v = (long)va_arg(ap, size_t);
            else v = va_arg(ap, int);
            if (lng == -1) v = (short)v;
            if (lng == -2) v = (signed char)v;
            number(&o, &s, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, 0, 0);
            break;
        case 'u':
        case 'x':
        case 'X':
        case 'o':
            if (lng == 2) u = va_arg(ap, unsigned long long);
            else if (lng == 1) u = va_arg(ap, unsigned long);
            else if (lng == 3) u = va_arg(ap, size_t);
            else u = va_arg(ap, unsigned int);
            if (lng == -1) u = (unsigned short)u;
            if (lng == -2) u = (unsigned char)u;
            if (c == 'u')
                number(&o, &s, u, 0, 10, 0, 0);
            else if (c == 'o')
                number(&o, &s, u, 0, 8, 0, s.alt && u ? "0" : 0);
            else
                number(&o, &s, u, 0, 16, c == 'X', s.alt && u ? (c == 'X' ? "0X" : "0x") : 0);
            break;
        case 'p': {
            struct spec ps = s;
            ps.precision = 8;
            number(&o, &ps, (uintptr_t)va_arg(ap, void *), 0, 16, 0, "0x");
            break;
        }
        case 'c': {
            char ch = (char)va_arg(ap, int);
            if (!s.left) pad(&o, ' ', s.width - 1);
            emit(&o, ch);
            if (s.left) pad(&o, ' ', s.width - 1);
            break;
        }
        case 's':
            string(&o, &s, va_arg(ap, const char *));
            break;
        case '%':
            emit(&o, '%');
            break;
        default:
            /* Unknown conversion: print it literally so the mistake is visible. */
            emit(&o, '%');
            emit(&o, c);
            break;
        }
    }
    return o.count;
}

struct bufout {
    char *buf;
    size_t size, pos;
};

static void buf_put(char c, void *arg)
{
    struct bufout *b = arg;
    if (b->pos + 1 < b->size)
        b->buf[b->pos] = c;
    b->pos++;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct bufout b = { buf, size, 0 };
    int n = vformat(buf_put, &b, fmt, ap);
    if (size)
        buf[b.pos < size ? b.pos : size - 1] = '\0';
    return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
