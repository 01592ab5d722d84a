/* The big kernel lock (issue 10): the one lock that lets kernel code written for one CPU run
 * on several (the model is in proc.h).
 *
 * Invariants:
 *  - The lock belongs to a CPU, not to a task: a task that sleeps or yields while its CPU holds
 *    it switches to that CPU's scheduler loop, which still holds it; the next task that CPU
 *    runs (possibly one that went to sleep on another CPU) returns to ring 3 and releases it.
 *  - It is taken only with interrupts disabled and never by an interrupt or event handler, so
 *    a CPU spinning for it can only be waiting for a CPU that makes progress: the holder never
 *    waits for another CPU while holding it (hotplug releases it around its waits:
 *    klock_drop/klock_retake).
 *  - Nothing batched for the hypervisor survives a release (klock_release flushes the lazy
 *    batch), so the one multicall batch is only ever filled by the holder.
 *  - Re-entry on the holding CPU (an exception in kernel mode) does not take it again: only
 *    entries from ring 3 and the scheduler loop acquire. */
#ifndef KERNEL_KLOCK_H
#define KERNEL_KLOCK_H
#include <stdint.h>

void klock_acquire(void);          /* interrupts off; spins until this CPU holds it */
void klock_release(void);          /* by the holding CPU; flushes any lazy hypervisor batch */
int klock_held(void);              /* 1 if this CPU holds it */
/* For a holder that must wait for another CPU (hotplug): drop returns whether it was held,
 * retake takes it back if so. */
int klock_drop(void);
void klock_retake(int was_held);
#endif
