/* Host tests of hv/core/time_scale.c (TSC scale, version protocol, calendar) and
 * hv/core/timer.c (per-CPU timer queues: order, stop/re-arm, never early, hardware programming),
 * with a fake clock (NOW) and a fake one-shot timer (timer_hw_program). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xen/xen.h>
#include "moat_time.h"
#include "cpu.h"

static struct cpu cpu0;
struct cpu *host_test_cpu = &cpu0;

static s_time_t fake_now;
s_time_t NOW(void) { return fake_now; }
static s_time_t hw_deadline;
static int hw_programs;
void timer_hw_program(s_time_t deadline, s_time_t now) { (void)now; hw_deadline = deadline; hw_programs++; }

/* The guest's formula from <xen/xen.h>, written independently: the 96-bit product by
 * shift-and-add over the bits of mul (no __int128 on i386), then >> 32. */
static uint64_t guest_scale(uint64_t delta, uint32_t mul, int8_t shift)
{
    if (shift < 0)
        delta >>= -shift;
    else
        delta <<= shift;
    uint64_t hi = 0, lo = 0;               /* 128-bit accumulator */
    for (int i = 0; i < 32; i++) {
        if (!((mul >> i) & 1))
            continue;
        uint64_t add_lo = i ? delta << i : delta;
        uint64_t add_hi = i ? delta >> (64 - i) : 0;
        uint64_t old = lo;
        lo += add_lo;
        hi += add_hi + (lo < old);
    }
    return (hi << 32) | (lo >> 32);
}

static void test_scale_1ghz_is_identity(void **s)
{
    (void)s;
    struct time_scale ts;
    time_scale_from_hz(&ts, 1000000000ull);
    assert_int_equal(ts.mul, 0x80000000u);
    assert_int_equal(ts.shift, 1);
    const uint64_t d[] = { 0, 1, 999, 1000000007ull, 0xFFFFFFFFull, 0x123456789ABull, 1ull << 61 };
    for (unsigned i = 0; i < sizeof(d) / sizeof(d[0]); i++)
        assert_int_equal(time_scale_delta(d[i], &ts), d[i]);
}

static void test_scale_matches_guest_formula_and_frequency(void **s)
{
    (void)s;
    const uint64_t hz[] = { 1193182ull, 100000000ull, 999999999ull, 1000000001ull,
                            2000000000ull, 2000000001ull, 2400000000ull, 3999999999ull,
                            5000000000ull, 33000000000ull };
    for (unsigned i = 0; i < sizeof(hz) / sizeof(hz[0]); i++) {
        struct time_scale ts;
        time_scale_from_hz(&ts, hz[i]);
        assert_true(ts.mul >= 0x80000000u);                   /* normalised fraction */
        /* one second of ticks is one second of ns, within the 2^-31 precision of mul */
        uint64_t ns = time_scale_delta(hz[i], &ts);
        assert_true(ns <= 1000000000ull && ns >= 1000000000ull - 2);
        /* bit-identical to what the guest computes from tsc_to_system_mul/tsc_shift */
        const uint64_t d[] = { 1, 12345, hz[i] / 3, hz[i] * 7, 0xFFFFFFFFull, 1ull << 40 };
        for (unsigned j = 0; j < sizeof(d) / sizeof(d[0]); j++)
            assert_int_equal(time_scale_delta(d[j], &ts), guest_scale(d[j], ts.mul, ts.shift));
        /* xen.h: CPU frequency = ((10^9 << 32) / tsc_to_system_mul) >> tsc_shift */
        uint64_t back = ts.shift >= 0 ? (1000000000ull << 32) / ts.mul >> ts.shift
                                      : (1000000000ull << 32) / ts.mul << -ts.shift;
        assert_true(back <= hz[i] + hz[i] / 1000000 + 1 && back + hz[i] / 1000000 + 1 >= hz[i]);
    }
}

static void test_time_info_version_protocol(void **s)
{
    (void)s;
    struct vcpu_time_info t;
    memset(&t, 0, sizeof(t));
    struct time_scale ts = { .shift = 1, .mul = 0x80000000u };
    vcpu_time_write(&t, 1000, 2000, &ts);
    assert_int_equal(t.version, 2);
    assert_int_equal(t.tsc_timestamp, 1000);
    assert_int_equal(t.system_time, 2000);
    assert_int_equal(t.tsc_to_system_mul, 0x80000000u);
    assert_int_equal(t.tsc_shift, 1);
    vcpu_time_write(&t, 5000, 6000, &ts);
    assert_int_equal(t.version, 4);
    t.version = 7;                 /* a reader never sees odd after a completed write */
    vcpu_time_write(&t, 1, 1, &ts);
    assert_int_equal(t.version & 1, 0);
    assert_true(t.version > 7);
    assert_int_equal(sizeof(t), 32);
}

static void test_wallclock(void **s)
{
    (void)s;
    static struct shared_info si;
    wallclock_write(&si, 0x123456789ull, 999999999);
    assert_int_equal(si.wc_version, 2);
    assert_int_equal(si.wc_sec, 0x23456789u);
    assert_int_equal(si.arch.wc_sec_hi, 1);
    assert_int_equal(si.wc_nsec, 999999999);
}

