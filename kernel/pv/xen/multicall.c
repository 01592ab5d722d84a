/* Xen PV ABI backend: lazy cpu mode batches hypercalls into one multicall.
 *
 * Between enter_lazy_cpu() and leave_lazy_cpu() the operations a context switch needs
 * (stack_switch for esp0, update_descriptor for TLS, mmuext NEW_BASEPTR for cr3) are queued
 * instead of issued; leaving issues them all with ONE trap (HYPERVISOR_multicall).
 *
 * Invariants:
 *  - Queued calls execute before any later hypercall: every hypercall wrapper flushes a
 *    pending batch first (hypercall_prologue), so program order is kept.
 *  - Pointer arguments of queued calls point into storage owned by the queue slot, valid
 *    until the flush.
 *  - A hypervisor without multicall (-ENOSYS) gets the same calls one by one: batching is an
 *    optimisation, never a change of behaviour. */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include "pv/xen/xen.h"
#include "pv/xen/hypercall.h"
#include "printk.h"

#define MC_MAX 16

unsigned long xen_hypercall_count;
unsigned xen_mc_queued;
static struct multicall_entry mc[MC_MAX];
static struct mmuext_op mc_mmuext[MC_MAX];
static int lazy_cpu;
static unsigned mc_errors;

int xen_mc_lazy(void) { return lazy_cpu; }

void xen_mc_flush(void)
{
    unsigned n = xen_mc_queued;
    if (!n)
        return;
    xen_mc_queued = 0; /* before any hypercall below, so their prologue does not recurse */
    xen_hypercall_count++;
    long rc = raw_hypercall2(__HYPERVISOR_multicall, (unsigned long)mc, n);
    if (rc == -XEN_ENOSYS) {
        for (unsigned i = 0; i < n; i++) {
            xen_hypercall_count++;
            mc[i].result = (xen_ulong_t)raw_hypercall_dyn(mc[i].op, mc[i].args[0], mc[i].args[1],
                                                          mc[i].args[2], mc[i].args[3], mc[i].args[4]);
        }
    } else if (rc) {
        if (mc_errors++ < 8)
            printk(KERN_ERR "xen: multicall of %u failed: %ld\n", n, rc);
        return;
    }
    for (unsigned i = 0; i < n; i++)
        if (mc[i].result != 0 && mc_errors++ < 8)
            printk(KERN_ERR "xen: batched hypercall %lu failed: %ld\n", (unsigned long)mc[i].op,
                   (long)mc[i].result);
}

/* A queue slot for hypercall `op`, or 0 when not in lazy cpu mode (issue it directly). */
struct multicall_entry *xen_mc_entry(unsigned op, struct mmuext_op **mmuext_storage)
{
    if (!lazy_cpu)
        return 0;
    xen_mmu_flush(); /* page-table updates batched earlier must not overtake this call */
    if (xen_mc_queued == MC_MAX)
        xen_mc_flush();
    unsigned i = xen_mc_queued++;
    mc[i].op = op;
    mc[i].result = 0;
    for (unsigned a = 0; a < 6; a++)
        mc[i].args[a] = 0;
    if (mmuext_storage)
        *mmuext_storage = &mc_mmuext[i];
    return &mc[i];
}

void xen_enter_lazy_cpu(void) { lazy_cpu = 1; }

void xen_leave_lazy_cpu(void)
{
    xen_mc_flush();
    lazy_cpu = 0;
}
