/* Hypervisor trap accounting (hvstats.h): natively every count is zero, nothing traps. */
#include <stdint.h>
#include <lib/string.h>
#include "hvstats.h"
#include "pv/pvops.h"

void xen_stats_read(struct hv_stats *s); /* pv/xen/moat_stats.c */

void hv_stats_read(struct hv_stats *s)
{
    memset(s, 0, sizeof *s);
    if (strcmp(pv_backend_name(), "xen") == 0)
        xen_stats_read(s);
}

void hv_stats_delta(const struct hv_stats *a, const struct hv_stats *b, struct hv_stats *d)
{
    memset(d, 0, sizeof *d);
    int pv = strcmp(pv_backend_name(), "xen") == 0;
    d->own_traps = b->own_traps - a->own_traps - (pv && b->have_moat ? 1 : 0);
    d->own_multicalls = b->own_multicalls - a->own_multicalls;
    d->own_mmu_update_traps = b->own_mmu_update_traps - a->own_mmu_update_traps;
    d->own_mmu_update_entries = b->own_mmu_update_entries - a->own_mmu_update_entries;
    d->have_moat = a->have_moat && b->have_moat;
    if (d->have_moat) {
        d->moat_traps = b->moat_traps - a->moat_traps - 1;
        d->moat_hypercalls = b->moat_hypercalls - a->moat_hypercalls - 1;
        d->moat_multicall_entries = b->moat_multicall_entries - a->moat_multicall_entries;
        d->moat_mmu_update_entries = b->moat_mmu_update_entries - a->moat_mmu_update_entries;
        d->moat_mmu_update_calls = b->moat_mmu_update_calls - a->moat_mmu_update_calls;
        d->moat_exceptions = b->moat_exceptions - a->moat_exceptions;
        d->moat_events = b->moat_events - a->moat_events;
    }
}
