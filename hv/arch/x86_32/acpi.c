/* Finding the physical CPUs through ACPI: RSDP -> RSDT -> MADT ("APIC"), the processor local
 * APIC entries. Preferred over the MP table because SeaBIOS lists only one MP processor entry
 * per package: with QEMU's default topology (-smp N = N cores of one socket) the MP table
 * shows a single CPU while the MADT lists all N.
 *
 * As for the MP table (mptable.c), firmware data is checked like guest input: signatures,
 * lengths that fit what was mapped, byte checksums; a table that fails is ignored as a whole.
 * Only the 32-bit RSDT is followed (Moat lives below 4 GB). Pure code, host-tested. */
#include <stdint.h>
#include <stddef.h>
#include "smp.h"
#include "fw_table.h"

#define SDT_HEADER_LEN 36
#define MADT_LOCAL_APIC 0
#define MADT_LAPIC_OVERRIDE 5
#define MADT_ENABLED 1

static int sig_is(const uint8_t *p, const char *sig, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (p[i] != (uint8_t)sig[i])
            return 0;
    return 1;
}

static uint32_t scan_rsdp(phys_read_fn rd, void *ctx, uint32_t pa, uint32_t len)
{
    const uint8_t *p = rd(ctx, pa, len);
    if (!p)
        return 0;
    for (uint32_t off = 0; off + 20 <= len; off += 16)
        if (sig_is(p + off, "RSD PTR ", 8) && fw_sum_ok(p + off, 20))
            return fw_rd32(p + off + 16);      /* the RSDT's physical address */
    return 0;
}

/* Maps a whole system description table after checking its header; NULL if anything is off. */
static const uint8_t *map_sdt(phys_read_fn rd, void *ctx, uint32_t pa, const char *sig,
                              uint32_t *len_out)
{
    const uint8_t *h = rd(ctx, pa, SDT_HEADER_LEN);
    if (!h || !sig_is(h, sig, 4))
        return NULL;
    uint32_t len = fw_rd32(h + 4);
    if (len < SDT_HEADER_LEN || len > 4096)
        return NULL;
    const uint8_t *t = rd(ctx, pa, len);
    if (!t || !fw_sum_ok(t, len))
        return NULL;
    *len_out = len;
    return t;
}

static void add_cpu(struct smp_cpu_list *out, uint8_t apic)
{
    for (unsigned i = 0; i < out->nr; i++)
        if (out->apic_id[i] == apic)
            return;
    if (out->nr >= MOAT_MAX_CPUS) {
        out->dropped++;
        return;
    }
    out->apic_id[out->nr++] = apic;
}

int acpi_find_cpus(phys_read_fn rd, void *ctx, struct smp_cpu_list *out)
{
    *out = (struct smp_cpu_list){ 0 };
    uint32_t rsdt = 0, ebda = fw_ebda_base(rd, ctx);
    if (ebda)
        rsdt = scan_rsdp(rd, ctx, ebda, 1024);
    if (!rsdt)
        rsdt = scan_rsdp(rd, ctx, 0xe0000, 0x20000);
    if (!rsdt)
        return -1;
    uint32_t len;
    const uint8_t *r = map_sdt(rd, ctx, rsdt, "RSDT", &len);
    if (!r)
        return -2;
    /* copy the entry list: the next rd() may reuse the buffer r points into */
    uint32_t entries[64];
    uint32_t n = (len - SDT_HEADER_LEN) / 4;
    if (n > 64)
        n = 64;
    for (uint32_t i = 0; i < n; i++)
        entries[i] = fw_rd32(r + SDT_HEADER_LEN + 4 * i);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *m = map_sdt(rd, ctx, entries[i], "APIC", &len);
        if (!m)
            continue;
        if (len < SDT_HEADER_LEN + 8)
            return -3;
        out->table_pa = entries[i];
        out->lapic_pa = fw_rd32(m + SDT_HEADER_LEN);
        uint32_t off = SDT_HEADER_LEN + 8;
        while (off + 2 <= len) {
            uint8_t type = m[off], elen = m[off + 1];
            if (elen < 2 || off + elen > len)
                return -4;                  /* a loop or an overrun: distrust all of it */
            if (type == MADT_LOCAL_APIC && elen >= 8) {
                if (fw_rd32(m + off + 4) & MADT_ENABLED)
                    add_cpu(out, m[off + 3]);
                else
                    out->disabled++;
            } else if (type == MADT_LAPIC_OVERRIDE && elen >= 12) {
                uint32_t hi = fw_rd32(m + off + 8);
                if (hi == 0)
                    out->lapic_pa = fw_rd32(m + off + 4);
            }
            off += elen;
        }
        return out->nr ? 0 : -5;
    }
    return -6;                              /* no MADT */
}
