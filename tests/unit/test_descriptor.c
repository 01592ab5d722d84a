/* Host tests of hv/core/descriptor.c: the guest descriptor rules (D1-D5 in that file). Each
 * refusal has its own reason; every accepted descriptor is checked for its fix-ups and for the
 * invariant itself: no present code/data descriptor is DPL 0 or covers a byte at or above
 * HYPERVISOR_VIRT_START. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <xen/xen.h>
#include "descriptor.h"
#include "memlayout.h"

#define HV HV_VIRT_START

/* type: 4-bit type; s: code/data; flags: G(8) D/B(4) L(2) */
static uint64_t seg(uint32_t base, uint32_t limit, unsigned type, unsigned dpl, unsigned flags)
{
    return (uint64_t)(limit & 0xFFFF) | ((uint64_t)(base & 0xFFFFFF) << 16) |
           ((uint64_t)(type | 0x10 | 0x80 | (dpl << 5)) << 40) |
           ((uint64_t)((limit >> 16) & 0xF) << 48) | ((uint64_t)flags << 52) | ((uint64_t)(base >> 24) << 56);
}
static uint64_t sys(unsigned type, unsigned dpl) { return seg(0x1000, 0x67, type, dpl, 0) & ~(0x10ull << 40); }
static uint64_t gate(uint16_t sel, uint32_t off, unsigned type, unsigned dpl)
{
    return (uint64_t)(off & 0xFFFF) | ((uint64_t)sel << 16) | ((uint64_t)(0x80 | (dpl << 5) | type) << 40) |
           ((uint64_t)(off >> 16) << 48);
}
#define G 0x8
#define DB 0x4
#define L 0x2
#define CODE 0xA
#define DATA 0x2
#define DATA_DOWN 0x6

static unsigned dpl(uint64_t d) { return (unsigned)(d >> 45) & 3; }
static uint64_t last(uint64_t d)
{
    uint64_t lim = (d & 0xFFFF) | (((d >> 48) & 0xF) << 16);
    if ((d >> 55) & 1)
        lim = (lim << 12) | 0xFFF;
    return (((d >> 16) & 0xFFFFFF) | ((d >> 56) << 24)) + lim;
}

/* The invariant on an accepted present code/data descriptor. */
static void assert_safe(uint64_t d)
{
    if (!((d >> 47) & 1) || !((d >> 44) & 1))
        return;
    assert_true(dpl(d) != 0);
    assert_true((d >> 40) & 1);                 /* accessed preset */
    if (((d >> 40) & 0xC) == 0x4) {             /* expand-down data: covers limit+1 .. top */
        uint64_t base = ((d >> 16) & 0xFFFFFF) | ((d >> 56) << 24);
        uint64_t lim = (d & 0xFFFF) | (((d >> 48) & 0xF) << 16);
        if ((d >> 55) & 1)
            lim = (lim << 12) | 0xFFF;
        uint64_t top = ((d >> 54) & 1) ? 0xFFFFFFFFull : 0xFFFF;
        uint64_t s = base + lim + 1, e = base + top;
        if (s >= 0x100000000ull) { s -= 0x100000000ull; e -= 0x100000000ull; }
        assert_true(lim >= top || e < HV);
    } else {
        assert_true(last(d) < HV);
    }
}

static enum desc_reason check(uint64_t *d)
{
    uint64_t before = *d;
    enum desc_reason r = desc_check(d);
    if (r != DESC_ACCEPT)
        assert_true(*d == before);              /* a refusal never modifies */
    else
        assert_safe(*d);
    return r;
}

static void test_dpl0_raised_to_1(void **s)
{
    uint64_t d = seg(0, 0xFFFF, CODE, 0, G | DB);
    assert_int_equal(check(&d), DESC_ACCEPT);
    assert_int_equal(dpl(d), 1);
    d = seg(0, 0xFFFF, DATA, 0, G | DB);
    assert_int_equal(check(&d), DESC_ACCEPT);
    assert_int_equal(dpl(d), 1);
    for (unsigned p = 1; p <= 3; p++) {         /* other DPLs are kept */
        d = seg(0, 0xFFFF, DATA, p, G | DB);
        assert_int_equal(check(&d), DESC_ACCEPT);
        assert_int_equal(dpl(d), p);
    }
}

