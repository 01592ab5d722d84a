/* The 2-level event ABI on shared_info (see event.h): the only code that touches the
 * evtchn_pending / evtchn_mask bitmaps, a vcpu's evtchn_pending_sel and evtchn_upcall_pending.
 *
 * Invariants (the order a guest relies on; Xen event_2l.c):
 *   - set_pending: pending bit first; the selector bit only if the pending bit was newly set
 *     and the port is unmasked; upcall_pending only if the selector bit was newly set. So a
 *     guest that clears upcall_pending, then the selector, then scans pending&~mask never
 *     misses an event, and an event already pending is never signalled twice;
 *   - unmask: clear the mask bit; if the port is pending, re-raise selector and upcall exactly
 *     as set_pending would (so an event sent while masked arrives once, when unmasked);
 *   - every read-modify-write is atomic (lock-prefixed): the guest updates the same words
 *     concurrently from its other vcpus, and Moat never holds a guest lock.
 * Pure: no hardware, no domain structures; compiled into host unit tests as is. */
#include <stdint.h>
#include <xen/xen.h>
#include "event.h"

static int test_and_set(xen_ulong_t *w, unsigned bit)
{
    xen_ulong_t m = (xen_ulong_t)1 << bit;
    return (__atomic_fetch_or(w, m, __ATOMIC_SEQ_CST) & m) != 0;
}

static int test_and_clear(xen_ulong_t *w, unsigned bit)
{
    xen_ulong_t m = (xen_ulong_t)1 << bit;
    return (__atomic_fetch_and(w, ~m, __ATOMIC_SEQ_CST) & m) != 0;
}

static int test_bit(const xen_ulong_t *w, unsigned bit)
{
    return (__atomic_load_n(w, __ATOMIC_SEQ_CST) >> bit) & 1;
}

#define WORD(port) ((port) / EVTCHN_WORD_BITS)
#define BIT(port)  ((port) % EVTCHN_WORD_BITS)

/* Xen's vcpu_mark_events_pending(): only the 0 -> 1 transition asks for a kick. */
static int mark_upcall_pending(struct vcpu_info *vi)
{
    return __atomic_exchange_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST) ? 0 : EV2L_KICK;
}

int evtchn_2l_set_pending(struct shared_info *s, struct vcpu_info *vi, uint32_t port)
{
    if (port >= EVTCHN_2L_PORTS)
        return 0;
    if (test_and_set(&s->evtchn_pending[WORD(port)], BIT(port)))
        return 0;
    if (test_bit(&s->evtchn_mask[WORD(port)], BIT(port)))
        return 0;
    if (test_and_set(&vi->evtchn_pending_sel, WORD(port)))
        return 0;
    return mark_upcall_pending(vi);
}

int evtchn_2l_unmask(struct shared_info *s, struct vcpu_info *vi, uint32_t port)
{
    if (port >= EVTCHN_2L_PORTS)
        return 0;
    if (!test_and_clear(&s->evtchn_mask[WORD(port)], BIT(port)))
        return 0;
    if (!test_bit(&s->evtchn_pending[WORD(port)], BIT(port)))
        return 0;
    if (test_and_set(&vi->evtchn_pending_sel, WORD(port)))
        return 0;
    return mark_upcall_pending(vi);
}

void evtchn_2l_clear_pending(struct shared_info *s, uint32_t port)
{
    if (port < EVTCHN_2L_PORTS)
        test_and_clear(&s->evtchn_pending[WORD(port)], BIT(port));
}

int evtchn_2l_is_pending(const struct shared_info *s, uint32_t port)
{
    return port < EVTCHN_2L_PORTS && test_bit(&s->evtchn_pending[WORD(port)], BIT(port));
}

int evtchn_2l_is_masked(const struct shared_info *s, uint32_t port)
{
    /* Xen: a port outside the bitmap counts as masked */
    return port >= EVTCHN_2L_PORTS || test_bit(&s->evtchn_mask[WORD(port)], BIT(port));
}

/* vcpu_info_events_deliverable() is inline in event.h (asked on every exit to a guest). */
