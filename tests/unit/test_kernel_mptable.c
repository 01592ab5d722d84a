/* Host tests of the kernel's MP-table parser (kernel/smp/mptable.c), the fallback when there
 * is no ACPI MADT: a simulated low memory holds a floating pointer and a configuration table
 * built here entry by entry, like SeaBIOS's. The parser must find the enabled CPUs, the
 * IO-APIC and the ISA interrupt assignments, and refuse (never read past) corrupt tables. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "mptable.h"
#include "ioapic.h"

#include "fw_mem.h"  /* mem, reader, put16/put32, fix_sum */


#define MPF_PA 0xF6A50u
#define CFG_PA 0xF6A60u

static uint32_t cfg_len;
static unsigned cfg_count;

static uint8_t *entry(uint32_t size)
{
    uint8_t *e = mem + CFG_PA + cfg_len;
    cfg_len += size;
    cfg_count++;
    return e;
}

static void finish(void)
{
    uint8_t *t = mem + CFG_PA;
    memcpy(t, "PCMP", 4);
    put16(t + 4, (uint16_t)cfg_len);
    t[6] = 4;
    memcpy(t + 8, "MOAT    ", 8);
    put16(t + 34, (uint16_t)cfg_count);
    put32(t + 36, 0xFEE00000u);
    fix_sum(t, cfg_len, 7);
    uint8_t *f = mem + MPF_PA;
    memcpy(f, "_MP_", 4);
    put32(f + 4, CFG_PA);
    f[8] = 1;
    f[9] = 4;
    f[11] = 0;
    fix_sum(f, 16, 10);
}

static void cpu(uint8_t id, uint8_t flags)
{
    uint8_t *e = entry(20);
    e[0] = 0; e[1] = id; e[2] = 0x14; e[3] = flags;
}

static void bus(uint8_t id, const char *type)
{
    uint8_t *e = entry(8);
    e[0] = 1; e[1] = id; memcpy(e + 2, type, 6);
}

static void ioint(uint8_t type, uint16_t flags, uint8_t srcbus, uint8_t srcirq, uint8_t dstapic, uint8_t pin)
{
    uint8_t *e = entry(8);
    e[0] = 3; e[1] = type; put16(e + 2, flags); e[4] = srcbus; e[5] = srcirq; e[6] = dstapic; e[7] = pin;
}

/* Like SeaBIOS: CPUs, a PCI bus 0 and an ISA bus 1, one IO-APIC (id ncpu), ISA irqs 0..15
 * but 2 assigned (irq 0 to pin 2), a PCI interrupt and the local ExtINT/NMI entries. */
static void build(unsigned ncpu)
{
    memset(mem, 0, sizeof mem);
    cfg_len = 44;
    cfg_count = 0;
    for (unsigned i = 0; i < ncpu; i++)
        cpu((uint8_t)i, i == 0 ? 3 : 1);
    cpu(77, 0); /* disabled */
    bus(0, "PCI   ");
    bus(1, "ISA   ");
    uint8_t *a = entry(8);
    a[0] = 2; a[1] = (uint8_t)ncpu; a[2] = 0x11; a[3] = 1; put32(a + 4, 0xFEC00000u);
    for (unsigned irq = 0; irq < 16; irq++)
        if (irq != 2)
            ioint(0, irq == 9 ? 0x0d : 0, 1, (uint8_t)irq, (uint8_t)ncpu, (uint8_t)(irq == 0 ? 2 : irq));
    ioint(0, 0x0f, 0, 0x0c, (uint8_t)ncpu, 19); /* PCI: not an ISA irq 12 */
    uint8_t *l = entry(8);
    l[0] = 4; l[1] = 3;
    finish();
    reads_out_of_range = 0;
}

static void finds_cpus_ioapic_and_isa_pins(void **s)
{
    build(4);
    uint32_t mpf;
    assert_int_equal(mptable_find(reader, 0, 0, 0, &mpf), 0);
    assert_int_equal(mpf, MPF_PA);
    struct madt_info m;
    assert_int_equal(mptable_parse(reader, 0, mpf, &m), 0);
    assert_int_equal(m.nr_cpus, 4);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(m.apic_id[i], i);
    assert_int_equal(m.lapic_phys, 0xFEE00000u);
    assert_int_equal(m.nr_ioapics, 1);
    assert_int_equal(m.ioapic_id, 4);
    assert_int_equal(m.ioapic_phys, 0xFEC00000u);
    assert_int_equal(m.ioapic_gsi_base, 0);
    assert_int_equal(m.isa_gsi[0], 2);
    assert_int_equal(m.isa_gsi[2], MPTABLE_NO_GSI);   /* not assigned: not routed */
    assert_int_equal(m.isa_gsi[4], 4);
    assert_int_equal(m.isa_gsi[8], 8);
    assert_int_equal(m.isa_gsi[12], 12);              /* the PCI entry did not overwrite it */
    assert_int_equal(m.isa_flags[9], 0x0d);
    assert_int_equal(reads_out_of_range, 0);
    /* the routing the kernel derives from it */
    assert_int_equal(ioapic_isa_pin(&m, 24, 0), 2);
    assert_int_equal(ioapic_isa_pin(&m, 24, 2), -1);
    assert_int_equal(ioapic_isa_pin(&m, 24, 8), 8);
}