static void test_flat_4g_truncated(void **s)
{
    uint64_t d = seg(0, 0xFFFFF, CODE, 1, G | DB);
    assert_int_equal(check(&d), DESC_ACCEPT);
    assert_true(last(d) == HV - 1);
    /* byte-granular base-0 segments cannot reach 0xF5800000: kept exactly */
    d = seg(0, 0xFFFFF, DATA, 3, DB);
    uint64_t want = d | (1ull << 40);
    assert_int_equal(check(&d), DESC_ACCEPT);
    assert_true(d == want);
    /* exactly ending below: kept */
    d = seg(0, (HV >> 12) - 1, DATA, 3, G | DB);
    want = d | (1ull << 40);
    assert_int_equal(check(&d), DESC_ACCEPT);
    assert_true(d == want);
    /* one page more: base 0 -> truncated */
    d = seg(0, HV >> 12, DATA, 3, G | DB);
    assert_int_equal(check(&d), DESC_ACCEPT);
    assert_true(last(d) == HV - 1);
}

static void test_limit_reaching_moat_truncated(void **s)
{
    /* ends at HV + 0xFFF: cut to the last whole page below HV */
    uint64_t d = seg(0x1000, (HV >> 12) - 1, DATA, 1, G | DB);
    assert_int_equal(check(&d), DESC_ACCEPT);
    assert_true(last(d) == HV - 1);
    /* a Linux/musl TLS segment: base = thread pointer, 4 GB limit (wraps) */
    d = seg(0x08084a10, 0xFFFFF, DATA, 3, G | DB);
    assert_int_equal(check(&d), DESC_ACCEPT);
    assert_true(last(d) < HV && last(d) > HV - 0x1000);
    assert_true(((d >> 16) & 0xFFFFFF) == 0x084a10 && (d >> 56) == 0x08);   /* base kept */
    assert_int_equal(dpl(d), 3);
    /* byte granular, last byte == HV: cut by one byte */
    d = seg(HV - 0x1000, 0x1000, DATA, 1, DB);
    assert_int_equal(check(&d), DESC_ACCEPT);
    assert_true(last(d) == HV - 1);
    /* 4 KB granular but less than a page left: becomes byte granular */
    d = seg(HV - 0x800, 0x10, CODE, 1, G | DB);
    assert_int_equal(check(&d), DESC_ACCEPT);
    assert_true(last(d) == HV - 1 && !((d >> 55) & 1));
    /* already below: untouched (but for the accessed bit) */
    d = seg(HV - 0x1000, 0xFFF, DATA, 1, DB);
    uint64_t want = d | (1ull << 40);
    assert_int_equal(check(&d), DESC_ACCEPT);
    assert_true(d == want);
    /* starting inside Moat's area: refused */
    d = seg(0xFFFFF000, 0xFFF, DATA, 1, DB);
    assert_int_equal(check(&d), DESC_BASE_IN_MOAT);
    d = seg(HV, 0, CODE, 1, DB);
    assert_int_equal(check(&d), DESC_BASE_IN_MOAT);
    /* wrapping past 4 GB from the middle */
    d = seg(0x80000000, 0xFFFFF, CODE, 3, G | DB);
    assert_int_equal(check(&d), DESC_ACCEPT);
    assert_true(last(d) == HV - 1);
}

