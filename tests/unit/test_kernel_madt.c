/* Host tests of the ACPI MADT parser (kernel/smp/acpi_madt.c): a simulated physical memory
 * holds an RSDP, an RSDT (or XSDT) and a MADT built here byte by byte, like QEMU's. The
 * parser must find the enabled CPUs, the IO-APIC and the ISA overrides, and refuse (never
 * read past) corrupt tables: bad checksums, lengths beyond the table, truncated entries. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "acpi_madt.h"

#include "fw_mem.h"  /* mem, reader, put16/put32, fix_sum */


#define RSDP_PA 0xF5A40u
#define RSDT_PA 0xE0100u
#define XSDT_PA 0xE0200u
#define MADT_PA 0xE1000u
#define FACP_PA 0xE0800u

static void header(uint8_t *t, const char *sig, uint32_t len)
{
    memcpy(t, sig, 4);
    put32(t + 4, len);
    t[8] = 1;
    memcpy(t + 10, "MOATTS", 6);
}

/* A MADT with `ncpu` enabled CPUs (APIC ids 0..), one disabled CPU, an IO-APIC and the
 * IRQ0 -> GSI2 override QEMU has. Returns its length. */
static uint32_t build_madt(unsigned ncpu)
{
    uint8_t *t = mem + MADT_PA;
    uint32_t off = 44;
    for (unsigned i = 0; i < ncpu; i++, off += 8) {
        t[off] = 0; t[off + 1] = 8; t[off + 2] = (uint8_t)i; t[off + 3] = (uint8_t)i;
        put32(t + off + 4, 1);
    }
    t[off] = 0; t[off + 1] = 8; t[off + 2] = 99; t[off + 3] = 42; put32(t + off + 4, 0); /* disabled */
    off += 8;
    t[off] = 1; t[off + 1] = 12; t[off + 2] = 7; t[off + 3] = 0;
    put32(t + off + 4, 0xFEC00000u); put32(t + off + 8, 0);
    off += 12;
    t[off] = 2; t[off + 1] = 10; t[off + 2] = 0; t[off + 3] = 0; put32(t + off + 4, 2);
    t[off + 8] = 0; t[off + 9] = 0;
    off += 10;
    header(t, "APIC", off);
    put32(t + 36, 0xFEE00000u);
    put32(t + 40, 1);
    fix_sum(t, off, 9);
    return off;
}

static void build_all(unsigned ncpu, int revision2)
{
    memset(mem, 0, sizeof mem);
    build_madt(ncpu);
    uint8_t *f = mem + FACP_PA; /* another table first: the walk must skip it */
    header(f, "FACP", 116);
    fix_sum(f, 116, 9);
    uint8_t *r = mem + RSDT_PA;
    header(r, "RSDT", 44);
    put32(r + 36, FACP_PA);
    put32(r + 40, MADT_PA);
    fix_sum(r, 44, 9);
    uint8_t *x = mem + XSDT_PA;
    header(x, "XSDT", 52);
    put32(x + 36, FACP_PA); put32(x + 40, 0);
    put32(x + 44, MADT_PA); put32(x + 48, 0);
    fix_sum(x, 52, 9);
    uint8_t *p = mem + RSDP_PA;
    memcpy(p, "RSD PTR ", 8);
    memcpy(p + 9, "MOAT  ", 6);
    p[15] = revision2 ? 2 : 0;
    put32(p + 16, RSDT_PA);
    fix_sum(p, 20, 8);
    if (revision2) {
        put32(p + 20, 36);
        put32(p + 24, XSDT_PA);
        put32(p + 28, 0);
        fix_sum(p, 36, 32);
    }
    reads_out_of_range = 0;
}

static void finds_cpus_ioapic_and_overrides(void **s)
{
    for (int rev2 = 0; rev2 <= 1; rev2++) {
        build_all(4, rev2);
        uint32_t rsdp;
        assert_int_equal(acpi_find_rsdp(reader, 0, 0, &rsdp), 0);
        assert_int_equal(rsdp, RSDP_PA);
        struct madt_info m;
        assert_int_equal(acpi_parse_madt(reader, 0, rsdp, &m), 0);
        assert_int_equal(m.nr_cpus, 4);
        for (unsigned i = 0; i < 4; i++)
            assert_int_equal(m.apic_id[i], i);
        assert_int_equal(m.lapic_phys, 0xFEE00000u);
        assert_int_equal(m.nr_ioapics, 1);
        assert_int_equal(m.ioapic_phys, 0xFEC00000u);
        assert_int_equal(m.ioapic_id, 7);
        assert_int_equal(m.isa_gsi[0], 2);  /* the PIT override */
        assert_int_equal(m.isa_gsi[4], 4);  /* identity otherwise */
        assert_int_equal(m.pcat_compat, 1);
        assert_int_equal(reads_out_of_range, 0);
    }
}

