/* Native local APIC for SMP (see smp_apic.h).
 *
 * The registers are memory-mapped at the same physical page on every CPU, each CPU seeing its
 * own APIC there; one uncached fixmap page (below drivers/lapic.c's) is shared by all. MMIO is
 * plain loads/stores, no privileged instruction: this file stays generic for check-privileged.
 *
 * Invariants:
 *  - ICR writes wait for the previous message to leave (delivery status idle) first, and the
 *    high half (destination) is written before the low half, which sends.
 *  - The boot CPU's local timer is never used for interrupts (its tick is the PIT): after
 *    calibration it free-runs masked as the clock of apic_udelay. */
#include <stdint.h>
#include "smp_apic.h"
#include "boot.h"
#include "kmem.h"
#include "mm.h"
#include "pv/pvops.h"

#define APIC_ID 0x20
#define APIC_TPR 0x80
#define APIC_EOI 0xb0
#define APIC_SVR 0xf0
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR 0x390
#define APIC_TIMER_DIV 0x3e0
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define ICR_PENDING (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define SMP_APIC_VA (FIXMAP_END - 2 * PAGE_SIZE)
#define _PAGE_PCD 0x010ull

static volatile uint32_t *regs;
static uint32_t ticks_per_jiffy, counts_per_us;

static uint32_t rd(unsigned off) { return regs[off / 4]; }
static void wr(unsigned off, uint32_t v) { regs[off / 4] = v; }

int apic_map(uint32_t phys)
{
    if (regs)
        return 0;
    if (paging_map(kernel_pgd, SMP_APIC_VA, phys >> PAGE_SHIFT, _PAGE_RW | _PAGE_PCD | _PAGE_NX) != 0)
        return -1;
    flush_tlb_single(SMP_APIC_VA);
    regs = (volatile uint32_t *)SMP_APIC_VA;
    return 0;
}

uint32_t apic_read_id(void) { return regs ? rd(APIC_ID) >> 24 : 0; }

void apic_cpu_enable(void)
{
    wr(APIC_TPR, 0);
    wr(APIC_SVR, (rd(APIC_SVR) & ~0xffu) | 0x100u | APIC_SPURIOUS_VECTOR);
}

void apic_eoi_smp(void) { wr(APIC_EOI, 0); }

static int icr_wait(void)
{
    for (int i = 0; i < 1000000; i++)
        if (!(rd(APIC_ICR_LO) & ICR_PENDING))
            return 0;
    return -1;
}

static int icr_send(uint32_t apic_id, uint32_t lo)
{
    if (icr_wait())
        return -1;
    wr(APIC_ICR_HI, apic_id << 24);
    wr(APIC_ICR_LO, lo);
    return icr_wait();
}

int apic_send_init(uint32_t apic_id) { return icr_send(apic_id, ICR_INIT | ICR_LEVEL_ASSERT); }
int apic_send_sipi(uint32_t apic_id, unsigned page) { return icr_send(apic_id, ICR_STARTUP | (page & 0xff)); }
int apic_send_fixed(uint32_t apic_id, unsigned vector) { return icr_send(apic_id, ICR_LEVEL_ASSERT | (vector & 0xff)); }

void apic_timer_periodic(unsigned vector, uint32_t count)
{
    wr(APIC_TIMER_DIV, 0x3); /* divide by 16 */
    wr(APIC_LVT_TIMER, LVT_PERIODIC | (vector & 0xff));
    wr(APIC_TIMER_INIT, count);
}

void apic_timer_stop(void)
{
    wr(APIC_LVT_TIMER, LVT_MASKED | APIC_TIMER_VECTOR);
    wr(APIC_TIMER_INIT, 0);
}

uint32_t apic_calibrate(void)
{
    wr(APIC_TIMER_DIV, 0x3);
    wr(APIC_LVT_TIMER, LVT_MASKED | APIC_TIMER_VECTOR); /* one-shot, masked: a counter only */
    uint32_t j = jiffies;
    while (jiffies == j)
        safe_halt();
    wr(APIC_TIMER_INIT, 0xffffffffu);
    j = jiffies;
    while (jiffies - j < 5)
        safe_halt();
    uint32_t used = 0xffffffffu - rd(APIC_TIMER_CUR);
    ticks_per_jiffy = used / 5;
    if (ticks_per_jiffy == 0)
        ticks_per_jiffy = 1;
    counts_per_us = ticks_per_jiffy / (1000000u / TIMER_HZ);
    if (counts_per_us == 0)
        counts_per_us = 1;
    wr(APIC_TIMER_INIT, 0xffffffffu); /* keeps counting down for apic_udelay */
    return ticks_per_jiffy;
}

void apic_udelay(uint32_t us)
{
    uint64_t need = (uint64_t)us * counts_per_us;
    uint32_t last = rd(APIC_TIMER_CUR);
    uint64_t done = 0;
    while (done < need) {
        uint32_t now = rd(APIC_TIMER_CUR);
        if (now == 0) { /* the one-shot count ran out: start it again */
            wr(APIC_TIMER_INIT, 0xffffffffu);
            last = 0xffffffffu;
            continue;
        }
        done += last - now;
        last = now;
    }
}
