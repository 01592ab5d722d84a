/* Hypercall microbenchmarks (PV only: natively there is no hypervisor to call).
 *
 *   null_hypercall   xen_version(XENVER_version): the cheapest real hypercall, i.e. the price of
 *                    one int $0x82 round trip through the hypercall page.
 *   hypercall_x16    16 of them one after the other: 16 traps.
 *   multicall_16     the same 16 calls as ONE multicall: 1 trap; the difference to
 *                    hypercall_x16 is what batching saves (issue 7). */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/version.h>
#include "bench/kbench.h"
#include "pv/xen/hypercall.h"

#define BATCH 16

static int version_ok(long v) { return v > 0; /* major << 16 | minor: never 0 or negative */ }

static int run_null(unsigned i)
{
    return version_ok(HYPERVISOR_xen_version(XENVER_version, 0)) ? 0 : -1;
}

static int run_x16(unsigned i)
{
    int bad = 0;
    for (unsigned k = 0; k < BATCH; k++)
        bad |= !version_ok(HYPERVISOR_xen_version(XENVER_version, 0));
    return bad ? -1 : 0;
}

static struct multicall_entry calls[BATCH];

static int setup_mc(const char **why)
{
    for (unsigned k = 0; k < BATCH; k++) {
        calls[k] = (struct multicall_entry){ .op = __HYPERVISOR_xen_version };
        calls[k].args[0] = XENVER_version;
        calls[k].args[1] = 0;
    }
    return 0;
}

static int run_mc(unsigned i)
{
    for (unsigned k = 0; k < BATCH; k++)
        calls[k].result = 0;
    if (HYPERVISOR_multicall(calls, BATCH) != 0)
        return -1;
    for (unsigned k = 0; k < BATCH; k++)
        if (!version_ok((long)calls[k].result))
            return -1;
    return 0;
}

const struct kbench_op kbench_hypercall_ops[] = {
    { "null_hypercall", 1000, 1, 0, run_null, 0 },
    { "hypercall_x16", 100, 1, 0, run_x16, 0 },
    { "multicall_16", 100, 1, setup_mc, run_mc, 0 },
    { 0, 0, 0, 0, 0, 0 },
};
