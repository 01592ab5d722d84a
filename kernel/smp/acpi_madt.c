/* ACPI MADT parser (see acpi_madt.h for the invariants). Pure: host-tested. */
#include <stdint.h>
#include <lib/string.h>
#include <lib/fw_bytes.h>
#include "acpi_madt.h"

#define TABLE_MAX (64u * 1024u) /* no sane RSDT/MADT is larger: bounds what we trust */


/* An RSDP candidate at pa: signature, the ACPI 1.0 checksum over 20 bytes, and for revision
 * >= 2 the extended checksum over its stated length. */
static int rsdp_valid(acpi_reader_fn rd, void *ctx, uint32_t pa)
{
    const uint8_t *p = rd(ctx, pa, 20);
    if (!p || memcmp(p, "RSD PTR ", 8) != 0 || !fw_sum_ok(p, 20))
        return 0;
    if (p[15] >= 2) {
        const uint8_t *x = rd(ctx, pa, 36);
        if (!x)
            return 0;
        uint32_t len = fw_rd32(x + 20);
        if (len < 36 || len > 1024 || !(x = rd(ctx, pa, len)) || !fw_sum_ok(x, len))
            return 0;
    }
    return 1;
}

static int scan(acpi_reader_fn rd, void *ctx, uint32_t start, uint32_t len, uint32_t *out)
{
    for (uint32_t pa = start; pa + 20 <= start + len; pa += 16)
        if (rsdp_valid(rd, ctx, pa)) {
            *out = pa;
            return 0;
        }
    return -1;
}

int acpi_find_rsdp(acpi_reader_fn rd, void *ctx, uint32_t ebda_pa, uint32_t *rsdp_pa)
{
    if (ebda_pa && ebda_pa < 0xA0000 && scan(rd, ctx, ebda_pa & ~15u, 1024, rsdp_pa) == 0)
        return 0;
    return scan(rd, ctx, 0xE0000, 0x20000, rsdp_pa);
}

/* A whole system description table at pa with the given signature: header, length bounds and
 * checksum; returns its bytes (length in *len) or 0. */
static const uint8_t *get_table(acpi_reader_fn rd, void *ctx, uint32_t pa, const char *sig, uint32_t *len)
{
    const uint8_t *h = rd(ctx, pa, 36);
    if (!h || (sig && memcmp(h, sig, 4) != 0))
        return 0;
    uint32_t l = fw_rd32(h + 4);
    if (l < 36 || l > TABLE_MAX)
        return 0;
    const uint8_t *t = rd(ctx, pa, l);
    if (!t || !fw_sum_ok(t, l))
        return 0;
    *len = l;
    return t;
}

static int parse_madt_body(const uint8_t *t, uint32_t len, struct madt_info *out)
{
    if (len < 44)
        return -1;
    out->lapic_phys = fw_rd32(t + 36);
    out->pcat_compat = fw_rd32(t + 40) & 1;
    for (uint32_t off = 44; off + 2 <= len;) {
        uint8_t type = t[off], elen = t[off + 1];
        if (elen < 2 || off + elen > len)
            break; /* a malformed entry ends the walk: nothing after it can be located */
        const uint8_t *e = t + off;
        if (type == 0 && elen >= 8) {                 /* processor local APIC */
            if (fw_rd32(e + 4) & 1) {                   /* enabled */
                if (out->nr_cpus < SMP_MAX_CPUS)
                    out->apic_id[out->nr_cpus++] = e[3];
                else
                    out->nr_ignored++;
            }
        } else if (type == 1 && elen >= 12) {        /* IO-APIC */
            if (out->nr_ioapics++ == 0) {
                out->ioapic_id = e[2];
                out->ioapic_phys = fw_rd32(e + 4);
                out->ioapic_gsi_base = fw_rd32(e + 8);
            }
        } else if (type == 2 && elen >= 10) {        /* interrupt source override */
            if (e[2] == 0 && e[3] < 16) {            /* bus 0 = ISA */
                out->isa_gsi[e[3]] = fw_rd32(e + 4);
                out->isa_flags[e[3]] = fw_rd16(e + 8);
            }
        } else if (type == 5 && elen >= 12) {        /* local APIC address override */
            uint32_t hi = fw_rd32(e + 8);
            if (hi == 0)
                out->lapic_phys = fw_rd32(e + 4);
        }
        off += elen;
    }
    return out->nr_cpus ? 0 : -1;
}

int acpi_parse_madt(acpi_reader_fn rd, void *ctx, uint32_t rsdp_pa, struct madt_info *out)
{
    memset(out, 0, sizeof *out);
    for (unsigned i = 0; i < 16; i++)
        out->isa_gsi[i] = i;
    if (!rsdp_valid(rd, ctx, rsdp_pa))
        return -1;
    const uint8_t *r = rd(ctx, rsdp_pa, 36);
    uint32_t root_pa = fw_rd32(r + 16);
    unsigned entry = 4;
    const char *sig = "RSDT";
    if (r[15] >= 2 && fw_rd32(r + 28) == 0 && fw_rd32(r + 24) != 0) {
        root_pa = fw_rd32(r + 24); /* XSDT below 4 GB */
        entry = 8;
        sig = "XSDT";
    }
    uint32_t rlen;
    const uint8_t *root = get_table(rd, ctx, root_pa, sig, &rlen);
    if (!root)
        return -1;
    /* Copy the entry addresses out first: the reader may reuse its window for the next table. */
    uint32_t addrs[64];
    unsigned n = 0;
    for (uint32_t off = 36; off + entry <= rlen && n < 64; off += entry) {
        if (entry == 8 && fw_rd32(root + off + 4) != 0)
            continue; /* above 4 GB: not reachable by this 32-bit kernel */
        addrs[n++] = fw_rd32(root + off);
    }
    for (unsigned i = 0; i < n; i++) {
        uint32_t len;
        const uint8_t *t = get_table(rd, ctx, addrs[i], "APIC", &len);
        if (t)
            return parse_madt_body(t, len, out);
    }
    return -1;
}
