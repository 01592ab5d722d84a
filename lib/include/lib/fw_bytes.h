/* Reading firmware tables (the MP table, ACPI): little-endian fields read byte by byte (the
 * tables are unaligned and untrusted) and the byte checksum both specifications use. Pure,
 * shared by Moat's CPU discovery (hv/arch/x86_32/mptable.c, acpi.c) and the guest kernel's
 * (kernel/smp/mptable.c, acpi_madt.c); host-tested with each of them. */
#ifndef LIB_FW_BYTES_H
#define LIB_FW_BYTES_H
#include <stdint.h>

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
#endif
