/* Moat's counters: the guest's view (HYPERVISOR_moat_op, include/moat/moat_op.h), the debug
 * key 's' and the shutdown summary. What each counter counts is defined in moat_op.h; who
 * increments it is listed in stats.h.
 *
 * Invariants:
 *  S1  A guest reads and resets only its own domain's counters.
 *  S2  The snapshot never writes more than the guest said its buffer holds (->size), nor more
 *      than Moat's own struct; the guest learns the layout from ->version and ->size.
 *  S3  Reading the counters never changes them beyond the accounting of the call itself
 *      (one trap, one hypercall, hypercall_count[moat_op]), which is included. */
#include <stdint.h>
#include <stddef.h>
#include <xen/xen.h>
#include <lib/string.h>
#include <lib/format.h>
#include <moat/moat_op.h>
#include "stats.h"
#include "domain.h"
#include "hypercall.h"
#include "uaccess.h"
#include "console.h"
#include "moat_errno.h"

_Static_assert(NR_HYPERCALLS == MOAT_STATS_NR_HYPERCALLS, "per-number counts cover the table");

void stats_domain_total(const struct domain *d, struct moat_counters *out)
{
    memset(out, 0, sizeof(*out));
    for (uint32_t i = 0; i < d->nr_vcpus && i < MOAT_MAX_VCPUS; i++) {
        const struct vcpu *v = d->vcpu[i];
        if (!v)
            continue;
        out->hypercall_traps += v->stats.hypercall_traps;
        out->hypercalls += v->stats.hypercalls;
        out->multicall_entries += v->stats.multicall_entries;
        out->exceptions += v->stats.exceptions;
        out->exceptions_bounced += v->stats.exceptions_bounced;
        out->emulated += v->stats.emulated;
        out->events_delivered += v->stats.events_delivered;
        out->mmu_update_entries += v->stats.mmu_update_entries;
    }
}

void stats_reset_domain(struct domain *d)
{
    for (uint32_t i = 0; i < d->nr_vcpus && i < MOAT_MAX_VCPUS; i++)
        if (d->vcpu[i])
            memset(&d->vcpu[i]->stats, 0, sizeof(d->vcpu[i]->stats));
    memset(d->hypercall_count, 0, sizeof(d->hypercall_count));
}

void stats_snapshot(const struct vcpu *v, uint64_t tsc_now, struct moat_stats *out)
{
    const struct domain *d = v->domain;
    memset(out, 0, sizeof(*out));
    out->version = MOAT_STATS_VERSION;
    out->size = sizeof(*out);
    out->domid = d->domid;
    out->vcpu_id = (uint16_t)v->vcpu_id;
    out->nr_vcpus = d->nr_vcpus;
    out->tsc = tsc_now;
    out->tsc_boot = moat_boot_tsc;
    stats_domain_total(d, &out->domain);
    out->vcpu = v->stats;
    for (uint32_t n = 0; n < NR_HYPERCALLS; n++)
        out->hypercall_count[n] = d->hypercall_count[n];
}

static long moat_get_stats(uint32_t arg)
{
    struct moat_stats s;
    uint32_t size;
    if (copy_from_guest(&size, arg + offsetof(struct moat_stats, size), sizeof(size)))
        return -EFAULT;
    if (size < MOAT_STATS_MIN_SIZE)
        return -EINVAL;
    if (size > sizeof(s))                      /* S2 */
        size = sizeof(s);
#ifndef MOAT_HOST_TEST
    uint64_t now = stats_rdtsc();
#else
    uint64_t now = 0;
#endif
    stats_snapshot(current_vcpu(), now, &s);    /* S1 */
    s.size = size;
    return copy_to_guest(arg, &s, size) ? -EFAULT : 0;
}

long do_moat_op(uint32_t cmd, uint32_t arg)
{
    switch (cmd) {
    case MOATOP_get_version:
        return MOAT_INTERFACE_VERSION;
    case MOATOP_get_stats:
        return moat_get_stats(arg);
    case MOATOP_reset_stats:
        stats_reset_domain(current_domain());   /* S1 */
        return 0;
    default:
        return -ENOSYS;
    }
}

/* ---- console output (hv only: the host tests fake con_printf if they link this) ---------- */

static void print_counters(const char *who, const struct moat_counters *k)
{
    con_printf("  %s: %llu hypercall traps, %llu hypercalls, %llu multicall entries, "
               "%llu exceptions (%llu bounced), %llu emulated, %llu events, "
               "%llu mmu_update entries\n", who,
               (unsigned long long)k->hypercall_traps, (unsigned long long)k->hypercalls,
               (unsigned long long)k->multicall_entries, (unsigned long long)k->exceptions,
               (unsigned long long)k->exceptions_bounced, (unsigned long long)k->emulated,
               (unsigned long long)k->events_delivered, (unsigned long long)k->mmu_update_entries);
}

void stats_print_domain(const struct domain *d)
{
    struct moat_counters total;
    stats_domain_total(d, &total);
    con_printf("domain %u (%s, %u vcpus):\n", d->domid,
               d->state == DOM_RUNNING ? "running" : "shut down", d->nr_vcpus);
    print_counters("total", &total);
    for (uint32_t i = 0; i < d->nr_vcpus && i < MOAT_MAX_VCPUS; i++) {
        char who[16];
        if (!d->vcpu[i])
            continue;
        snprintf(who, sizeof(who), "vcpu %u", i);
        print_counters(who, &d->vcpu[i]->stats);
    }
    con_printf("  by number:");
    int any = 0;
    for (uint32_t n = 0; n < NR_HYPERCALLS; n++) {
        if (!d->hypercall_count[n])
            continue;
        const char *name = hypercall_table[n].name;
        if (!name)
            name = "unimplemented";
        else if (!strncmp(name, "do_", 3))
            name += 3;
        con_printf(" %s(%u)=%llu", name, n,
                   (unsigned long long)d->hypercall_count[n]);
        any = 1;
    }
    con_printf(any ? "\n" : " none\n");
}

void stats_print_shutdown(uint64_t tsc_now)
{
    con_printf("moat: shutdown after %llu TSC ticks",
               (unsigned long long)(tsc_now - moat_boot_tsc));
    for (uint32_t i = 0; i < MOAT_MAX_DOMAINS; i++) {
        const struct domain *d = domains[i];
        struct moat_counters t;
        if (!d)
            continue;
        stats_domain_total(d, &t);
        con_printf("; domain %u: %llu hypercalls (%llu traps), %llu exceptions, %llu events", d->domid,
                   (unsigned long long)t.hypercalls, (unsigned long long)t.hypercall_traps,
                   (unsigned long long)t.exceptions, (unsigned long long)t.events_delivered);
    }
    con_printf("\n");
}
