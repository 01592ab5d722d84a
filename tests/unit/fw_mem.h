/* Host tests of the firmware-table parsers (kernel/smp/acpi_madt.c, mptable.c, ioapic.c): one
 * megabyte of simulated low memory the tests build tables in, the reader the parsers are given
 * (it refuses and counts any read past the end: a parser must never ask for one), and the
 * little-endian writers and checksum fix-up the tables need. Header-only: each test binary
 * has its own copy of the memory. */
#ifndef TESTS_UNIT_FW_MEM_H
#define TESTS_UNIT_FW_MEM_H
#include <stdint.h>

#define MEM_SIZE 0x100000u
static uint8_t mem[MEM_SIZE];
static unsigned reads_out_of_range;

static const void *reader(void *ctx, uint32_t pa, uint32_t len)
{
    (void)ctx;
    if ((uint64_t)pa + len > MEM_SIZE) {
        reads_out_of_range++;
        return 0;
    }
    return mem + pa;
}

static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void put32(uint8_t *p, uint32_t v) { p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }

/* Makes the bytes of p[0..len) sum to 0 by setting the checksum byte p[at]. */
static inline void fix_sum(uint8_t *p, uint32_t len, unsigned at)
{
    p[at] = 0;
    uint8_t s = 0;
    for (uint32_t i = 0; i < len; i++)
        s += p[i];
    p[at] = (uint8_t)-s;
}
#endif
