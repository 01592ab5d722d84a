/* Host tests of the hypervisor's CPU discovery (hv/arch/x86_32/acpi.c, mptable.c) against a
 * simulated BIOS area: low memory (EBDA, F-segment) and an ACPI window at the top of RAM. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "smp.h"

static uint8_t low[0x100000];
#define HIGH_BASE 0x0ffe0000u
static uint8_t high[0x20000];
static unsigned reads;

static const uint8_t *sim_read(void *ctx, uint32_t pa, uint32_t len)
{
    reads++;
    if (pa + len < pa)
        return NULL;
    if (pa + len <= sizeof(low))
        return low + pa;
    if (pa >= HIGH_BASE && pa + len <= HIGH_BASE + sizeof(high))
        return high + (pa - HIGH_BASE);
    return NULL;
}

static uint8_t *at(uint32_t pa) { return pa < sizeof(low) ? low + pa : high + (pa - HIGH_BASE); }
static void put32(uint8_t *p, uint32_t v) { p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }
static void put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void fix_sum(uint8_t *p, uint32_t len, uint32_t sum_off)
{
    uint8_t s = 0;
    p[sum_off] = 0;
    for (uint32_t i = 0; i < len; i++)
        s += p[i];
    p[sum_off] = (uint8_t)-s;
}

/* ---- ACPI ---- */
#define RSDP_PA 0xf5800u
#define RSDT_PA (HIGH_BASE + 0x100)
#define FACP_PA (HIGH_BASE + 0x200)
#define MADT_PA (HIGH_BASE + 0x1000 - 0x20)    /* straddles a page boundary */

static uint32_t madt_len;
static void sdt_header(uint8_t *p, const char *sig, uint32_t len)
{
    memcpy(p, sig, 4);
    put32(p + 4, len);
    p[8] = 1;
    memcpy(p + 10, "MOATQE", 6);
}

static void build_acpi(unsigned ncpus, unsigned disabled_mask)
{
    memset(low, 0, sizeof(low));
    memset(high, 0, sizeof(high));
    uint8_t *r = at(RSDP_PA);
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "BOCHS ", 6);
    put32(r + 16, RSDT_PA);
    fix_sum(r, 20, 8);
    uint8_t *t = at(RSDT_PA);
    sdt_header(t, "RSDT", 36 + 8);
    put32(t + 36, FACP_PA);
    put32(t + 40, MADT_PA);
    fix_sum(t, 44, 9);
    uint8_t *f = at(FACP_PA);
    sdt_header(f, "FACP", 36);
    fix_sum(f, 36, 9);
    uint8_t *m = at(MADT_PA);
    uint32_t off = 44;
    put32(m + 36, 0xfee00000u);
    put32(m + 40, 1);
    for (unsigned i = 0; i < ncpus; i++) {
        m[off] = 0; m[off + 1] = 8; m[off + 2] = (uint8_t)i; m[off + 3] = (uint8_t)i;
        put32(m + off + 4, (disabled_mask >> i) & 1 ? 0 : 1);
        off += 8;
    }
    m[off] = 1; m[off + 1] = 12; m[off + 2] = 0; put32(m + off + 4, 0xfec00000u);  /* IO-APIC */
    off += 12;
    m[off] = 2; m[off + 1] = 10;                                                  /* override */
    off += 10;
    madt_len = off;
    sdt_header(m, "APIC", off);
    fix_sum(m, off, 9);
}

static struct smp_cpu_list l;

static void acpi_finds_all_cpus(void **s)
{
    build_acpi(4, 0);
    assert_int_equal(acpi_find_cpus(sim_read, NULL, &l), 0);
    assert_int_equal(l.nr, 4);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(l.apic_id[i], i);
    assert_int_equal(l.lapic_pa, 0xfee00000u);
    assert_int_equal(l.table_pa, MADT_PA);
}

static void acpi_disabled_and_too_many(void **s)
{
    build_acpi(4, 0x4);
    assert_int_equal(acpi_find_cpus(sim_read, NULL, &l), 0);
    assert_int_equal(l.nr, 3);
    assert_int_equal(l.disabled, 1);
    assert_int_equal(l.apic_id[2], 3);
    build_acpi(12, 0);
    assert_int_equal(acpi_find_cpus(sim_read, NULL, &l), 0);
    assert_int_equal(l.nr, MOAT_MAX_CPUS);
    assert_int_equal(l.dropped, 4);
}

static void acpi_bad_tables_refused(void **s)
{
    build_acpi(2, 0);
    at(MADT_PA)[50] ^= 1;                       /* MADT checksum broken */
    assert_true(acpi_find_cpus(sim_read, NULL, &l) < 0);
    build_acpi(2, 0);
    at(RSDP_PA)[16] ^= 1;                       /* RSDP checksum broken */
    assert_int_equal(acpi_find_cpus(sim_read, NULL, &l), -1);
    build_acpi(2, 0);
    put32(at(RSDP_PA) + 16, 0x40000000u);       /* RSDT outside memory */
    fix_sum(at(RSDP_PA), 20, 8);
    assert_int_equal(acpi_find_cpus(sim_read, NULL, &l), -2);
    build_acpi(2, 0);                           /* an entry of length 0 would loop forever */
    at(MADT_PA)[44 + 1] = 0;
    fix_sum(at(MADT_PA), madt_len, 9);
    assert_int_equal(acpi_find_cpus(sim_read, NULL, &l), -4);
    build_acpi(2, 0);                           /* an entry running past the table end */
    at(MADT_PA)[44 + 8 + 1] = 200;
    fix_sum(at(MADT_PA), madt_len, 9);
    assert_int_equal(acpi_find_cpus(sim_read, NULL, &l), -4);
    build_acpi(2, 0);                           /* a huge length field */
    put32(at(MADT_PA) + 4, 0x7fffffffu);
    assert_true(acpi_find_cpus(sim_read, NULL, &l) < 0);
    memset(low, 0, sizeof(low));                /* no RSDP at all */
    assert_int_equal(acpi_find_cpus(sim_read, NULL, &l), -1);
}

