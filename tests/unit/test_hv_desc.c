/* Host tests of hv/arch/x86_32/desc.c: descriptor encoding and Moat's reserved GDT entries.
 * The rule under test: every ring-1/ring-3 descriptor ends below HYPERVISOR_VIRT_START, only
 * Moat's selectors are DPL 0, and the selectors are where xen-x86_32.h says. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <xen/xen.h>
#include "desc.h"
#include "selectors.h"

static uint64_t g[GDT_RESERVED_ENTRIES];
#define E(sel) g[((sel) >> 3) - GDT_FIRST_RESERVED]

static void test_encode_roundtrip(void **s)
{
    uint64_t d = desc_segment(0x12345678, 0xABCDE, DESC_P | DESC_S | DESC_DATA_RW | DESC_DPL(2), DESC_G | DESC_DB);
    assert_int_equal(desc_base(d), 0x12345678);
    assert_int_equal(desc_dpl(d), 2);
    assert_true(desc_last_byte(d) == 0x12345678ull + 0xABCDEFFFull);
    /* byte granular */
    d = desc_segment(0x1000, 0x67, DESC_P | DESC_TSS32, 0);
    assert_true(desc_last_byte(d) == 0x1067);
    /* a well-known encoding: flat 4 GB ring-0 code = 0x00CF9A000000FFFF (without accessed) */
    assert_true(desc_segment(0, 0xFFFFF, DESC_P | DESC_S | DESC_CODE_RX, DESC_G | DESC_DB) == 0x00CF9A000000FFFFull);
}

static void test_gate(void **s)
{
    uint64_t d = desc_gate(0xF9123456, 0xe008, DESC_P | DESC_DPL(1) | DESC_INTGATE);
    assert_true(d == 0xF912AE00E0083456ull);
}

static void test_selector_numbers(void **s)
{
    assert_int_equal(FIRST_RESERVED_GDT_ENTRY, 7168);
    assert_int_equal(FLAT_RING1_CS >> 3, 7171);
    assert_int_equal(FLAT_RING1_DS >> 3, 7172);
    assert_int_equal(FLAT_RING3_CS >> 3, 7173);
    assert_int_equal(FLAT_RING3_DS >> 3, 7174);
    assert_int_equal(FLAT_RING1_CS & 3, 1);
    assert_int_equal(FLAT_RING3_DS & 3, 3);
    assert_int_equal(MOAT_CS, 0xe008);
    assert_int_equal(MOAT_DS, 0xe010);
}

static void test_guest_segments_end_below_hypervisor(void **s)
{
    gdt_fill_reserved(g, 0xF9200000, 103);
    const uint16_t guest[] = { FLAT_RING1_CS, FLAT_RING1_DS, FLAT_RING3_CS, FLAT_RING3_DS };
    for (unsigned i = 0; i < 4; i++) {
        uint64_t d = E(guest[i]);
        assert_true(d & (1ull << 47));                       /* present */
        assert_int_equal(desc_base(d), 0);
        assert_true(desc_last_byte(d) == HYPERVISOR_VIRT_START - 1);   /* 0xF57FFFFF */
        assert_int_equal(desc_dpl(d), guest[i] & 3);          /* DPL = RPL of the selector */
        assert_true(d & (1ull << 40));                        /* accessed preset */
    }
}

static void test_only_moat_is_ring0(void **s)
{
    gdt_fill_reserved(g, 0xF9200000, 103);
    for (unsigned i = 0; i < GDT_RESERVED_ENTRIES; i++) {
        uint64_t d = g[i];
        if (!(d & (1ull << 47)))
            continue;
        uint16_t sel = (uint16_t)((GDT_FIRST_RESERVED + i) << 3);
        int is_code_data = (d >> 44) & 1;
        if (is_code_data && desc_dpl(d) == 0)
            assert_true(sel == MOAT_CS || sel == MOAT_DS);
        if (is_code_data && desc_dpl(d) != 0)
            assert_true(desc_last_byte(d) < HYPERVISOR_VIRT_START);
    }
    assert_int_equal(desc_base(E(MOAT_TSS)), 0xF9200000);
    assert_int_equal(desc_dpl(E(MOAT_TSS)), 0);
    assert_int_equal((E(MOAT_TSS) >> 40) & 0x1F, DESC_TSS32);
    assert_true(E(0xe000) == 0);   /* the first reserved entry stays null */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_roundtrip),
        cmocka_unit_test(test_gate),
        cmocka_unit_test(test_selector_numbers),
        cmocka_unit_test(test_guest_segments_end_below_hypervisor),
        cmocka_unit_test(test_only_moat_is_ring0),
    };
    return cmocka_run_group_tests_name("hv_desc", tests, NULL, NULL);
}
