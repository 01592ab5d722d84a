/* The fair two-level scan of pending event channels (pure; host-tested).
 *
 * Why round-robin: a scan that always starts at port 0 lets a busy low port starve every
 * higher one. Starting just after the last port served, and serving one port per step,
 * gives every pending port its turn within one sweep of the bitmap.
 *
 * Invariant: only words whose selector bit is set are looked at (the hypervisor sets a word's
 * selector bit when it sets a pending bit in it), and a port is returned only if it is pending
 * and not masked. */
#include <stdint.h>
#include "pv/xen/evtchn.h"

#define WORDS 32u
#define BITS 32u

int xen_evtchn_next(uint32_t sel, const uint32_t *pending, const uint32_t *mask, unsigned word, unsigned bit)
{
    word %= WORDS;
    bit %= BITS;
    /* WORDS + 1 steps: the start word is visited twice, from `bit` up, then below `bit`. */
    for (unsigned step = 0; step <= WORDS; step++) {
        unsigned w = (word + step) % WORDS;
        if (!(sel & (1u << w)))
            continue;
        uint32_t live = pending[w] & ~mask[w];
        if (step == 0)
            live &= ~0u << bit;                       /* first visit: from bit up */
        else if (step == WORDS)
            live &= bit ? (1u << bit) - 1 : 0;        /* wrapped round: the bits below */
        if (live)
            return (int)(w * BITS + (unsigned)__builtin_ctz(live));
    }
    return -1;
}
