/* Signal-set logic (pure: host-tested in tests/unit/test_kernel_signal.c).
 * Signal n is bit n-1 of a 64-bit set, as in the Linux ABI. */
#include <stdint.h>
#include "proc.h"

#define BIT(s) (1ull << ((s) - 1))

uint64_t sigmask_fix(uint64_t m) { return m & ~(BIT(SIGKILL) | BIT(SIGSTOP)); }

int sig_next_deliverable(uint64_t pending, uint64_t blocked)
{
    uint64_t ready = pending & ~sigmask_fix(blocked);
    if (!ready)
        return 0;
    /* Synchronous faults and SIGKILL first, then the lowest number (Linux's order). */
    static const int first[] = { SIGKILL, SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGSYS };
    for (unsigned i = 0; i < sizeof first / sizeof first[0]; i++)
        if (ready & BIT(first[i]))
            return first[i];
    for (int s = 1; s <= NSIG; s++)
        if (ready & BIT(s))
            return s;
    return 0;
}

int sig_default_ignored(int sig)
{
    return sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH;
}

int sig_default_stops(int sig)
{
    return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

int sigprocmask_apply(int how, uint64_t *mask, uint64_t set)
{
    switch (how) {
    case SIG_BLOCK: *mask |= set; break;
    case SIG_UNBLOCK: *mask &= ~set; break;
    case SIG_SETMASK: *mask = set; break;
    default: return -EINVAL;
    }
    *mask = sigmask_fix(*mask);
    return 0;
}
