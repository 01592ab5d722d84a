/* The big kernel lock (klock.h has the rules; proc.h the model it serves).
 *
 * A test-and-test-and-set lock plus the owning CPU's number, so klock_held() can answer for
 * the CPU asking. CPU 0 holds it from boot (the lock starts taken, owner 0): everything before
 * the first scheduler loop is boot code on CPU 0, and the other CPUs take it only once they
 * enter their scheduler loops (smp_cpu_loop). */
#include <stdint.h>
#include "klock.h"
#include "kstack.h"
#include "spinlock.h"
#include "pv/pvops.h"

static spinlock_t big_lock = { 1 };
static volatile int owner = 0;

int klock_held(void) { return big_lock.locked && owner == (int)smp_processor_id(); }

void klock_acquire(void)
{
    spin_lock(&big_lock);
    owner = (int)smp_processor_id();
}

void klock_release(void)
{
    pv_ops.lazy.flush(); /* nothing queued for the hypervisor outlives the lock */
    owner = -1;
    spin_unlock(&big_lock);
}

int klock_drop(void)
{
    if (!klock_held())
        return 0;
    klock_release();
    return 1;
}

void klock_retake(int was_held)
{
    if (was_held)
        klock_acquire();
}
