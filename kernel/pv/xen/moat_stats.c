/* Xen PV ABI backend: reading Moat's per-domain counters (HYPERVISOR_moat_op) and the kernel's
 * own trap count into struct hv_stats (hvstats.h).
 *
 * Invariant: moat_op is only called after discovery said "Moat" (MOATOP_get_version > 0);
 * real Xen answers -ENOSYS for number 56, and then only the own count is reported. */
#include <stdint.h>
#include <lib/string.h>
#include <moat/moat_op.h>
#include "pv/xen/xen.h"
#include "pv/xen/hypercall.h"
#include "hvstats.h"

#define HYPERVISOR_moat_op(cmd, arg) hypercall2(__HYPERVISOR_moat_op, (cmd), (unsigned long)(arg))

static int moat_known, on_moat;
static struct moat_stats snap;

static int detect(void)
{
    if (!moat_known) {
        long v = HYPERVISOR_moat_op(MOATOP_get_version, 0);
        on_moat = v > 0;
        moat_known = 1;
    }
    return on_moat;
}

void xen_stats_read(struct hv_stats *s)
{
    if (detect()) {
        memset(&snap, 0, sizeof snap);
        snap.size = sizeof snap;
        if (HYPERVISOR_moat_op(MOATOP_get_stats, &snap) == 0) {
            s->have_moat = 1;
            s->moat_traps = snap.domain.hypercall_traps;
            s->moat_hypercalls = snap.domain.hypercalls;
            s->moat_multicall_entries = snap.domain.multicall_entries;
            s->moat_mmu_update_entries = snap.domain.mmu_update_entries;
            s->moat_mmu_update_calls = snap.hypercall_count[__HYPERVISOR_mmu_update];
            s->moat_exceptions = snap.domain.exceptions;
            s->moat_events = snap.domain.events_delivered;
        }
    }
    /* After the moat_op, so both sources include the read itself. */
    s->own_traps = xen_hypercall_count;
    s->own_multicalls = xen_hc_stats.multicalls;
    s->own_mmu_update_traps = xen_hc_stats.mmu_update_traps;
    s->own_mmu_update_entries = xen_hc_stats.mmu_update_entries;
}
