/* Ticket spinlocks: CPUs get the lock in the order they asked for it, so no CPU can starve
 * (the hypervisor lock is taken on every guest entry of every CPU).
 *
 * Invariant: a lock is only ever taken with interrupts disabled (Moat runs with IF clear
 * everywhere except the idle loop's sti;hlt, where it holds no lock), so an interrupt handler
 * can never spin on a lock its own CPU holds. spin_lock_service() lets a spinning CPU do work
 * another CPU may be waiting for while holding the lock (smp.h: TLB shootdown). */
#ifndef MOAT_SPINLOCK_H
#define MOAT_SPINLOCK_H
#include <stdint.h>

typedef struct {
    volatile uint16_t next;     /* the next ticket to hand out */
    volatile uint16_t owner;    /* the ticket being served */
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock_service(spinlock_t *l, void (*service)(void))
{
    uint16_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_ACQUIRE);
    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me) {
        if (service)
            service();
        asm volatile("pause" ::: "memory");
    }
}

static inline void spin_lock(spinlock_t *l) { spin_lock_service(l, 0); }

static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
}

static inline int spin_is_locked(const spinlock_t *l) { return l->next != l->owner; }
#endif