static void acpi_rsdp_in_ebda(void **s)
{
    build_acpi(2, 0);
    memset(at(RSDP_PA), 0, 20);
    put16(low + 0x40e, 0x9fc0);                 /* EBDA at 0x9fc00 */
    uint8_t *r = low + 0x9fc00 + 0x30;
    memcpy(r, "RSD PTR ", 8);
    put32(r + 16, RSDT_PA);
    fix_sum(r, 20, 8);
    assert_int_equal(acpi_find_cpus(sim_read, NULL, &l), 0);
    assert_int_equal(l.nr, 2);
}

/* ---- MP table ---- */
#define MPF_PA 0xf5a00u
#define MPC_PA 0xf5b00u
static void build_mp(unsigned ncpus, unsigned bsp, unsigned disabled_mask)
{
    memset(low, 0, sizeof(low));
    uint8_t *f = at(MPF_PA);
    memcpy(f, "_MP_", 4);
    put32(f + 4, MPC_PA);
    f[8] = 1; f[9] = 4;
    fix_sum(f, 16, 10);
    uint8_t *c = at(MPC_PA);
    memcpy(c, "PCMP", 4);
    c[6] = 4;
    put32(c + 36, 0xfee00000u);
    uint32_t off = 44;
    uint16_t count = 0;
    for (unsigned i = 0; i < ncpus; i++, count++) {
        c[off] = 0; c[off + 1] = (uint8_t)(i + 16); c[off + 2] = 0x14;
        c[off + 3] = ((disabled_mask >> i) & 1 ? 0 : 1) | (i == bsp ? 2 : 0);
        off += 20;
    }
    c[off] = 1; memcpy(c + off + 2, "ISA   ", 6); off += 8; count++;          /* bus */
    c[off] = 2; c[off + 1] = 0; c[off + 3] = 1; off += 8; count++;             /* I/O APIC */
    put16(c + 4, (uint16_t)off);
    put16(c + 34, count);
    fix_sum(c, off, 7);
}

static void mp_finds_cpus_bsp_first(void **s)
{
    build_mp(4, 2, 0);
    assert_int_equal(mptable_find_cpus(sim_read, NULL, &l), 0);
    assert_int_equal(l.nr, 4);
    assert_int_equal(l.apic_id[0], 18);         /* the BP, moved to slot 0 */
    assert_int_equal(l.apic_id[1], 16);
    assert_int_equal(l.apic_id[2], 17);
    assert_int_equal(l.apic_id[3], 19);
    assert_int_equal(l.mpf_pa, MPF_PA);
    build_mp(3, 0, 0x2);
    assert_int_equal(mptable_find_cpus(sim_read, NULL, &l), 0);
    assert_int_equal(l.nr, 2);
    assert_int_equal(l.disabled, 1);
    build_mp(10, 9, 0);                         /* too many: the BP still gets its slot */
    assert_int_equal(mptable_find_cpus(sim_read, NULL, &l), 0);
    assert_int_equal(l.nr, MOAT_MAX_CPUS);
    assert_int_equal(l.apic_id[0], 25);
    assert_int_equal(l.dropped, 2);
}

static void mp_bad_tables_refused(void **s)
{
    build_mp(2, 0, 0);
    at(MPC_PA)[44 + 1] ^= 0x40;                 /* config checksum broken */
    assert_int_equal(mptable_find_cpus(sim_read, NULL, &l), -4);
    build_mp(2, 0, 0);
    at(MPF_PA)[4] ^= 1;                         /* floating pointer checksum broken */
    assert_int_equal(mptable_find_cpus(sim_read, NULL, &l), -1);
    build_mp(2, 0, 0);                          /* entry count beyond the table length */
    put16(at(MPC_PA) + 34, 40);
    fix_sum(at(MPC_PA), 44 + 2 * 20 + 16, 7);
    assert_int_equal(mptable_find_cpus(sim_read, NULL, &l), -5);
    build_mp(2, 5, 0);                          /* no boot processor flagged */
    assert_int_equal(mptable_find_cpus(sim_read, NULL, &l), -6);
    build_mp(2, 0, 0);                          /* a "default configuration" is not guessed */
    at(MPF_PA)[11] = 5;
    fix_sum(at(MPF_PA), 16, 10);
    assert_int_equal(mptable_find_cpus(sim_read, NULL, &l), -2);
    build_mp(3, 0, 0);                          /* duplicate APIC ids count once */
    at(MPC_PA)[44 + 20 + 1] = 16;
    fix_sum(at(MPC_PA), 44 + 3 * 20 + 16, 7);
    assert_int_equal(mptable_find_cpus(sim_read, NULL, &l), 0);
    assert_int_equal(l.nr, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(acpi_finds_all_cpus),
        cmocka_unit_test(acpi_disabled_and_too_many),
        cmocka_unit_test(acpi_bad_tables_refused),
        cmocka_unit_test(acpi_rsdp_in_ebda),
        cmocka_unit_test(mp_finds_cpus_bsp_first),
        cmocka_unit_test(mp_bad_tables_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
