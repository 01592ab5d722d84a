/* Host tests of the fair two-level event scan (kernel/pv/xen/evtchn_scan.c): only selected
 * words, only pending-and-unmasked ports, round-robin from the resume position, wrap-around,
 * and no starvation of high ports by a busy low one. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "pv/xen/evtchn.h"

static uint32_t pending[32], mask[32];

static void set(unsigned port) { pending[port / 32] |= 1u << (port % 32); }
static uint32_t sel_of_pending(void)
{
    uint32_t s = 0;
    for (unsigned w = 0; w < 32; w++)
        if (pending[w])
            s |= 1u << w;
    return s;
}

static int setup(void **s)
{
    memset(pending, 0, sizeof pending);
    memset(mask, 0, sizeof mask);
    return 0;
}

static void nothing_pending_is_minus_one(void **s)
{
    assert_int_equal(xen_evtchn_next(0xffffffffu, pending, mask, 0, 0), -1);
    set(5);
    assert_int_equal(xen_evtchn_next(0, pending, mask, 0, 0), -1); /* word 0 not selected */
}

static void masked_ports_are_skipped(void **s)
{
    set(3);
    set(9);
    mask[0] = 1u << 3;
    assert_int_equal(xen_evtchn_next(1, pending, mask, 0, 0), 9);
    mask[0] |= 1u << 9;
    assert_int_equal(xen_evtchn_next(1, pending, mask, 0, 0), -1);
}

static void resumes_after_position_and_wraps(void **s)
{
    set(2);
    set(40);
    set(1000);
    uint32_t sel = sel_of_pending();
    assert_int_equal(xen_evtchn_next(sel, pending, mask, 0, 3), 40);   /* 2 is behind us */
    assert_int_equal(xen_evtchn_next(sel, pending, mask, 1, 9), 1000);
    assert_int_equal(xen_evtchn_next(sel, pending, mask, 31, 9), 2);   /* wrapped round */
    assert_int_equal(xen_evtchn_next(sel, pending, mask, 0, 2), 2);    /* at the position itself */
    pending[0] = 1u << 1;                                               /* same word, below the start */
    assert_int_equal(xen_evtchn_next(1, pending, mask, 0, 5), 1);
}

/* Serve like the upcall does: take the next port, clear it, resume after it. A low port that
 * is re-raised every time it is served must not keep the high ones waiting. */
static void a_busy_low_port_does_not_starve_others(void **s)
{
    set(1);
    set(33);
    set(700);
    unsigned word = 0, bit = 0, served[3] = { 0, 0, 0 };
    for (int round = 0; round < 9; round++) {
        int p = xen_evtchn_next(sel_of_pending(), pending, mask, word, bit);
        assert_true(p >= 0);
        pending[p / 32] &= ~(1u << (p % 32));
        served[p == 1 ? 0 : p == 33 ? 1 : 2]++;
        if (p == 1)
            set(1); /* busy: pending again at once */
        else
            set((unsigned)p); /* the others come back too, once served */
        unsigned next = ((unsigned)p + 1) % 1024;
        word = next / 32;
        bit = next % 32;
    }
    assert_int_equal(served[0], 3);
    assert_int_equal(served[1], 3);
    assert_int_equal(served[2], 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(nothing_pending_is_minus_one, setup),
        cmocka_unit_test_setup(masked_ports_are_skipped, setup),
        cmocka_unit_test_setup(resumes_after_position_and_wraps, setup),
        cmocka_unit_test_setup(a_busy_low_port_does_not_starve_others, setup),
    };
    return cmocka_run_group_tests_name("kernel_evtchn_scan", tests, 0, 0);
}
