/* Hypervisor trap accounting for tests and measurements.
 *
 * Two sources, both reported: the kernel's own count of the traps it issued (every backend;
 * all zero natively, where nothing traps), and, on Moat, Moat's per-domain counters read
 * through HYPERVISOR_moat_op (include/moat/moat_op.h). On real Xen only the own count exists.
 *
 * hv_stats_read() itself costs one moat_op trap on Moat; hv_stats_delta() subtracts it, so
 * "traps" between two reads is exactly what the code between them caused. */
#ifndef KERNEL_HVSTATS_H
#define KERNEL_HVSTATS_H
#include <stdint.h>

struct hv_stats {
    int have_moat;                    /* the moat_* fields are valid */
    /* the kernel's own count */
    uint64_t own_traps, own_multicalls, own_mmu_update_traps, own_mmu_update_entries;
    /* Moat's counters for this domain */
    uint64_t moat_traps, moat_hypercalls, moat_multicall_entries, moat_mmu_update_entries;
    uint64_t moat_mmu_update_calls, moat_exceptions, moat_events;
};

void hv_stats_read(struct hv_stats *s);
/* d = b - a, minus the moat_op call that read b (and the own-count trap for it). */
void hv_stats_delta(const struct hv_stats *a, const struct hv_stats *b, struct hv_stats *d);
/* The traps in a delta: Moat's count when available, else the kernel's own. */
static inline uint64_t hv_stats_traps(const struct hv_stats *d) { return d->have_moat ? d->moat_traps : d->own_traps; }

#endif
