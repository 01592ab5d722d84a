/* Host tests of the 2-level event bitmaps (hv/core/event_2l.c) on a real struct shared_info:
 * Xen's order (pending, then selector, then upcall_pending), masking, re-raise on unmask, and
 * "an event arrives exactly once". */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xen/xen.h>
#include "event.h"

static struct shared_info si;
static struct vcpu_info *vi = &si.vcpu_info[0];

static int setup(void **s)
{
    (void)s;
    memset(&si, 0, sizeof(si));
    return 0;
}

static int pending(unsigned p) { return (si.evtchn_pending[p / 32] >> (p % 32)) & 1; }
static int sel(unsigned w) { return (vi->evtchn_pending_sel >> w) & 1; }
static void mask(unsigned p) { si.evtchn_mask[p / 32] |= 1u << (p % 32); }

static void test_layout_matches_the_headers(void **s)
{
    (void)s;
    assert_int_equal(sizeof(struct vcpu_info), 64);
    assert_int_equal(sizeof(si.evtchn_pending), 128);
    assert_int_equal(EVTCHN_2L_PORTS, 1024);
    assert_int_equal(offsetof(struct shared_info, evtchn_pending), 32 * 64);
}

static void test_set_pending_unmasked_raises_all_three_once(void **s)
{
    (void)s;
    assert_int_equal(evtchn_2l_set_pending(&si, vi, 33), EV2L_KICK);
    assert_true(pending(33));
    assert_true(sel(1));
    assert_int_equal(vi->evtchn_upcall_pending, 1);
    /* already pending: nothing changes, no second kick */
    assert_int_equal(evtchn_2l_set_pending(&si, vi, 33), 0);
    /* another port in the same word: selector already set -> no kick */
    assert_int_equal(evtchn_2l_set_pending(&si, vi, 34), 0);
    assert_true(pending(34));
    /* a port in another word while upcall_pending is still 1: selector set, no kick */
    assert_int_equal(evtchn_2l_set_pending(&si, vi, 700), 0);
    assert_true(sel(700 / 32));
}

static void test_masked_event_waits_for_unmask_and_arrives_once(void **s)
{
    (void)s;
    mask(5);
    assert_int_equal(evtchn_2l_set_pending(&si, vi, 5), 0);
    assert_true(pending(5));
    assert_false(sel(0));
    assert_int_equal(vi->evtchn_upcall_pending, 0);
    assert_int_equal(evtchn_2l_set_pending(&si, vi, 5), 0);     /* sent twice while masked */
    assert_int_equal(evtchn_2l_unmask(&si, vi, 5), EV2L_KICK);
    assert_false(evtchn_2l_is_masked(&si, 5));
    assert_true(sel(0));
    assert_int_equal(vi->evtchn_upcall_pending, 1);
    /* unmasking again does not raise it again */
    assert_int_equal(evtchn_2l_unmask(&si, vi, 5), 0);
    /* the guest consumes it: upcall_pending, selector, pending bit cleared */
    vi->evtchn_upcall_pending = 0;
    vi->evtchn_pending_sel = 0;
    evtchn_2l_clear_pending(&si, 5);
    assert_int_equal(evtchn_2l_unmask(&si, vi, 5), 0);
    assert_int_equal(vi->evtchn_upcall_pending, 0);
}

static void test_unmask_not_pending_only_clears_the_mask(void **s)
{
    (void)s;
    mask(64);
    assert_true(evtchn_2l_is_masked(&si, 64));
    assert_int_equal(evtchn_2l_unmask(&si, vi, 64), 0);
    assert_false(evtchn_2l_is_masked(&si, 64));
    assert_int_equal(vi->evtchn_pending_sel, 0);
    assert_int_equal(vi->evtchn_upcall_pending, 0);
}

static void test_consumed_event_can_be_raised_again(void **s)
{
    (void)s;
    assert_int_equal(evtchn_2l_set_pending(&si, vi, 1), EV2L_KICK);
    vi->evtchn_upcall_pending = 0;
    vi->evtchn_pending_sel = 0;
    evtchn_2l_clear_pending(&si, 1);
    assert_false(evtchn_2l_is_pending(&si, 1));
    assert_int_equal(evtchn_2l_set_pending(&si, vi, 1), EV2L_KICK);
}

static void test_selector_already_set_by_guest_suppresses_upcall(void **s)
{
    /* Xen order: when the selector bit is already set the upcall flag is not touched */
    (void)s;
    vi->evtchn_pending_sel = 1;
    assert_int_equal(evtchn_2l_set_pending(&si, vi, 3), 0);
    assert_int_equal(vi->evtchn_upcall_pending, 0);
}

static void test_ports_outside_the_bitmap_are_ignored(void **s)
{
    (void)s;
    assert_int_equal(evtchn_2l_set_pending(&si, vi, 1024), 0);
    assert_int_equal(evtchn_2l_set_pending(&si, vi, 0xFFFFFFFFu), 0);
    assert_int_equal(evtchn_2l_unmask(&si, vi, 5000), 0);
    assert_false(evtchn_2l_is_pending(&si, 1024));
    assert_true(evtchn_2l_is_masked(&si, 1024));
    evtchn_2l_clear_pending(&si, 99999);
    uint8_t zero[sizeof(si)];
    memset(zero, 0, sizeof(zero));
    assert_memory_equal(&si, zero, sizeof(si));
}

static void test_deliverable_needs_pending_and_no_mask(void **s)
{
    (void)s;
    assert_false(vcpu_info_events_deliverable(vi));
    vi->evtchn_upcall_pending = 1;
    assert_true(vcpu_info_events_deliverable(vi));
    vi->evtchn_upcall_mask = 1;
    assert_false(vcpu_info_events_deliverable(vi));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_layout_matches_the_headers, setup),
        cmocka_unit_test_setup(test_set_pending_unmasked_raises_all_three_once, setup),
        cmocka_unit_test_setup(test_masked_event_waits_for_unmask_and_arrives_once, setup),
        cmocka_unit_test_setup(test_unmask_not_pending_only_clears_the_mask, setup),
        cmocka_unit_test_setup(test_consumed_event_can_be_raised_again, setup),
        cmocka_unit_test_setup(test_selector_already_set_by_guest_suppresses_upcall, setup),
        cmocka_unit_test_setup(test_ports_outside_the_bitmap_are_ignored, setup),
        cmocka_unit_test_setup(test_deliverable_needs_pending_and_no_mask, setup),
    };
    return cmocka_run_group_tests_name("hv_event_2l", tests, NULL, NULL);
}
