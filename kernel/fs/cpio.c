/* cpio "newc" archive parser (pure: host-tested in tests/unit/test_kernel_cpio.c).
 *
 * Each member: a 110-byte ASCII header ("070701" then 13 fields of 8 hex digits), the name
 * (namesize bytes including its NUL) padded so header+name is a multiple of 4, then the data
 * padded to a multiple of 4. The member named "TRAILER!!!" ends the archive.
 *
 * Invariant: every offset is checked against the buffer before it is used; a malformed or
 * truncated archive yields -1, never a read outside buf. */
#include <stdint.h>
#include <lib/string.h>
#include "vfs.h"

#define CPIO_HDR 110u

static int hex8(const uint8_t *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) {
        uint8_t c = p[i];
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = (v << 4) | d;
    }
    *out = v;
    return 0;
}

static uint32_t pad4(uint32_t x) { return (x + 3u) & ~3u; }

int cpio_next(const uint8_t *buf, uint32_t len, uint32_t *off, struct cpio_entry *e)
{
    uint32_t o = *off;
    if (o > len || len - o < CPIO_HDR)
        return -1;
    const uint8_t *h = buf + o;
    if (memcmp(h, "070701", 6) && memcmp(h, "070702", 6))
        return -1;
    uint32_t f[13];
    for (int i = 0; i < 13; i++)
        if (hex8(h + 6 + 8 * i, &f[i]))
            return -1;
    uint32_t mode = f[1], mtime = f[5], size = f[6], namesize = f[11];
    if (namesize == 0 || namesize > 4096)
        return -1;
    if (len - o - CPIO_HDR < namesize)
        return -1;
    const char *name = (const char *)h + CPIO_HDR;
    if (name[namesize - 1] != 0)
        return -1;
    uint32_t data_off = pad4(o + CPIO_HDR + namesize);
    if (data_off > len || data_off < o)
        return -1;
    if (namesize == 11 && !memcmp(name, "TRAILER!!!", 11))
        return 0;
    if (len - data_off < size)
        return -1;
    e->name = name;
    e->name_len = namesize - 1;
    e->mode = mode;
    e->mtime = mtime;
    e->data = buf + data_off;
    e->size = size;
    uint32_t next = data_off + size;
    next = pad4(next);
    *off = next < len ? next : len;
    return 1;
}
