/* IRQ affinity, the balancer and the hotplug fixup (irq_balance.h has the invariants).
 *
 * Why a greedy "heaviest first onto the least-loaded CPU" pass: it is the classic LPT rule,
 * within 4/3 of the best possible maximum load, needs no floating point, and is deterministic,
 * which the system tests rely on to check placement exactly. */
#include <stdint.h>
#include "irq_balance.h"

#define E_INVAL 22
#define E_PERM  1

static cpumask_t all_cpus(void) { return ~(cpumask_t)0; }

void irqtab_init(struct irq_table *t, cpumask_t online)
{
    for (unsigned i = 0; i < IRQ_MAX; i++)
        t->irq[i] = (struct irq_desc_bal){ .enabled = 0, .pinned = 0, .target = -1,
                                           .affinity = all_cpus(), .count = 0 };
    t->online = online;
    t->balance_allowed = 1;
    t->broken_affinity = 0;
}

/* The CPU an irq goes to when nothing better is known: lowest online CPU of its mask, or the
 * lowest online CPU at all (broken affinity, counted). */
static int fallback_target(struct irq_table *t, const struct irq_desc_bal *d, int exclude)
{
    cpumask_t ok = d->affinity & t->online;
    if (exclude >= 0)
        ok &= ~CPUMASK_OF(exclude);
    if (ok)
        return cpumask_first(ok);
    cpumask_t any = t->online;
    if (exclude >= 0)
        any &= ~CPUMASK_OF(exclude);
    if (!any)
        return -1;
    t->broken_affinity++;
    return cpumask_first(any);
}

int irqtab_enable(struct irq_table *t, unsigned irq, cpumask_t affinity, int pinned_cpu)
{
    if (irq >= IRQ_MAX)
        return -E_INVAL;
    struct irq_desc_bal *d = &t->irq[irq];
    if (pinned_cpu >= 0) {
        if (pinned_cpu >= IRQ_MAX_CPUS || !cpumask_test(t->online, (unsigned)pinned_cpu))
            return -E_INVAL;
        affinity = CPUMASK_OF(pinned_cpu);
    }
    if (!affinity || !(affinity & t->online))
        return -E_INVAL;
    d->affinity = affinity;
    d->pinned = pinned_cpu >= 0;
    d->enabled = 1;
    d->count = 0;
    d->target = (int8_t)cpumask_first(affinity & t->online);
    return 0;
}

int irqtab_set_affinity(struct irq_table *t, unsigned irq, cpumask_t affinity)
{
    if (irq >= IRQ_MAX)
        return -E_INVAL;
    struct irq_desc_bal *d = &t->irq[irq];
    if (!t->balance_allowed)
        return -E_PERM;       /* the quirk turned affinity off (Linux: no_irq_affinity) */
    if (d->pinned || !affinity || !(affinity & t->online))
        return -E_INVAL;
    d->affinity = affinity;
    if (d->enabled && !cpumask_test(affinity & t->online, (unsigned)d->target))
        d->target = (int8_t)cpumask_first(affinity & t->online);
    return 0;
}

void irqtab_account(struct irq_table *t, unsigned irq)
{
    if (irq < IRQ_MAX)
        t->irq[irq].count++;
}

int irqtab_balance(struct irq_table *t)
{
    if (!t->balance_allowed || cpumask_weight(t->online) <= 1)
        return 0;
    uint64_t load[IRQ_MAX_CPUS] = { 0 };
    uint8_t order[IRQ_MAX];
    unsigned n = 0;
    /* pinned irqs stay, but their load counts against their CPU */
    for (unsigned i = 0; i < IRQ_MAX; i++) {
        struct irq_desc_bal *d = &t->irq[i];
        if (!d->enabled)
            continue;
        if (d->pinned) {
            if (d->target >= 0)
                load[d->target] += d->count;
        } else {
            order[n++] = (uint8_t)i;
        }
    }
    /* heaviest first; equal loads keep irq-number order (insertion sort is stable) */
    for (unsigned i = 1; i < n; i++) {
        uint8_t k = order[i];
        unsigned j = i;
        while (j > 0 && t->irq[order[j - 1]].count < t->irq[k].count) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = k;
    }
    int moved = 0;
    for (unsigned i = 0; i < n; i++) {
        struct irq_desc_bal *d = &t->irq[order[i]];
        cpumask_t ok = d->affinity & t->online;
        int best = -1;
        if (!ok) {
            best = fallback_target(t, d, -1);
        } else {
            for (int c = 0; c < IRQ_MAX_CPUS; c++)
                if (cpumask_test(ok, (unsigned)c) && (best < 0 || load[c] < load[best]))
                    best = c;
        }
        if (best < 0)
            continue;
        /* every irq costs at least 1 so idle irqs are spread too, not stacked on CPU 0 */
        load[best] += d->count + 1;
        if (d->target != best)
            moved++;
        d->target = (int8_t)best;
    }
    for (unsigned i = 0; i < IRQ_MAX; i++)
        t->irq[i].count = 0;
    return moved;
}

int irqtab_cpu_offline(struct irq_table *t, unsigned cpu)
{
    if (cpu >= IRQ_MAX_CPUS || !cpumask_test(t->online, cpu) || cpumask_weight(t->online) <= 1)
        return -E_INVAL;
    int moved = 0;
    for (unsigned i = 0; i < IRQ_MAX; i++) {
        struct irq_desc_bal *d = &t->irq[i];
        if (!d->enabled || d->target != (int)cpu)
            continue;
        if (d->pinned) {
            /* a per-cpu irq (its timer, its IPIs) dies with its CPU */
            d->enabled = 0;
            d->target = -1;
            continue;
        }
        d->target = (int8_t)fallback_target(t, d, (int)cpu);
        moved++;
    }
    /* only now does the CPU leave the online set: nothing targets it any more */
    t->online &= ~CPUMASK_OF(cpu);
    return moved;
}

int irqtab_cpu_online(struct irq_table *t, unsigned cpu)
{
    if (cpu >= IRQ_MAX_CPUS || cpumask_test(t->online, cpu))
        return -E_INVAL;
    t->online |= CPUMASK_OF(cpu);
    return 0;
}

int irqtab_count_on_cpu(const struct irq_table *t, unsigned cpu)
{
    int n = 0;
    for (unsigned i = 0; i < IRQ_MAX; i++)
        if (t->irq[i].enabled && t->irq[i].target == (int)cpu)
            n++;
    return n;
}