static void rsdp_in_ebda_is_found_first(void **s)
{
    build_all(2, 0);
    memcpy(mem + 0x9FC10, mem + RSDP_PA, 20);
    uint32_t rsdp;
    assert_int_equal(acpi_find_rsdp(reader, 0, 0x9FC00, &rsdp), 0);
    assert_int_equal(rsdp, 0x9FC10u);
}

static void more_cpus_than_supported_are_counted_not_stored(void **s)
{
    build_all(SMP_MAX_CPUS + 3, 0);
    struct madt_info m;
    assert_int_equal(acpi_parse_madt(reader, 0, RSDP_PA, &m), 0);
    assert_int_equal(m.nr_cpus, SMP_MAX_CPUS);
    assert_int_equal(m.nr_ignored, 3);
}

static void bad_checksums_are_refused(void **s)
{
    uint32_t rsdp;
    build_all(2, 0);
    mem[RSDP_PA + 12] ^= 1;          /* RSDP checksum now wrong */
    assert_int_equal(acpi_find_rsdp(reader, 0, 0, &rsdp), -1);
    struct madt_info m;
    assert_int_equal(acpi_parse_madt(reader, 0, RSDP_PA, &m), -1);
    build_all(2, 0);
    mem[MADT_PA + 50] ^= 0x40;       /* MADT body corrupted */
    assert_int_equal(acpi_parse_madt(reader, 0, RSDP_PA, &m), -1);
    build_all(2, 0);
    mem[RSDT_PA + 40] ^= 0x10;       /* RSDT entry corrupted */
    assert_int_equal(acpi_parse_madt(reader, 0, RSDP_PA, &m), -1);
}

static void hostile_lengths_never_read_out_of_range(void **s)
{
    struct madt_info m;
    build_all(2, 0);
    put32(mem + MADT_PA + 4, 0xFFFFFFF0u); /* a huge table length */
    fix_sum(mem + MADT_PA, 44, 9);
    assert_int_equal(acpi_parse_madt(reader, 0, RSDP_PA, &m), -1);
    /* An entry claiming to run past the end of the table ends the walk. */
    build_all(2, 0);
    uint32_t len = 44 + 8 + 8 + 8 + 12 + 10;
    mem[MADT_PA + 44 + 8 + 1] = 200;   /* the second CPU entry's length */
    fix_sum(mem + MADT_PA, len, 9);
    assert_int_equal(acpi_parse_madt(reader, 0, RSDP_PA, &m), 0);
    assert_int_equal(m.nr_cpus, 1);    /* only what came before it */
    /* A zero-length entry would loop forever if it were not refused. */
    build_all(2, 0);
    mem[MADT_PA + 44 + 1] = 0;
    fix_sum(mem + MADT_PA, len, 9);
    assert_int_equal(acpi_parse_madt(reader, 0, RSDP_PA, &m), -1); /* no CPU found */
    /* An RSDT pointing outside memory. */
    build_all(2, 0);
    put32(mem + RSDT_PA + 40, 0x7FFFF000u);
    fix_sum(mem + RSDT_PA, 44, 9);
    assert_int_equal(acpi_parse_madt(reader, 0, RSDP_PA, &m), -1);
}

static void no_rsdp_anywhere(void **s)
{
    memset(mem, 0, sizeof mem);
    uint32_t rsdp = 0x1234;
    assert_int_equal(acpi_find_rsdp(reader, 0, 0x9FC00, &rsdp), -1);
    assert_int_equal(rsdp, 0x1234);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_cpus_ioapic_and_overrides),
        cmocka_unit_test(rsdp_in_ebda_is_found_first),
        cmocka_unit_test(more_cpus_than_supported_are_counted_not_stored),
        cmocka_unit_test(bad_checksums_are_refused),
        cmocka_unit_test(hostile_lengths_never_read_out_of_range),
        cmocka_unit_test(no_rsdp_anywhere),
    };
    return cmocka_run_group_tests_name("kernel_madt", tests, NULL, NULL);
}
