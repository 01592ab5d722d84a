/* Reading firmware tables (the MP table, ACPI): little-endian fields read byte by byte (the
 * tables are unaligned and untrusted), the byte checksum both specifications use, and the
 * EBDA both search first. Pure code, shared by mptable.c and acpi.c (host-tested with them).
 *
 * Invariant: nothing here trusts a firmware value beyond what it was mapped with; the EBDA
 * pointer from the BIOS data area is only used when it lands in [0x80000, 0xa0000). */
#ifndef MOAT_FW_TABLE_H
#define MOAT_FW_TABLE_H
#include <stdint.h>
#include "smp.h"

static inline uint32_t fw_rd32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint16_t fw_rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* The bytes of a valid table add up to 0 (mod 256). */
static inline int fw_sum_ok(const uint8_t *p, uint32_t len)
{
    uint8_t s = 0;
    for (uint32_t i = 0; i < len; i++)
        s = (uint8_t)(s + p[i]);
    return s == 0;
}

/* The Extended BIOS Data Area's physical address from the BIOS data area word at 0x40e, or 0
 * when it cannot be read or points outside the conventional EBDA range. */
static inline uint32_t fw_ebda_base(phys_read_fn rd, void *ctx)
{
    const uint8_t *bda = rd(ctx, 0x40e, 2);
    if (!bda)
        return 0;
    uint32_t ebda = (uint32_t)fw_rd16(bda) << 4;
    return ebda >= 0x80000 && ebda < 0xa0000 ? ebda : 0;
}
#endif