static void test_expand_down(void **s)
{
    /* 32-bit expand-down with base 0 covers limit+1 .. 4 GB: Moat's area */
    uint64_t d = seg(0, 0x10, DATA_DOWN, 1, G | DB);
    assert_int_equal(check(&d), DESC_EXPAND_DOWN_REACHES_MOAT);
    /* 16-bit (B=0) expand-down at a low base: offsets up to 0xFFFF only */
    d = seg(0x100000, 0x10, DATA_DOWN, 1, 0);
    assert_int_equal(check(&d), DESC_ACCEPT);
    /* 16-bit expand-down just below Moat reaching it */
    d = seg(HV - 0x8000, 0x10, DATA_DOWN, 1, 0);
    assert_int_equal(check(&d), DESC_EXPAND_DOWN_REACHES_MOAT);
    /* 32-bit expand-down whose covered range wraps to low memory entirely */
    d = seg(0x10000000, 0xEFFFF, DATA_DOWN, 1, G | DB);               /* covers 0x100000000.. */
    assert_int_equal(check(&d), DESC_ACCEPT);
    /* empty expand-down (limit == top): covers nothing */
    d = seg(0, 0xFFFFF, DATA_DOWN, 1, G | DB);
    assert_int_equal(check(&d), DESC_ACCEPT);
    /* expand-down code does not exist: type 0xE is conforming code, expand-up */
    d = seg(0, 0xFFFFF, 0xE, 1, G | DB);
    assert_int_equal(check(&d), DESC_ACCEPT);
    assert_true(last(d) == HV - 1);
}

static void test_long_mode_code_refused(void **s)
{
    uint64_t d = seg(0, 0xFFFF, CODE, 1, G | L);
    assert_int_equal(check(&d), DESC_LONG_MODE);
    d = seg(0, 0xFFFF, DATA, 1, G | L);         /* L is ignored for data */
    assert_int_equal(check(&d), DESC_ACCEPT);
}

static void test_system_descriptors_refused(void **s)
{
    static const struct { unsigned type; enum desc_reason why; } t[] = {
        { 0x1, DESC_SYSTEM_TSS }, { 0x3, DESC_SYSTEM_TSS }, { 0x9, DESC_SYSTEM_TSS }, { 0xB, DESC_SYSTEM_TSS },
        { 0x2, DESC_SYSTEM_LDT }, { 0x5, DESC_TASK_GATE }, { 0x6, DESC_INTERRUPT_GATE },
        { 0xE, DESC_INTERRUPT_GATE }, { 0x7, DESC_TRAP_GATE }, { 0xF, DESC_TRAP_GATE },
        { 0x4, DESC_CALL_GATE_16 }, { 0x8, DESC_SYSTEM_RESERVED }, { 0xA, DESC_SYSTEM_RESERVED },
        { 0xD, DESC_SYSTEM_RESERVED },
    };
    for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        for (unsigned p = 0; p < 4; p++) {
            uint64_t d = sys(t[i].type, p);
            assert_int_equal(check(&d), t[i].why);
        }
    uint64_t d = sys(0x0, 3);                    /* type 0: harmless (2nd half of a gate) */
    assert_int_equal(check(&d), DESC_ACCEPT);
}

static void test_call_gates(void **s)
{
    uint64_t d = gate(FLAT_RING1_CS, 0xC0100000, 0xC, 3);
    assert_int_equal(check(&d), DESC_ACCEPT);
    assert_int_equal(dpl(d), 0);                          /* any use faults */
    assert_int_equal((d >> 16) & 0xFFFF, (FLAT_RING1_CS & ~3u) | 3);   /* old DPL in the RPL */
    assert_true((d & 0xFFFF) == 0 && ((d >> 48) & 0xFFFF) == 0xC010);   /* offset kept */
    d = gate(0x0010 | 1, 0x1000, 0xC, 1);                 /* a guest GDT code selector */
    assert_int_equal(check(&d), DESC_ACCEPT);
    d = gate(0x000C | 1, 0x1000, 0xC, 1);                 /* an LDT selector */
    assert_int_equal(check(&d), DESC_ACCEPT);
    d = gate(0xe008, 0xC0100000, 0xC, 3);                 /* Moat's ring-0 cs */
    assert_int_equal(check(&d), DESC_GATE_TARGET);
    d = gate(0xe010, 0xC0100000, 0xC, 3);
    assert_int_equal(check(&d), DESC_GATE_TARGET);
    d = gate(FLAT_RING3_CS, 0xC0100000, 0xC, 3);          /* reserved, not the kernel cs */
    assert_int_equal(check(&d), DESC_GATE_TARGET);
    d = gate(FLAT_RING1_CS, HV, 0xC, 3);                  /* into Moat */
    assert_int_equal(check(&d), DESC_GATE_INTO_MOAT);
    d = gate(FLAT_RING1_CS, 0xFFFFFFF0, 0xC, 3);
    assert_int_equal(check(&d), DESC_GATE_INTO_MOAT);
    d = gate(FLAT_RING1_CS, 0x1000, 0xC, 3) | (0x20ull << 32);   /* reserved bits 5-7 */
    assert_int_equal(check(&d), DESC_GATE_RESERVED_BITS);
}

