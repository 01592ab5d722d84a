/* printf-style formatting shared by Moat and the guest kernel. Pure: no I/O, host-testable.
 *
 * Supported conversions: %d %i %u %x %X %o %c %s %p %%, length modifiers hh h l ll z,
 * flags '-' '0' ' ' '+' '#', a field width and a precision (either may be '*').
 * %p prints 0x followed by 8 hex digits. A NULL %s prints "(null)".
 * Output is always NUL-terminated when size > 0; the return value is the length the
 * full output would have had (C99 semantics), so callers can detect truncation. */
#ifndef LIB_FORMAT_H
#define LIB_FORMAT_H
#include <stdarg.h>
#include <stddef.h>

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Streaming form used by consoles: calls put(ch, arg) for each output character and returns
 * the number of characters produced. vsnprintf is written on top of it. */
int vformat(void (*put)(char ch, void *arg), void *arg, const char *fmt, va_list ap);

#endif
