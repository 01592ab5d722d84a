/* Native wall clock: the MC146818 CMOS RTC (ports 0x70/0x71 through the cpu pv-ops). Reads are
 * repeated until two consecutive reads agree so an update in the middle cannot tear the time.
 *
 * The RTC's periodic interrupt (ISA irq 8) is a real, low-rate device interrupt for the irq
 * balancer to move between CPUs (issue 10): its handler only counts and reads register C
 * (which acknowledges it: until C is read the RTC raises no further interrupt).
 *
 * Invariant: 0x70/0x71 are an index+data pair, and the handler may run on any CPU while
 * CPU 0 reads the clock: every access holds cmos_lock with interrupts off. */
#include <stdint.h>
#include "pv/pvops.h"
#include "boot.h"
#include "ioapic.h"
#include "rtc_irq.h"
#include "smp_irq.h"
#include "spinlock.h"
#include "trap.h"

static spinlock_t cmos_lock = SPINLOCK_INIT;
volatile uint32_t rtc_irq_count;

static uint8_t cmos(uint8_t reg)
{
    unsigned long f = spin_lock_irqsave(&cmos_lock);
    outb(0x70, reg);
    uint8_t v = inb(0x71);
    spin_unlock_irqrestore(&cmos_lock, f);
    return v;
}

static void cmos_write(uint8_t reg, uint8_t v)
{
    unsigned long f = spin_lock_irqsave(&cmos_lock);
    outb(0x70, reg);
    outb(0x71, v);
    spin_unlock_irqrestore(&cmos_lock, f);
}

static int rtc_irq(struct trap_frame *f)
{
    smp_irq_count(RTC_IRQ);
    if (cmos(0x0C) & 0x40) /* PF: a periodic interrupt (reading C also acknowledges it) */
        __atomic_fetch_add(&rtc_irq_count, 1, __ATOMIC_RELAXED);
    isa_irq_eoi(RTC_IRQ);
    return 1;
}

void rtc_periodic_start(void)
{
    trap_set_handler(IRQ_BASE + RTC_IRQ, rtc_irq);
    /* Register A: keep the divider (bits 4-6, 32.768 kHz time base), set the rate. */
    cmos_write(0x0A, (uint8_t)((cmos(0x0A) & 0xF0) | RTC_RATE_CODE));
    cmos_write(0x0B, (uint8_t)(cmos(0x0B) | 0x40)); /* PIE */
    (void)cmos(0x0C); /* clear a stale flag so the first edge can come */
}

void rtc_rearm(void) { (void)cmos(0x0C); }

static unsigned bcd(uint8_t v, int binary) { return binary ? v : (v & 0xf) + (v >> 4) * 10; }

uint32_t rtc_get_wallclock(void)
{
    uint8_t r[6] = { 0 }, prev[6];
    int tries = 0;
    do {
        for (unsigned i = 0; i < 6; i++)
            prev[i] = r[i];
        while ((cmos(0x0A) & 0x80) && tries < 100000) /* update in progress */
            tries++;
        r[0] = cmos(0x00); r[1] = cmos(0x02); r[2] = cmos(0x04);
        r[3] = cmos(0x07); r[4] = cmos(0x08); r[5] = cmos(0x09);
        tries++;
    } while (tries < 100000 && (tries == 1 || prev[0] != r[0] || prev[1] != r[1] || prev[2] != r[2] ||
                               prev[3] != r[3] || prev[4] != r[4] || prev[5] != r[5]));
    uint8_t b = cmos(0x0B);
    int binary = b & 0x04, h24 = b & 0x02;
    unsigned hour = bcd(r[2] & 0x7f, binary);
    if (!h24 && (r[2] & 0x80))
        hour = (hour % 12) + 12;
    return rtc_mktime(2000 + bcd(r[5], binary), bcd(r[4], binary), bcd(r[3], binary), hour,
                      bcd(r[1], binary), bcd(r[0], binary));
}
