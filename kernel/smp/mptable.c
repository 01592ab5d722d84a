/* MP-table parser (see mptable.h for the invariants). Pure: host-tested. */
#include <stdint.h>
#include <lib/string.h>
#include <lib/fw_bytes.h>
#include "mptable.h"

#define CONFIG_MAX (64u * 1024u)   /* no real configuration table comes near this */


/* "_MP_", length in 16-byte units (1 in every real table), checksum over that length. */
static int mpf_valid(acpi_reader_fn rd, void *ctx, uint32_t pa)
{
    const uint8_t *p = rd(ctx, pa, 16);
    if (!p || memcmp(p, "_MP_", 4) != 0 || p[8] == 0 || p[8] > 4)
        return 0;
    uint32_t len = p[8] * 16u;
    return (p = rd(ctx, pa, len)) != 0 && fw_sum_ok(p, len);
}

static int scan(acpi_reader_fn rd, void *ctx, uint32_t start, uint32_t len, uint32_t *out)
{
    for (uint32_t pa = start; pa + 16 <= start + len; pa += 16)
        if (mpf_valid(rd, ctx, pa)) {
            *out = pa;
            return 0;
        }
    return -1;
}

int mptable_find(acpi_reader_fn rd, void *ctx, uint32_t ebda_pa, uint32_t base_top, uint32_t *mpf_pa)
{
    if (ebda_pa && ebda_pa < 0xA0000 && scan(rd, ctx, ebda_pa & ~15u, 1024, mpf_pa) == 0)
        return 0;
    if (!base_top || base_top > 0xA0000 || base_top < 1024)
        base_top = 0xA0000;
    if (scan(rd, ctx, (base_top - 1024) & ~15u, 1024, mpf_pa) == 0)
        return 0;
    return scan(rd, ctx, 0xF0000, 0x10000, mpf_pa);
}

enum { E_CPU = 0, E_BUS = 1, E_IOAPIC = 2, E_IOINT = 3, E_LINT = 4 };

int mptable_parse(acpi_reader_fn rd, void *ctx, uint32_t mpf_pa, struct madt_info *out)
{
    memset(out, 0, sizeof *out);
    for (unsigned i = 0; i < 16; i++)
        out->isa_gsi[i] = MPTABLE_NO_GSI;
    if (!mpf_valid(rd, ctx, mpf_pa))
        return -1;
    const uint8_t *f = rd(ctx, mpf_pa, 16);
    uint32_t cfg_pa = fw_rd32(f + 4);
    if (f[11] != 0 || cfg_pa == 0)
        return -1; /* a default configuration: no table to read */
    out->pcat_compat = (f[12] & 0x80) != 0; /* IMCR present: the 8259s are wired in too */
    const uint8_t *h = rd(ctx, cfg_pa, 44);
    if (!h || memcmp(h, "PCMP", 4) != 0)
        return -1;
    uint32_t len = fw_rd16(h + 4);
    if (len < 44 || len > CONFIG_MAX)
        return -1;
    const uint8_t *t = rd(ctx, cfg_pa, len);
    if (!t || !fw_sum_ok(t, len))
        return -1;
    out->lapic_phys = fw_rd32(t + 36);
    unsigned count = fw_rd16(t + 34);
    /* Bus ids that are ISA (bus entries come first in the table, as the spec orders them). */
    uint8_t isa_bus[256] = { 0 };
    int ioapic_id = -1;
    uint32_t off = 44;
    for (unsigned n = 0; n < count && off < len; n++) {
        const uint8_t *e = t + off;
        uint32_t elen = e[0] == E_CPU ? 20 : 8;
        if (e[0] > E_LINT || off + elen > len)
            break; /* unknown type (unknown size) or past the table: nothing after is usable */
        switch (e[0]) {
        case E_CPU:
            if (e[3] & 1) { /* enabled */
                if (out->nr_cpus < SMP_MAX_CPUS)
                    out->apic_id[out->nr_cpus++] = e[1];
                else
                    out->nr_ignored++;
            }
            break;
        case E_BUS:
            if (memcmp(e + 2, "ISA", 3) == 0)
                isa_bus[e[1]] = 1;
            break;
        case E_IOAPIC:
            if (e[3] & 1) {
                if (out->nr_ioapics++ == 0) {
                    ioapic_id = e[1];
                    out->ioapic_id = e[1];
                    out->ioapic_phys = fw_rd32(e + 4);
                    out->ioapic_gsi_base = 0;
                }
            }
            break;
        case E_IOINT: {
            unsigned irq = e[5];
            /* a vectored interrupt from an ISA bus to the first IO-APIC (0xff: to all) */
            if (e[1] == 0 && isa_bus[e[4]] && irq < 16 && ioapic_id >= 0 && (e[6] == ioapic_id || e[6] == 0xff)) {
                out->isa_gsi[irq] = e[7];
                out->isa_flags[irq] = fw_rd16(e + 2);
            }
            break;
        }
        default:
            break;
        }
        off += elen;
    }
    return out->nr_cpus ? 0 : -1;
}
