/* Xen PV ABI backend: console input (console.h) through CONSOLEIO_read.
 *
 * Invariants: xen_console_poll runs with events masked (from the upcall or the tick) and is
 * the only producer; xen_console_getc is the only consumer; head and tail are free-running
 * counters, so `head - tail` is the fill level even across wrap-around. A full ring makes the
 * poll stop reading: the rest stays in the hypervisor's buffer until there is room.
 * The VIRQ_CONSOLE handler may run on any vcpu and move between them (issue 10), so two polls
 * can overlap for a moment: producer_lock keeps them one at a time (CONSOLEIO_read and the
 * ring update together, so bytes stay in order). */
#include <stdint.h>
#include <xen/xen.h>
#include "pv/xen/xen.h"
#include "pv/xen/hypercall.h"
#include "spinlock.h"

#define RING 512u
static uint8_t ring[RING];
static volatile uint32_t head, tail;
unsigned long xen_console_reads;
static spinlock_t producer_lock = SPINLOCK_INIT;

static void console_poll_locked(void);

void xen_console_poll(void)
{
    unsigned long f = spin_lock_irqsave(&producer_lock);
    console_poll_locked();
    spin_unlock_irqrestore(&producer_lock, f);
}

static void console_poll_locked(void)
{
    char buf[64];
    for (int rounds = 0; rounds < 8; rounds++) {
        uint32_t room = RING - (head - tail);
        if (room == 0)
            return;
        unsigned want = room < sizeof buf ? room : sizeof buf;
        long n = HYPERVISOR_console_io(CONSOLEIO_read, want, buf);
        xen_console_reads++;
        if (n <= 0)
            return; /* nothing (0) or not allowed (-EPERM for a domU): no input */
        if ((unsigned long)n > want)
            n = (long)want; /* never trust a count beyond what we asked for */
        for (long i = 0; i < n; i++)
            ring[(head + (uint32_t)i) % RING] = (uint8_t)buf[i];
        __atomic_thread_fence(__ATOMIC_RELEASE);
        head += (uint32_t)n;
        if ((unsigned long)n < want)
            return;
    }
}

int xen_console_getc(void)
{
    if (head == tail)
        return -1;
    int c = ring[tail % RING];
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    tail++;
    return c;
}
