/* Host tests of the pure half of the native IO-APIC routing (kernel/include/ioapic.h,
 * kernel/smp/ioapic.c): the redirection-entry encoding from MPS INTI flags, and which IO-APIC
 * pin an ISA irq lands on given the ACPI MADT's interrupt source overrides (parsed by
 * kernel/smp/acpi_madt.c from a MADT built here, QEMU-like: irq 0 -> GSI 2, irq 9 level). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "acpi_madt.h"
#include "ioapic.h"

static void rte_encoding_follows_inti_flags(void **s)
{
    /* bus default (ISA): active high, edge */
    assert_int_equal(ioapic_rte_low(0x28, 0, 0), 0x28);
    assert_int_equal(ioapic_rte_low(0x28, 0, 1), 0x28 | IOAPIC_RTE_MASKED);
    /* explicit active high (01), edge (01) */
    assert_int_equal(ioapic_rte_low(0x29, 0x05, 0), 0x29);
    /* active low (11), level (11): the PCI-style override */
    assert_int_equal(ioapic_rte_low(0x29, 0x0f, 0), 0x29 | IOAPIC_RTE_ACTIVE_LOW | IOAPIC_RTE_LEVEL);
    /* level active high (QEMU's irq 9 override: 0x0d) */
    assert_int_equal(ioapic_rte_low(0x29, 0x0d, 0), 0x29 | IOAPIC_RTE_LEVEL);
    /* fixed delivery, physical destination: bits 8..11 stay clear whatever the vector */
    assert_int_equal(ioapic_rte_low(0x1ff, 0, 0) & 0xf00, 0);
    assert_int_equal(ioapic_rte_high(3), 3u << 24);
    assert_int_equal(ioapic_rte_high(0x1ff), 0xffu << 24);
}

/* ---- a MADT with overrides, through the real parser ---- */
#include "fw_mem.h"  /* mem, reader, put32, fix_sum */
#define RSDP_PA 0xF5A40u
#define RSDT_PA 0xE0100u
#define MADT_PA 0xE1000u

static uint32_t off;
static void iso(uint8_t bus, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    uint8_t *e = mem + MADT_PA + off;
    e[0] = 2; e[1] = 10; e[2] = bus; e[3] = irq; put32(e + 4, gsi); e[8] = (uint8_t)flags; e[9] = (uint8_t)(flags >> 8);
    off += 10;
}

static void build(uint32_t gsi_base, int second_ioapic)
{
    memset(mem, 0, sizeof mem);
    uint8_t *t = mem + MADT_PA;
    off = 44;
    t[off] = 0; t[off + 1] = 8; t[off + 2] = 0; t[off + 3] = 0; put32(t + off + 4, 1);
    off += 8;
    t[off] = 1; t[off + 1] = 12; t[off + 2] = 2; put32(t + off + 4, 0xFEC00000u); put32(t + off + 8, gsi_base);
    off += 12;
    if (second_ioapic) {
        t[off] = 1; t[off + 1] = 12; t[off + 2] = 3; put32(t + off + 4, 0xFEC01000u); put32(t + off + 8, 24);
        off += 12;
    }
    iso(0, 0, 2, 0);
    iso(0, 9, 9, 0x0d);
    iso(1, 5, 20, 0x0f);     /* not the ISA bus: ignored */
    iso(0, 200, 7, 0);       /* no such ISA irq: ignored */
    memcpy(t, "APIC", 4);
    put32(t + 4, off);
    put32(t + 36, 0xFEE00000u);
    put32(t + 40, 1);
    fix_sum(t, off, 9);
    uint8_t *r = mem + RSDT_PA;
    memcpy(r, "RSDT", 4);
    put32(r + 4, 40);
    put32(r + 36, MADT_PA);
    fix_sum(r, 40, 9);
    uint8_t *p = mem + RSDP_PA;
    memcpy(p, "RSD PTR ", 8);
    put32(p + 16, RSDT_PA);
    fix_sum(p, 20, 8);
}

static void isa_pins_from_madt_overrides(void **s)
{
    struct madt_info m;
    build(0, 1);
    assert_int_equal(acpi_parse_madt(reader, 0, RSDP_PA, &m), 0);
    assert_int_equal(m.nr_ioapics, 2);
    assert_int_equal(m.ioapic_id, 2);               /* the first one is the one used */
    assert_int_equal(m.ioapic_phys, 0xFEC00000u);
    assert_int_equal(m.isa_flags[9], 0x0d);
    assert_int_equal(m.isa_gsi[5], 5);              /* the non-ISA override changed nothing */
    assert_int_equal(m.isa_flags[5], 0);
    assert_int_equal(ioapic_isa_pin(&m, 24, 0), 2);  /* the PIT on pin 2 */
    assert_int_equal(ioapic_isa_pin(&m, 24, 2), -1); /* the cascade: its GSI went to irq 0 */
    assert_int_equal(ioapic_isa_pin(&m, 24, 4), 4);
    assert_int_equal(ioapic_isa_pin(&m, 24, 8), 8);
    assert_int_equal(ioapic_isa_pin(&m, 24, 16), -1);
    assert_int_equal(ioapic_isa_pin(&m, 8, 8), -1);  /* an 8-pin IO-APIC has no pin 8 */
    /* an IO-APIC whose GSIs start at 16 has no ISA irq at all */
    build(16, 0);
    assert_int_equal(acpi_parse_madt(reader, 0, RSDP_PA, &m), 0);
    assert_int_equal(ioapic_isa_pin(&m, 24, 4), -1);
    /* an override to a GSI outside every pin */
    build(0, 0);
    iso(0, 4, 100, 0);
    put32(mem + MADT_PA + 4, off);
    fix_sum(mem + MADT_PA, off, 9);
    assert_int_equal(acpi_parse_madt(reader, 0, RSDP_PA, &m), 0);
    assert_int_equal(m.isa_gsi[4], 100);
    assert_int_equal(ioapic_isa_pin(&m, 24, 4), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rte_encoding_follows_inti_flags),
        cmocka_unit_test(isa_pins_from_madt_overrides),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
