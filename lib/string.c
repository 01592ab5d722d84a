/* Freestanding memory and string routines for Moat and the guest kernel.
 * Never built for the host (the C library provides these there).
 *
 * memcpy and memset are on hot paths (Moat zeroes every frame it gives a domain, the kernel
 * zeroes and copies pages on fork and exec), so they move 4 bytes per step with rep movsl /
 * rep stosl and finish the tail bytewise. Under QEMU -icount each rep iteration counts as one
 * instruction, so a byte loop (4 instructions per byte) made zeroing a 128 MB domain cost
 * about 537 M instructions of Moat's boot. The rest are plain loops: small and obviously
 * correct. */
#include <stdint.h>
#include "lib/string.h"

void *memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;
    size_t words = n >> 2, tail = n & 3;
    asm volatile("rep movsl\n\t"
                 "mov %3, %%ecx\n\t"
                 "rep movsb"
                 : "+D"(d), "+S"(src), "+c"(words)
                 : "r"(tail)
                 : "memory");
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        d += n;
        s += n;
        while (n--)
            *--d = *--s;
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    uint32_t pattern = (uint8_t)c * 0x01010101u;
    size_t words = n >> 2, tail = n & 3;
    asm volatile("rep stosl\n\t"
                 "mov %3, %%ecx\n\t"
                 "rep stosb"
                 : "+D"(d), "+c"(words), "+a"(pattern)
                 : "r"(tail)
                 : "memory");
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            return 0;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return 0;
    }
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);
    if (size) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}
