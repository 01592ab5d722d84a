/* The big kernel lock (issue 10): the one lock that lets kernel code written for one CPU run
 * on several (the model is in proc.h).
 *
 * Invariants:
 *  - The lock belongs to a CPU, not to a task: a task that sleeps or yields while its CPU holds
 *    it switches to that CPU's scheduler loop, which still holds it; the next task that CPU
 *    runs (possibly one that went to sleep on another CPU) returns to ring 3 and releases it.
 *  - It is never taken by an interrupt or event handler (they run with or without it, from
 *    ring 3 or from the idle halt), so a CPU spinning for it only waits for a CPU that makes
 *    progress: the holder never waits for another CPU while holding it (hotplug releases it
 *    around its waits). A holder may take an interrupt (int $0x80 arrives with interrupts on;
 *    syscall_dispatch turns them off): its handler does not touch the lock.
 *  - Only entries from ring 3 and the scheduler loops acquire it; a trap taken in kernel mode
 *    (an exception, an interrupt in the idle halt) neither takes nor releases it.
 *  - Nothing the holder batched for the hypervisor is shared: batches are per CPU
 *    (pv/xen/multicall.c) and every lazy mode is left before the return to ring 3. */
#ifndef KERNEL_KLOCK_H
#define KERNEL_KLOCK_H
#include <stdint.h>

#include "spinlock.h"
/* Inline: it is taken and released on every system call (core/klock.c holds the word). */
extern spinlock_t klock_word;
static inline void klock_acquire(void) { spin_lock(&klock_word); }   /* until this CPU holds it */
static inline void klock_release(void) { spin_unlock(&klock_word); } /* by the holding CPU */
#endif
