/* Host tests of the kernel's generic hypercall batching layer (kernel/pv/xen/mc_batch.c):
 * ordering, overflow flushes, argument space, list extension and callbacks, with a fake issuer
 * that records every batch it was given and answers like a hypervisor would. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "pv/xen/mc_batch.h"

/* ---- a fake hypervisor ---- */
#define MAX_LOG 4096
static struct {
    unsigned batches;
    unsigned batch_size[64];
    unsigned long ops[MAX_LOG];    /* every op issued, in order */
    unsigned long arg0[MAX_LOG];
    uint64_t mmu_vals[MAX_LOG];    /* values of mmu_update lists, in order */
    unsigned nr_ops, nr_mmu;
    long fail_op;                  /* entries with this op get -EINVAL (-22) */
    long multicall_rc;             /* the multicall's own status */
} hv;

static long fake_issue(struct multicall_entry *e, unsigned n)
{
    if (hv.batches < 64)
        hv.batch_size[hv.batches] = n;
    hv.batches++;
    if (hv.multicall_rc)
        return hv.multicall_rc;
    for (unsigned i = 0; i < n; i++) {
        hv.ops[hv.nr_ops] = e[i].op;
        hv.arg0[hv.nr_ops++] = e[i].args[0];
        if (e[i].op == __HYPERVISOR_mmu_update) {
            const struct mmu_update *u = (const struct mmu_update *)(uintptr_t)e[i].args[0];
            for (unsigned k = 0; k < e[i].args[1]; k++)
                hv.mmu_vals[hv.nr_mmu++] = u[k].val;
        }
        e[i].result = (long)e[i].op == hv.fail_op ? (xen_ulong_t)-22 : (xen_ulong_t)(100 + e[i].op);
    }
    return 0;
}

static unsigned failed_seen;
static void fake_failed(const struct multicall_entry *e, unsigned i) { failed_seen++; }

static int setup(void **s)
{
    memset(&hv, 0, sizeof hv);
    hv.fail_op = -1;
    failed_seen = 0;
    return 0;
}

static struct mc_batch b;

/* ---- callbacks that log ---- */
static int cb_log[64];
static long cb_result[64];
static unsigned cb_n;
static void cb(void *data, long result)
{
    cb_log[cb_n] = (int)(intptr_t)data;
    cb_result[cb_n++] = result;
}

static void entries_issue_in_order_as_one_batch(void **s)
{
    mc_batch_init(&b, fake_issue, fake_failed);
    for (unsigned i = 0; i < 5; i++) {
        struct mc_slot sl = mc_batch_entry(&b, i + 1, 0);
        assert_non_null(sl.entry);
        sl.entry->args[0] = 10 * i;
    }
    assert_int_equal(hv.batches, 0); /* nothing issued before the flush */
    assert_int_equal(mc_batch_pending(&b), 5);
    assert_int_equal(mc_batch_flush(&b), 0);
    assert_int_equal(hv.batches, 1);
    assert_int_equal(hv.batch_size[0], 5);
    for (unsigned i = 0; i < 5; i++) {
        assert_int_equal(hv.ops[i], i + 1);
        assert_int_equal(hv.arg0[i], 10 * i);
    }
    assert_int_equal(mc_batch_pending(&b), 0);
    assert_int_equal(mc_batch_flush(&b), 0); /* empty: no trap */
    assert_int_equal(hv.batches, 1);
}

static void full_entry_table_flushes_first(void **s)
{
    mc_batch_init(&b, fake_issue, 0);
    for (unsigned i = 0; i < MC_BATCH_ENTRIES + 3; i++)
        mc_batch_entry(&b, i, 0).entry->args[0] = i;
    assert_int_equal(hv.batches, 1); /* the 33rd entry pushed the first 32 out */
    assert_int_equal(hv.batch_size[0], MC_BATCH_ENTRIES);
    mc_batch_flush(&b);
    assert_int_equal(hv.batches, 2);
    assert_int_equal(hv.batch_size[1], 3);
    for (unsigned i = 0; i < MC_BATCH_ENTRIES + 3; i++)
        assert_int_equal(hv.arg0[i], i); /* order kept across the overflow */
    assert_int_equal(b.flushes, 2);
    assert_int_equal(b.entries_issued, MC_BATCH_ENTRIES + 3);
}

