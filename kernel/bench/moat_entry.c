/* Moat's own entry time, for the boot breakdown (firmware -> Moat -> guest kernel init).
 *
 * Invariant: HYPERVISOR_moat_op is called only after the counters probe said "on Moat"
 * (hvstats: have_moat); real Xen has no hypercall 56. */
#include <stdint.h>
#include <moat/moat_op.h>
#include "bench/kbench.h"
#include "pv/xen/hypercall.h"

uint64_t kbench_moat_entry_tsc(void)
{
    static struct moat_stats s;
    s.size = sizeof s;
    if (hypercall2(__HYPERVISOR_moat_op, MOATOP_get_stats, (unsigned long)&s) != 0)
        return 0;
    return s.tsc_boot;
}
