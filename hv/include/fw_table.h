/* Reading firmware tables (the MP table, ACPI): the byte readers and checksum of
 * lib/fw_bytes.h, and the EBDA both search first. Pure code, shared by mptable.c and acpi.c
 * (host-tested with them).
 *
 * Invariant: nothing here trusts a firmware value beyond what it was mapped with; the EBDA
 * pointer from the BIOS data area is only used when it lands in [0x80000, 0xa0000). */
#ifndef MOAT_FW_TABLE_H
#define MOAT_FW_TABLE_H
#include <stdint.h>
#include "smp.h"
#include <lib/fw_bytes.h>   /* fw_rd32, fw_rd16, fw_sum_ok */

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
