/* Moat's counters (the guest reads them through HYPERVISOR_moat_op, include/moat/moat_op.h,
 * which defines what each one counts; the debug key 's' and the shutdown summary print them).
 *
 * Each vcpu owns a struct moat_counters (v->stats): only code running on that vcpu's behalf
 * increments it, so no locking is needed; domain totals are sums computed when read. The
 * per-number counts are domain-wide (d->hypercall_count). Who increments what:
 *   hypercall_traps, hypercalls, hypercall_count, mmu_update_entries   hv/core/hypercall.c
 *   multicall_entries                                                  hv/core/multicall.c
 *   exceptions                          hv/arch/x86_32/traps.c   stats_exception(v)
 *   exceptions_bounced                  the bounce path          stats_exception_bounced(v)
 *   emulated                            the emulator             stats_emulated(v)
 *   events_delivered                    the upcall path          stats_event_delivered(v) */
#ifndef MOAT_STATS_H
#define MOAT_STATS_H
#include <stdint.h>
#include <moat/moat_op.h>
#include "domain.h"

static inline void stats_exception(struct vcpu *v) { v->stats.exceptions++; }
static inline void stats_exception_bounced(struct vcpu *v) { v->stats.exceptions_bounced++; }
static inline void stats_emulated(struct vcpu *v) { v->stats.emulated++; }
static inline void stats_event_delivered(struct vcpu *v) { v->stats.events_delivered++; }

/* The rdtsc value at Moat's first instructions (boot.S). */
extern uint64_t moat_boot_tsc;

/* Sum of the counters of d's vcpus. */
void stats_domain_total(const struct domain *d, struct moat_counters *out);
/* Zeroes every counter of d (its vcpus and the per-number counts). */
void stats_reset_domain(struct domain *d);
/* Fills the guest-visible snapshot for vcpu v (moat_op MOATOP_get_stats). */
void stats_snapshot(const struct vcpu *v, uint64_t tsc_now, struct moat_stats *out);
/* Prints d's counters, including the non-zero per-number counts (debug key 's'). */
void stats_print_domain(const struct domain *d);
/* The one-line summary when the last domain is gone (DESIGN.md "Measuring"):
 * "moat: shutdown after N TSC ticks; domain 0: H hypercalls (T traps), E exceptions, V events" */
void stats_print_shutdown(uint64_t tsc_now);

#ifndef MOAT_HOST_TEST
static inline uint64_t stats_rdtsc(void)   /* named so it cannot clash with a time.h rdtsc */
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
#endif
#endif
