/* The big kernel lock (klock.h has the rules and the inline acquire/release; proc.h the model
 * it serves).
 *
 * A test-and-test-and-set spinlock, nothing more: it is taken and released on every system
 * call, so it is kept to one xchg and one store (no owner word: every caller that releases it
 * knows that its CPU holds it, see hotplug.c). CPU 0 holds it from boot (the lock starts
 * taken): everything before the first scheduler loop is boot code on CPU 0, and the other CPUs
 * take it only once they enter their scheduler loops (smp_cpu_loop). */
#include <stdint.h>
#include "klock.h"

spinlock_t klock_word = { 1 };
