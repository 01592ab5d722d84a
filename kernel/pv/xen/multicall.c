/* Xen PV ABI backend: lazy modes on top of the generic batching layer (mc_batch.c).
 *
 * Between enter_lazy_cpu() and leave_lazy_cpu() the operations of a context switch
 * (stack_switch, update_descriptor for TLS, set LDT and NEW_BASEPTR through mmuext_op,
 * fpu_taskswitch) are queued instead of issued; between enter_lazy_mmu() and leave_lazy_mmu()
 * page-table writes are appended to ONE mmu_update list inside the same buffer. Leaving a
 * lazy mode issues the batch with ONE trap: a multicall, or the call itself if it is alone.
 *
 * Invariants:
 *  - Queued calls execute before any later hypercall of the same context: every hypercall
 *    wrapper flushes a pending batch first (hypercall_prologue), so program order is kept.
 *  - An event upcall never queues and never flushes the interrupted context's batch (that
 *    context may be between taking a slot and filling it): inside the upcall, lazy modes read
 *    as off and hypercalls go straight out, as Linux treats interrupt context.
 *  - A hypervisor without multicall (-ENOSYS) gets the same calls one by one: batching is an
 *    optimisation, never a change of behaviour.
 *  - Every trap into the hypervisor is counted in xen_hc_stats (tests compare them with the
 *    hypervisor's own counters where it has them). */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include "pv/xen/xen.h"
#include "pv/xen/hypercall.h"
#include "pv/xen/mc_batch.h"
#include "printk.h"

unsigned long xen_hypercall_count;
struct xen_hc_stats xen_hc_stats;
struct mc_batch xen_mc_batch[XEN_MAX_CPUS];
unsigned xen_upcall_depth_of[XEN_MAX_CPUS];
/* Per vcpu, like the batches: each vcpu batches its own context switches and page-table
 * writes (issue 10: processes run on every vcpu), so no vcpu ever sees another's batch. */
static int lazy_cpu_of[XEN_MAX_CPUS], lazy_mmu_of[XEN_MAX_CPUS];
#define lazy_cpu (lazy_cpu_of[xen_smp_cpu()])
#define lazy_mmu (lazy_mmu_of[xen_smp_cpu()])
static unsigned mc_errors;

static struct mc_batch *this_batch(void) { return &xen_mc_batch[xen_smp_cpu()]; }

static void count_mmu(const struct multicall_entry *e, unsigned n)
{
    int carries = 0;
    for (unsigned i = 0; i < n; i++)
        if (e[i].op == __HYPERVISOR_mmu_update) {
            carries = 1;
            xen_hc_stats.mmu_update_entries += e[i].args[1];
        }
    xen_hc_stats.mmu_update_traps += carries;
}

static long issue(struct multicall_entry *e, unsigned n)
{
    count_mmu(e, n);
    if (n == 1) {
        /* One call needs no multicall around it: same single trap, less work for Moat. */
        xen_hypercall_count++;
        xen_hc_stats.by_nr[e->op < XEN_HC_STATS_NR ? e->op : 0]++;
        e->result = (xen_ulong_t)raw_hypercall_dyn(e->op, e->args[0], e->args[1], e->args[2], e->args[3],
                                                   e->args[4]);
        return 0;
    }
    xen_hypercall_count++;
    xen_hc_stats.multicalls++;
    xen_hc_stats.by_nr[__HYPERVISOR_multicall]++;
    long rc = raw_hypercall2(__HYPERVISOR_multicall, (unsigned long)e, n);
    if (rc == -XEN_ENOSYS) {
        for (unsigned i = 0; i < n; i++) {
            xen_hypercall_count++;
            e[i].result = (xen_ulong_t)raw_hypercall_dyn(e[i].op, e[i].args[0], e[i].args[1], e[i].args[2],
                                                         e[i].args[3], e[i].args[4]);
        }
        return 0;
    }
    if (rc) {
        if (mc_errors++ < 8)
            printk(KERN_ERR "xen: multicall of %u failed: %ld\n", n, rc);
        for (unsigned i = 0; i < n; i++)
            e[i].result = (xen_ulong_t)rc;
    }
    return rc;
}

static void failed(const struct multicall_entry *e, unsigned i)
{
    if (e->op == __HYPERVISOR_mmuext_op)
        xen_ldt_shadow_forget(); /* it may have been a SET_LDT: never skip on a failed one */
    if (mc_errors++ < 8)
        printk(KERN_ERR "xen: batched hypercall %lu (entry %u) failed: %ld\n", (unsigned long)e->op, i,
               (long)e->result);
}

void xen_mc_init(void)
{
    for (unsigned c = 0; c < XEN_MAX_CPUS; c++)
        mc_batch_init(&xen_mc_batch[c], issue, failed);
}

unsigned xen_mc_pending(void) { return mc_batch_pending(this_batch()); }

void xen_mc_flush(void)
{
    struct mc_batch *b = this_batch();
    if (!mc_batch_pending(b) || xen_upcall_depth)
        return;
    /* Events masked while the batch is issued and its callbacks run: an upcall arriving on
     * the multicall's return must not see the batch half reset. restore_fl may itself trap
     * (pending event), which is fine: the batch is empty by then. */
    unsigned long f = xen_save_fl();
    xen_irq_disable();
    mc_batch_flush(b);
    xen_restore_fl(f);
}

int xen_lazy_cpu_active(void) { return lazy_cpu && !xen_upcall_depth; }
int xen_lazy_mmu_active(void) { return lazy_mmu && !xen_upcall_depth; }

struct multicall_entry *xen_mc_queue(unsigned op, unsigned argbytes, void **args)
{
    if (!xen_lazy_cpu_active())
        return 0;
    struct mc_slot s = mc_batch_entry(this_batch(), op, argbytes);
    if (args)
        *args = s.args;
    return s.entry;
}

struct multicall_entry *xen_mc_queue_mmu(unsigned op, unsigned argbytes, void **args)
{
    if (!xen_lazy_mmu_active() && !xen_lazy_cpu_active())
        return 0;
    struct mc_slot s = mc_batch_entry(this_batch(), op, argbytes);
    if (args)
        *args = s.args;
    return s.entry;
}

int xen_mc_queue_mmu_update(uint64_t ptr, uint64_t val)
{
    if (!xen_lazy_mmu_active())
        return -1;
    struct mc_batch *b = this_batch();
    struct multicall_entry *e;
    struct mmu_update *u = mc_batch_extend(b, __HYPERVISOR_mmu_update, sizeof *u, &e);
    if (u) {
        e->args[1]++;
    } else {
        struct mc_slot s = mc_batch_entry(b, __HYPERVISOR_mmu_update, sizeof *u);
        if (!s.entry)
            return -1;
        u = s.args;
        s.entry->args[0] = (unsigned long)u;
        s.entry->args[1] = 1;
        s.entry->args[2] = 0; /* no success count: a failure is reported by the result */
        s.entry->args[3] = DOMID_SELF;
    }
    u->ptr = ptr;
    u->val = val;
    return 0;
}

void xen_enter_lazy_cpu(void) { lazy_cpu = 1; }

/* Leaving either lazy mode issues everything queued (also what the other mode queued): after
 * leave_*, every queued operation has taken effect, which is what the callers rely on. */
void xen_leave_lazy_cpu(void)
{
    lazy_cpu = 0;
    xen_mc_flush();
}

void xen_enter_lazy_mmu(void) { lazy_mmu = 1; }

void xen_leave_lazy_mmu(void)
{
    lazy_mmu = 0;
    xen_mc_flush();
}
