/* Per-CPU timer queues (moat_time.h).
 *
 * Invariants:
 *   - a timer is on at most one queue, that of t->cpu, iff t->active; queues are sorted by
 *     expiry (equal expiries keep arming order), so the head is always the next deadline;
 *   - a timer function runs only from timer_interrupt() with now >= t->expires: never early.
 *     It runs with the timer already inactive, so it may re-arm itself;
 *   - whenever the head of this CPU's queue changes to an earlier deadline, the one-shot
 *     hardware is re-programmed for it; a later head is left alone (the hardware fires early,
 *     finds nothing due and re-programs itself), which keeps stop_timer cheap.
 * Everything but timer_hw_program (pit.c) is pure and host-tested. */
#include <stdint.h>
#include <stddef.h>
#include "moat_time.h"
#include "memlayout.h"
#include "cpu.h"
#include "smp.h"

static struct timer *queue[MOAT_MAX_CPUS];

void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned cpu)
{
    t->expires = 0;
    t->fn = fn;
    t->data = data;
    t->next = NULL;
    t->active = 0;
    t->cpu = (uint8_t)(cpu < MOAT_MAX_CPUS ? cpu : 0);
}

int timer_is_active(const struct timer *t) { return t->active; }

static void unlink_timer(struct timer *t)
{
    for (struct timer **p = &queue[t->cpu]; *p; p = &(*p)->next)
        if (*p == t) {
            *p = t->next;
            break;
        }
    t->next = NULL;
    t->active = 0;
}

void stop_timer(struct timer *t)
{
    if (t->active)
        unlink_timer(t);
}

void set_timer(struct timer *t, s_time_t expires)
{
    if (t->active)
        unlink_timer(t);
    t->expires = expires;
    struct timer **p = &queue[t->cpu];
    while (*p && (*p)->expires <= expires)
        p = &(*p)->next;
    t->next = *p;
    *p = t;
    t->active = 1;
    if (queue[t->cpu] == t && t->cpu == this_cpu()->id)
        timer_hw_program(expires, NOW());
    else if (queue[t->cpu] == t)
        smp_send_kick(t->cpu);   /* SMP: that CPU re-programs its own timer hardware */
}

s_time_t timer_next_deadline(unsigned cpu)
{
    return cpu < MOAT_MAX_CPUS && queue[cpu] ? queue[cpu]->expires : 0;
}

unsigned timer_interrupt(unsigned cpu, s_time_t now)
{
    unsigned ran = 0;
    if (cpu >= MOAT_MAX_CPUS)
        return 0;
    while (queue[cpu] && queue[cpu]->expires <= now) {
        struct timer *t = queue[cpu];
        queue[cpu] = t->next;
        t->next = NULL;
        t->active = 0;
        t->fn(t->data);
        ran++;
        now = NOW();      /* a function may take time; later timers compare to the clock */
    }
    if (queue[cpu])
        timer_hw_program(queue[cpu]->expires, now);
    return ran;
}