static void test_days_from_civil(void **s)
{
    (void)s;
    assert_int_equal(days_from_civil(1970, 1, 1), 0);
    assert_int_equal(days_from_civil(1969, 12, 31), -1);
    assert_int_equal(days_from_civil(2000, 3, 1), 11017);      /* after a leap day of a /400 year */
    assert_int_equal(days_from_civil(2026, 12, 1), 20788);
    assert_int_equal(days_from_civil(2400, 2, 29), 157113);
    assert_int_equal(days_from_civil(2100, 3, 1) - days_from_civil(2100, 2, 28), 1);   /* no leap */
}

/* ---- timers ---------------------------------------------------------------------------- */
static int order[16], nfired;
static void note(void *data) { if (nfired < 16) order[nfired] = (int)(intptr_t)data; nfired++; }
static struct timer self_t;
static int self_count;
static void rearm_self(void *data) { (void)data; if (++self_count < 3) set_timer(&self_t, fake_now + 100); }

static int timer_setup(void **s)
{
    (void)s;
    fake_now = 1000;
    nfired = 0;
    hw_programs = 0;
    hw_deadline = 0;
    cpu0.id = 0;
    return 0;
}

static void test_timers_fire_in_order_never_early(void **s)
{
    (void)s;
    struct timer a, b, c, d;
    init_timer(&a, note, (void *)1, 0);
    init_timer(&b, note, (void *)2, 0);
    init_timer(&c, note, (void *)3, 0);
    init_timer(&d, note, (void *)4, 0);
    set_timer(&b, 3000);
    assert_int_equal(hw_deadline, 3000);
    set_timer(&a, 2000);
    assert_int_equal(hw_deadline, 2000);              /* new head: hardware re-programmed */
    int before = hw_programs;
    set_timer(&c, 4000);
    assert_int_equal(hw_programs, before);             /* not the head: untouched */
    set_timer(&d, 3000);                                /* same expiry as b: after b */
    assert_int_equal(timer_next_deadline(0), 2000);
    /* the interrupt comes early: nothing runs, the hardware is re-armed for the head */
    assert_int_equal(timer_interrupt(0, 1999), 0);
    assert_int_equal(nfired, 0);
    assert_int_equal(hw_deadline, 2000);
    fake_now = 3000;
    assert_int_equal(timer_interrupt(0, 3000), 3);
    assert_int_equal(order[0], 1);
    assert_int_equal(order[1], 2);
    assert_int_equal(order[2], 4);
    assert_false(timer_is_active(&a));
    assert_true(timer_is_active(&c));
    assert_int_equal(hw_deadline, 4000);
    stop_timer(&c);
    assert_false(timer_is_active(&c));
    assert_int_equal(timer_next_deadline(0), 0);
    fake_now = 5000;
    assert_int_equal(timer_interrupt(0, 5000), 0);     /* stopped timers never run */
    assert_int_equal(nfired, 3);
}

static void test_rearm_moves_and_functions_may_rearm_themselves(void **s)
{
    (void)s;
    struct timer a;
    init_timer(&a, note, (void *)9, 0);
    set_timer(&a, 5000);
    set_timer(&a, 1500);                /* re-arming moves it, never duplicates it */
    set_timer(&a, 1600);
    fake_now = 10000;
    assert_int_equal(timer_interrupt(0, 10000), 1);
    assert_int_equal(nfired, 1);
    self_count = 0;
    init_timer(&self_t, rearm_self, 0, 0);
    set_timer(&self_t, 10000);
    unsigned ran = timer_interrupt(0, 10000);
    assert_int_equal(ran, 1);                 /* re-armed for later: not run twice now */
    assert_true(timer_is_active(&self_t));
    fake_now = 10100;
    timer_interrupt(0, 10100);
    fake_now = 10200;
    timer_interrupt(0, 10200);
    assert_int_equal(self_count, 3);
    assert_false(timer_is_active(&self_t));
    stop_timer(&self_t);                      /* stopping an inactive timer is harmless */
}

static void test_timer_on_other_cpu_queue(void **s)
{
    (void)s;
    struct timer a;
    init_timer(&a, note, (void *)5, 1);
    int before = hw_programs;
    set_timer(&a, 100);
    assert_int_equal(hw_programs, before);     /* not this CPU's hardware */
    assert_int_equal(timer_next_deadline(1), 100);
    assert_int_equal(timer_next_deadline(0), 0);
    assert_int_equal(timer_interrupt(0, 1000000), 0);
    assert_int_equal(timer_interrupt(1, 1000000), 1);
    assert_int_equal(timer_interrupt(MOAT_MAX_CPUS, 1), 0);
    struct timer bad;
    init_timer(&bad, note, 0, 999);            /* out-of-range CPU: clamped to 0 */
    assert_int_equal(bad.cpu, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scale_1ghz_is_identity),
        cmocka_unit_test(test_scale_matches_guest_formula_and_frequency),
        cmocka_unit_test(test_time_info_version_protocol),
        cmocka_unit_test(test_wallclock),
        cmocka_unit_test(test_days_from_civil),
        cmocka_unit_test_setup(test_timers_fire_in_order_never_early, timer_setup),
        cmocka_unit_test_setup(test_rearm_moves_and_functions_may_rearm_themselves, timer_setup),
        cmocka_unit_test_setup(test_timer_on_other_cpu_queue, timer_setup),
    };
    return cmocka_run_group_tests_name("hv_time", tests, NULL, NULL);
}
