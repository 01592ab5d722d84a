/* Host tests of the signal-set logic (kernel/proc/sigmask.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "proc.h"

#define BIT(s) (1ull << ((s) - 1))

static void kill_and_stop_cannot_be_blocked(void **s)
{
    uint64_t m = 0;
    assert_int_equal(sigprocmask_apply(SIG_SETMASK, &m, ~0ull), 0);
    assert_false(m & BIT(SIGKILL));
    assert_false(m & BIT(SIGSTOP));
    assert_true(m & BIT(SIGINT));
    assert_true(m & BIT(64));
}

static void block_unblock_setmask(void **s)
{
    uint64_t m = BIT(SIGUSR1);
    assert_int_equal(sigprocmask_apply(SIG_BLOCK, &m, BIT(SIGUSR2)), 0);
    assert_int_equal(m, BIT(SIGUSR1) | BIT(SIGUSR2));
    assert_int_equal(sigprocmask_apply(SIG_UNBLOCK, &m, BIT(SIGUSR1)), 0);
    assert_int_equal(m, BIT(SIGUSR2));
    assert_int_equal(sigprocmask_apply(SIG_SETMASK, &m, BIT(SIGHUP)), 0);
    assert_int_equal(m, BIT(SIGHUP));
    assert_int_equal(sigprocmask_apply(3, &m, 0), -EINVAL);
    assert_int_equal(m, BIT(SIGHUP)); /* unchanged by a bad `how` */
}

static void delivery_order(void **s)
{
    assert_int_equal(sig_next_deliverable(0, 0), 0);
    assert_int_equal(sig_next_deliverable(BIT(SIGUSR2) | BIT(SIGINT), 0), SIGINT);
    assert_int_equal(sig_next_deliverable(BIT(SIGUSR2) | BIT(SIGINT), BIT(SIGINT)), SIGUSR2);
    /* synchronous faults first, SIGKILL before everything, blocking never hides SIGKILL */
    assert_int_equal(sig_next_deliverable(BIT(SIGHUP) | BIT(SIGSEGV), 0), SIGSEGV);
    assert_int_equal(sig_next_deliverable(BIT(SIGHUP) | BIT(SIGSEGV) | BIT(SIGKILL), 0), SIGKILL);
    assert_int_equal(sig_next_deliverable(BIT(SIGKILL), ~0ull), SIGKILL);
    assert_int_equal(sig_next_deliverable(BIT(64), 0), 64);
    assert_int_equal(sig_next_deliverable(BIT(64), BIT(64)), 0);
}

static void default_actions(void **s)
{
    assert_true(sig_default_ignored(SIGCHLD));
    assert_true(sig_default_ignored(SIGWINCH));
    assert_false(sig_default_ignored(SIGTERM));
    assert_false(sig_default_ignored(SIGKILL));
    assert_true(sig_default_stops(SIGTSTP));
    assert_false(sig_default_stops(SIGCONT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kill_and_stop_cannot_be_blocked),
        cmocka_unit_test(block_unblock_setmask),
        cmocka_unit_test(delivery_order),
        cmocka_unit_test(default_actions),
    };
    return cmocka_run_group_tests_name("kernel_sigmask", tests, NULL, NULL);
}
