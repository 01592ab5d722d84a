/* Spinlocks (issue 10): a test-and-test-and-set lock on one word.
 *
 * xchg is not a privileged instruction, so generic code may use it directly; it is a full
 * barrier on x86, which is all the ordering the lock needs (a plain store releases it: x86
 * never reorders a store before earlier loads or stores).
 *
 * Invariants:
 *  - A lock taken with spin_lock_irqsave is released with spin_unlock_irqrestore on the same
 *    CPU: interrupts stay off while it is held, so an interrupt handler on this CPU that takes
 *    the same lock can never spin against its own CPU.
 *  - With CONFIG_SMP=n the lock word still exists (lock state is checked by tests) but the
 *    spin can never be contended. */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H
#include <stdint.h>

typedef struct {
    volatile uint32_t locked;
} spinlock_t;

#define SPINLOCK_INIT { 0 }

static inline uint32_t spin_xchg(volatile uint32_t *p, uint32_t v)
{
    asm volatile("xchgl %0, %1" : "+r"(v), "+m"(*p) : : "memory");
    return v;
}

static inline void cpu_relax(void) { asm volatile("pause" : : : "memory"); }

static inline int spin_trylock(spinlock_t *l) { return spin_xchg(&l->locked, 1) == 0; }

static inline void spin_lock(spinlock_t *l)
{
    while (spin_xchg(&l->locked, 1) != 0)
        while (l->locked)
            cpu_relax();
}

static inline void spin_unlock(spinlock_t *l)
{
    asm volatile("" : : : "memory");
    l->locked = 0;
}

#ifndef MOAT_HOST_TEST
#include "pv/pvops.h"
static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
    unsigned long f = irq_save();
    spin_lock(l);
    return f;
}
static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long f)
{
    spin_unlock(l);
    restore_fl(f);
}
#endif
#endif