static void full_argument_space_flushes_first(void **s)
{
    mc_batch_init(&b, fake_issue, 0);
    struct mc_slot a = mc_batch_entry(&b, 1, MC_BATCH_ARG_BYTES - 16);
    assert_non_null(a.args);
    memset(a.args, 0xab, MC_BATCH_ARG_BYTES - 16);
    struct mc_slot c = mc_batch_entry(&b, 2, 16); /* exactly fits */
    assert_non_null(c.entry);
    assert_int_equal(hv.batches, 0);
    struct mc_slot d = mc_batch_entry(&b, 3, 8); /* does not: the batch goes out first */
    assert_non_null(d.entry);
    assert_int_equal(hv.batches, 1);
    assert_int_equal(hv.batch_size[0], 2);
    assert_ptr_equal(d.args, (void *)b.args); /* a fresh batch starts at the beginning */
    struct mc_slot huge = mc_batch_entry(&b, 4, MC_BATCH_ARG_BYTES + 1);
    assert_null(huge.entry); /* never fits: the caller issues it directly */
    assert_int_equal(hv.batches, 1);
}

static void argument_space_is_aligned_and_zeroed(void **s)
{
    mc_batch_init(&b, fake_issue, 0);
    struct mc_slot x = mc_batch_entry(&b, 1, 3);
    struct mc_slot y = mc_batch_entry(&b, 2, 24);
    assert_int_equal(((uintptr_t)x.args) % 8, 0);
    assert_int_equal(((uintptr_t)y.args) % 8, 0);
    assert_int_equal((uint8_t *)y.args - (uint8_t *)x.args, 8);
    const uint8_t *p = y.args;
    for (unsigned i = 0; i < 24; i++)
        assert_int_equal(p[i], 0);
    assert_int_equal(y.entry->args[0] | y.entry->args[5], 0);
}

static void extend_grows_only_the_last_matching_entry(void **s)
{
    mc_batch_init(&b, fake_issue, 0);
    struct multicall_entry *e;
    assert_null(mc_batch_extend(&b, __HYPERVISOR_mmu_update, sizeof(struct mmu_update), &e)); /* empty */
    struct mc_slot sl = mc_batch_entry(&b, __HYPERVISOR_mmu_update, sizeof(struct mmu_update));
    struct mmu_update *u = sl.args;
    sl.entry->args[0] = (uintptr_t)u;
    sl.entry->args[1] = 1;
    u->val = 1000;
    for (unsigned i = 1; i < 10; i++) {
        struct mmu_update *v = mc_batch_extend(&b, __HYPERVISOR_mmu_update, sizeof *v, &e);
        assert_ptr_equal(v, u + i); /* contiguous list */
        assert_ptr_equal(e, sl.entry);
        e->args[1]++;
        v->val = 1000 + i;
    }
    assert_null(mc_batch_extend(&b, __HYPERVISOR_mmuext_op, 8, &e)); /* another op: no */
    mc_batch_entry(&b, __HYPERVISOR_stack_switch, 0);
    assert_null(mc_batch_extend(&b, __HYPERVISOR_mmu_update, sizeof *u, &e)); /* not last any more */
    mc_batch_flush(&b);
    assert_int_equal(hv.batches, 1);
    assert_int_equal(hv.batch_size[0], 2);
    assert_int_equal(hv.nr_mmu, 10);
    for (unsigned i = 0; i < 10; i++)
        assert_int_equal(hv.mmu_vals[i], 1000 + i);
}

static void extend_stops_at_the_end_of_argument_space(void **s)
{
    mc_batch_init(&b, fake_issue, 0);
    struct multicall_entry *e;
    mc_batch_entry(&b, __HYPERVISOR_mmu_update, 16);
    unsigned grown = 1;
    while (mc_batch_extend(&b, __HYPERVISOR_mmu_update, 16, &e))
        grown++;
    assert_int_equal(grown, MC_BATCH_ARG_BYTES / 16);
    assert_int_equal(b.arg_used, MC_BATCH_ARG_BYTES);
    assert_int_equal(hv.batches, 0);
}