static void search_order_ebda_then_base_then_bios(void **s)
{
    build(2);
    memcpy(mem + 0x9FC00, mem + MPF_PA, 16);    /* last KB of 639 KB base memory */
    uint32_t mpf;
    assert_int_equal(mptable_find(reader, 0, 0, 0x9FC00 + 1024, &mpf), 0);
    assert_int_equal(mpf, 0x9FC00u);
    memcpy(mem + 0x9E010, mem + MPF_PA, 16);    /* the EBDA comes first */
    assert_int_equal(mptable_find(reader, 0, 0x9E000, 0x9FC00 + 1024, &mpf), 0);
    assert_int_equal(mpf, 0x9E010u);
    memset(mem, 0, sizeof mem);
    mpf = 0x1234;
    assert_int_equal(mptable_find(reader, 0, 0x9E000, 0, &mpf), -1);
    assert_int_equal(mpf, 0x1234);
}

static void more_cpus_than_supported_are_counted(void **s)
{
    build(SMP_MAX_CPUS + 2);
    struct madt_info m;
    assert_int_equal(mptable_parse(reader, 0, MPF_PA, &m), 0);
    assert_int_equal(m.nr_cpus, SMP_MAX_CPUS);
    assert_int_equal(m.nr_ignored, 2);
}

static void bad_tables_are_refused(void **s)
{
    struct madt_info m;
    build(2);
    mem[MPF_PA + 5] ^= 1;                      /* floating-pointer checksum */
    assert_int_equal(mptable_parse(reader, 0, MPF_PA, &m), -1);
    build(2);
    mem[CFG_PA + 50] ^= 0x20;                  /* configuration-table checksum */
    assert_int_equal(mptable_parse(reader, 0, MPF_PA, &m), -1);
    build(2);
    mem[MPF_PA + 11] = 5;                      /* a default configuration: no table */
    fix_sum(mem + MPF_PA, 16, 10);
    assert_int_equal(mptable_parse(reader, 0, MPF_PA, &m), -1);
    build(2);
    put32(mem + MPF_PA + 4, 0x7FFFFF00u);      /* table outside memory */
    fix_sum(mem + MPF_PA, 16, 10);
    assert_int_equal(mptable_parse(reader, 0, MPF_PA, &m), -1);
    build(2);
    memcpy(mem + CFG_PA, "XCMP", 4);
    fix_sum(mem + CFG_PA, cfg_len, 7);
    assert_int_equal(mptable_parse(reader, 0, MPF_PA, &m), -1);
}

static void hostile_counts_and_types_stay_inside(void **s)
{
    struct madt_info m;
    /* an entry count far beyond the stated length: the length wins */
    build(2);
    put16(mem + CFG_PA + 34, 0xFFFF);
    fix_sum(mem + CFG_PA, cfg_len, 7);
    assert_int_equal(mptable_parse(reader, 0, MPF_PA, &m), 0);
    assert_int_equal(m.nr_cpus, 2);
    assert_int_equal(reads_out_of_range, 0);
    /* a length cutting the second CPU entry in half: only the first is used */
    build(2);
    put16(mem + CFG_PA + 4, 44 + 20 + 10);
    fix_sum(mem + CFG_PA, 44 + 20 + 10, 7);
    assert_int_equal(mptable_parse(reader, 0, MPF_PA, &m), 0);
    assert_int_equal(m.nr_cpus, 1);
    assert_int_equal(m.nr_ioapics, 0);
    assert_int_equal(ioapic_isa_pin(&m, 24, 0), -1);   /* no IO-APIC: nothing routed */
    /* an unknown entry type ends the walk */
    build(2);
    mem[CFG_PA + 44 + 20] = 0x80;
    fix_sum(mem + CFG_PA, cfg_len, 7);
    assert_int_equal(mptable_parse(reader, 0, MPF_PA, &m), 0);
    assert_int_equal(m.nr_cpus, 1);
    /* no enabled CPU at all */
    build(0);
    assert_int_equal(mptable_parse(reader, 0, MPF_PA, &m), -1);
    /* a stated length shorter than the header itself is refused */
    build(2);
    put16(mem + CFG_PA + 4, 40);
    fix_sum(mem + CFG_PA, 44, 7);
    assert_int_equal(mptable_parse(reader, 0, MPF_PA, &m), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_cpus_ioapic_and_isa_pins),
        cmocka_unit_test(search_order_ebda_then_base_then_bios),
        cmocka_unit_test(more_cpus_than_supported_are_counted),
        cmocka_unit_test(bad_tables_are_refused),
        cmocka_unit_test(hostile_counts_and_types_stay_inside),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
