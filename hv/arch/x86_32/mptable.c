/* Finding the physical CPUs: the Intel MultiProcessor Specification 1.4 tables, which the BIOS
 * (SeaBIOS under QEMU) leaves in low memory.
 *
 * Everything read here is firmware data, treated like guest input: every structure must have
 * its signature, a length that stays inside what we mapped, and a byte checksum of 0; entry
 * types we do not know end the walk (their length is unknown). A table that fails any check
 * is ignored as a whole and Moat runs on the boot CPU alone. The boot processor (flag BP) is
 * always CPU 0, whatever its position in the table. Pure code: host-tested with a simulated
 * BIOS area (tests/unit/test_hv_smp.c). */
#include <stdint.h>
#include <stddef.h>
#include "smp.h"
#include "fw_table.h"

#define MPF_SIG  0x5f504d5fu    /* "_MP_" */
#define MPC_SIG  0x504d4350u    /* "PCMP" */
#define MPC_HEADER_LEN 44
#define MP_PROCESSOR 0
#define MP_PROC_LEN  20
#define MP_OTHER_LEN 8          /* bus, I/O APIC, I/O and local interrupt entries */
#define MP_PROC_EN   0x01
#define MP_PROC_BP   0x02

/* Scans [pa, pa+len) on 16-byte boundaries for a valid floating pointer. */
static uint32_t scan_mpf(phys_read_fn rd, void *ctx, uint32_t pa, uint32_t len)
{
    const uint8_t *p = rd(ctx, pa, len);
    if (!p)
        return 0;
    for (uint32_t off = 0; off + 16 <= len; off += 16) {
        const uint8_t *f = p + off;
        if (fw_rd32(f) == MPF_SIG && f[8] == 1 && fw_sum_ok(f, 16) && (f[9] == 1 || f[9] == 4))
            return pa + off;
    }
    return 0;
}

static uint32_t find_mpf(phys_read_fn rd, void *ctx)
{
    uint32_t found = 0, ebda = fw_ebda_base(rd, ctx);
    if (ebda)
        found = scan_mpf(rd, ctx, ebda, 1024);
    if (!found)
        found = scan_mpf(rd, ctx, 639 * 1024, 1024);
    if (!found)
        found = scan_mpf(rd, ctx, 0xf0000, 0x10000);
    return found;
}

static void add_cpu(struct smp_cpu_list *out, uint8_t apic, int bsp)
{
    for (unsigned i = 0; i < out->nr; i++)
        if (out->apic_id[i] == apic)
            return;                 /* a duplicate id would start one CPU twice: drop */
    if (out->nr >= MOAT_MAX_CPUS) {
        out->dropped++;
        if (!bsp)
            return;
        out->nr--;                  /* the BSP always gets a place: it is running this */
    }
    if (bsp) {
        for (unsigned i = out->nr; i > 0; i--)
            out->apic_id[i] = out->apic_id[i - 1];
        out->apic_id[0] = apic;
    } else {
        out->apic_id[out->nr] = apic;
    }
    out->nr++;
}

int mptable_find_cpus(phys_read_fn rd, void *ctx, struct smp_cpu_list *out)
{
    *out = (struct smp_cpu_list){ 0 };
    uint32_t mpf_pa = find_mpf(rd, ctx);
    if (!mpf_pa)
        return -1;
    out->mpf_pa = mpf_pa;
    const uint8_t *f = rd(ctx, mpf_pa, 16);
    uint32_t table = fw_rd32(f + 4);
    if (f[11] != 0 || table == 0)
        return -2;                  /* a "default configuration": Moat does not guess one */
    const uint8_t *h = rd(ctx, table, MPC_HEADER_LEN);
    if (!h || fw_rd32(h) != MPC_SIG)
        return -3;
    uint16_t len = fw_rd16(h + 4);
    if (len < MPC_HEADER_LEN)
        return -3;
    const uint8_t *t = rd(ctx, table, len);
    if (!t || !fw_sum_ok(t, len))
        return -4;
    out->table_pa = table;
    out->lapic_pa = fw_rd32(t + 36);
    uint16_t count = fw_rd16(t + 34);
    uint32_t off = MPC_HEADER_LEN;
    int have_bsp = 0;
    for (uint16_t i = 0; i < count; i++) {
        if (off >= len)
            return -5;
        uint8_t type = t[off];
        if (type == MP_PROCESSOR) {
            if (off + MP_PROC_LEN > len)
                return -5;
            const uint8_t *e = t + off;
            if (!(e[3] & MP_PROC_EN)) {
                out->disabled++;
            } else {
                int bsp = (e[3] & MP_PROC_BP) && !have_bsp;
                have_bsp |= bsp;
                add_cpu(out, e[1], bsp);
            }
            off += MP_PROC_LEN;
        } else if (type <= 4) {
            off += MP_OTHER_LEN;
        } else {
            break;                  /* unknown type: its size is unknown, stop here */
        }
    }
    if (!have_bsp || out->nr == 0)
        return -6;                  /* no boot processor: the table describes another machine */
    return 0;
}