static void callbacks_run_after_the_flush_in_order_with_results(void **s)
{
    mc_batch_init(&b, fake_issue, 0);
    cb_n = 0;
    mc_batch_callback(&b, cb, (void *)1);          /* before any entry: result 0 */
    mc_batch_entry(&b, 7, 0);
    mc_batch_callback(&b, cb, (void *)2);          /* gets entry 0's result */
    mc_batch_entry(&b, 9, 0);
    mc_batch_callback(&b, cb, (void *)3);          /* gets entry 1's result */
    assert_int_equal(cb_n, 0);                     /* nothing ran before the flush */
    mc_batch_flush(&b);
    assert_int_equal(cb_n, 3);
    assert_int_equal(cb_log[0], 1);
    assert_int_equal(cb_log[1], 2);
    assert_int_equal(cb_log[2], 3);
    assert_int_equal(cb_result[0], 0);
    assert_int_equal(cb_result[1], 107);
    assert_int_equal(cb_result[2], 109);
    mc_batch_flush(&b);
    assert_int_equal(cb_n, 3);                     /* exactly once */
}

static void full_callback_table_flushes_first(void **s)
{
    mc_batch_init(&b, fake_issue, 0);
    cb_n = 0;
    mc_batch_entry(&b, 1, 0);
    for (unsigned i = 0; i < MC_BATCH_CALLBACKS; i++)
        mc_batch_callback(&b, cb, (void *)(intptr_t)i);
    assert_int_equal(hv.batches, 0);
    mc_batch_callback(&b, cb, (void *)99);         /* no room: the batch and its callbacks go first */
    assert_int_equal(hv.batches, 1);
    assert_int_equal(cb_n, MC_BATCH_CALLBACKS);
    mc_batch_flush(&b);                            /* no entries: no trap, but the callback runs */
    assert_int_equal(hv.batches, 1);
    assert_int_equal(cb_n, MC_BATCH_CALLBACKS + 1);
    assert_int_equal(cb_log[MC_BATCH_CALLBACKS], 99);
}

/* A callback that queues again: its entry lands in a new batch, not the one being issued. */
static void requeue(void *data, long result) { mc_batch_entry(&b, 55, 0); }

static void callback_may_queue_into_the_next_batch(void **s)
{
    mc_batch_init(&b, fake_issue, 0);
    mc_batch_entry(&b, 1, 0);
    mc_batch_callback(&b, requeue, 0);
    mc_batch_flush(&b);
    assert_int_equal(hv.batches, 1);
    assert_int_equal(mc_batch_pending(&b), 1);
    mc_batch_flush(&b);
    assert_int_equal(hv.batches, 2);
    assert_int_equal(hv.ops[1], 55);
}

static void failed_entries_are_reported_and_multicall_errors_reach_callbacks(void **s)
{
    mc_batch_init(&b, fake_issue, fake_failed);
    hv.fail_op = 3;
    cb_n = 0;
    mc_batch_entry(&b, 2, 0);
    mc_batch_entry(&b, 3, 0);
    mc_batch_callback(&b, cb, 0);
    mc_batch_flush(&b);
    assert_int_equal(failed_seen, 1);
    assert_int_equal(cb_result[0], -22);
    hv.multicall_rc = -14; /* -EFAULT: the whole batch was refused */
    mc_batch_entry(&b, 2, 0);
    mc_batch_callback(&b, cb, 0);
    assert_int_equal(mc_batch_flush(&b), -14);
    assert_int_equal(cb_result[1], -14);
    assert_int_equal(b.issue_errors, 1);
    assert_int_equal(mc_batch_pending(&b), 0); /* a refused batch is dropped, not retried forever */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(entries_issue_in_order_as_one_batch, setup),
        cmocka_unit_test_setup(full_entry_table_flushes_first, setup),
        cmocka_unit_test_setup(full_argument_space_flushes_first, setup),
        cmocka_unit_test_setup(argument_space_is_aligned_and_zeroed, setup),
        cmocka_unit_test_setup(extend_grows_only_the_last_matching_entry, setup),
        cmocka_unit_test_setup(extend_stops_at_the_end_of_argument_space, setup),
        cmocka_unit_test_setup(callbacks_run_after_the_flush_in_order_with_results, setup),
        cmocka_unit_test_setup(full_callback_table_flushes_first, setup),
        cmocka_unit_test_setup(callback_may_queue_into_the_next_batch, setup),
        cmocka_unit_test_setup(failed_entries_are_reported_and_multicall_errors_reach_callbacks, setup),
    };
    return cmocka_run_group_tests_name("kernel_mc_batch", tests, 0, 0);
}