static void test_not_present_accepted_unchanged(void **s)
{
    uint64_t d = sys(0x9, 0) & ~(1ull << 47);            /* a not-present TSS: faults on use */
    uint64_t want = d;
    assert_int_equal(check(&d), DESC_ACCEPT);
    assert_true(d == want);
    d = 0;
    assert_int_equal(check(&d), DESC_ACCEPT);
    assert_true(d == 0);
    d = seg(HV, 0xFFFFF, DATA, 0, G | DB) & ~(1ull << 47);   /* reaching Moat, but not present */
    want = d;
    assert_int_equal(check(&d), DESC_ACCEPT);
    assert_true(d == want);
}

static void test_idempotent_for_segments(void **s)
{
    /* a frame validated twice (set_gdt again later) must not change a second time */
    uint64_t v[] = { seg(0, 0xFFFFF, CODE, 0, G | DB), seg(0x1000, 0x100, DATA, 3, G | DB),
                     seg(0, 0xFFFF, DATA_DOWN, 1, DB) };
    for (unsigned i = 0; i < 3; i++) {
        uint64_t a = v[i];
        if (check(&a) != DESC_ACCEPT)
            continue;
        uint64_t b = a;
        assert_int_equal(check(&b), DESC_ACCEPT);
        assert_true(a == b);
    }
}

static void test_page(void **s)
{
    static uint64_t page[512];
    for (unsigned i = 0; i < 512; i++)
        page[i] = 0;
    page[1] = seg(0, 0xFFFFF, CODE, 0, G | DB);
    page[2] = seg(0, 0xFFFFF, DATA, 0, G | DB);
    enum desc_reason why = DESC_ACCEPT;
    assert_int_equal(desc_check_page(page, &why), -1);
    assert_int_equal(dpl(page[1]), 1);
    assert_true(last(page[2]) == HV - 1);
    /* one bad entry: refused with its index and reason, and the page is left untouched */
    page[3] = seg(0, 0xFFFFF, CODE, 0, G | DB);
    page[400] = sys(0x9, 0);
    uint64_t p3 = page[3];
    assert_int_equal(desc_check_page(page, &why), 400);
    assert_int_equal(why, DESC_SYSTEM_TSS);
    assert_true(page[3] == p3);
}

static void test_reason_names(void **s)
{
    for (int r = 0; r < DESC_NR_REASONS; r++) {
        const char *n = desc_reason_name((enum desc_reason)r);
        assert_non_null(n);
        assert_true(n[0] != 0);
        for (int q = 0; q < r; q++)                /* each refusal has its own reason */
            assert_string_not_equal(n, desc_reason_name((enum desc_reason)q));
    }
    assert_string_equal(desc_reason_name(DESC_NR_REASONS), "unknown");
}

/* Exhaustive-ish sweep: random descriptors never produce an accepted unsafe one. */
static void test_random_sweep(void **s)
{
    uint32_t x = 12345;
    for (unsigned i = 0; i < 200000; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        uint32_t lo = x;
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        uint64_t d = ((uint64_t)x << 32) | lo;
        (void)check(&d);                         /* check() asserts the invariant */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dpl0_raised_to_1),
        cmocka_unit_test(test_flat_4g_truncated),
        cmocka_unit_test(test_limit_reaching_moat_truncated),
        cmocka_unit_test(test_expand_down),
        cmocka_unit_test(test_long_mode_code_refused),
        cmocka_unit_test(test_system_descriptors_refused),
        cmocka_unit_test(test_call_gates),
        cmocka_unit_test(test_not_present_accepted_unchanged),
        cmocka_unit_test(test_idempotent_for_segments),
        cmocka_unit_test(test_page),
        cmocka_unit_test(test_reason_names),
        cmocka_unit_test(test_random_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
