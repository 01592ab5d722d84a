/* Moat's own view, for the boot breakdown and the per-number hypercall counts of a user run.
 *
 * Invariant: HYPERVISOR_moat_op is called only after the counters probe said "on Moat"
 * (hvstats: have_moat); real Xen has no hypercall 56. */
#include <stdint.h>
#include <moat/moat_op.h>
#include "bench/kbench.h"
#include "pv/xen/hypercall.h"

static struct moat_stats snap;

static int take(void)
{
    snap.size = sizeof snap;
    return hypercall2(__HYPERVISOR_moat_op, MOATOP_get_stats, (unsigned long)&snap) == 0 ? 0 : -1;
}

uint64_t kbench_moat_entry_tsc(void) { return take() ? 0 : snap.tsc_boot; }

int kbench_moat_hypercall_counts(uint64_t counts[KBENCH_NR_HYPERCALLS])
{
    if (take())
        return -1;
    for (unsigned i = 0; i < KBENCH_NR_HYPERCALLS && i < MOAT_STATS_NR_HYPERCALLS; i++)
        counts[i] = snap.hypercall_count[i];
    return 0;
}
