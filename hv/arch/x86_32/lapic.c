/* The local APIC (xAPIC, memory-mapped): this CPU's id, IPIs, EOI and, on the APs, the one-shot
 * timer behind timer_hw_program (the boot CPU keeps the PIT, so a one-CPU Moat never touches
 * the local APIC at all).
 *
 * The APIC page is mapped uncached at LAPIC_VA (smp.h) by smp_init before any of this runs.
 * The timer is calibrated once against system time (the TSC): under QEMU TCG it counts at a
 * fixed rate of virtual time, on hardware at the bus clock; either way a measured rate is the
 * only honest one. */
#include <stdint.h>
#include "smp.h"
#include "moat_time.h"
#include "console.h"

#define APIC_ID        0x020
#define APIC_EOI       0x0B0
#define APIC_SVR       0x0F0
#define APIC_ICR_LOW   0x300
#define APIC_ICR_HIGH  0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TMICT     0x380
#define APIC_TMCCT     0x390
#define APIC_TDCR      0x3E0
#define APIC_ESR       0x280
#define SVR_ENABLE     0x100
#define LVT_MASKED     0x10000
#define TDCR_DIV_1     0xB

static inline uint32_t apic_read(uint32_t reg) { return *(volatile uint32_t *)(LAPIC_VA + reg); }
static inline void apic_write(uint32_t reg, uint32_t v) { *(volatile uint32_t *)(LAPIC_VA + reg) = v; }

static uint64_t timer_hz;          /* APIC timer counts per second at divide-by-1 */

uint32_t lapic_id(void) { return apic_read(APIC_ID) >> 24; }

void lapic_eoi(void) { apic_write(APIC_EOI, 0); }

void lapic_init_cpu(void)
{
    apic_write(APIC_SVR, SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
    apic_write(APIC_LVT_TIMER, LVT_MASKED | LAPIC_TIMER_VECTOR);
    apic_write(APIC_LVT_ERROR, LVT_MASKED);
    apic_write(APIC_TDCR, TDCR_DIV_1);
    if (lapic_id() != cpu_apic_id[0]) {
        /* An AP: the legacy PIC is wired to the boot CPU only (its LINT0 in ExtINT mode, as
         * the BIOS left it); here both lines stay masked so no device interrupt lands on an AP. */
        apic_write(APIC_LVT_LINT0, LVT_MASKED);
        apic_write(APIC_LVT_LINT1, LVT_MASKED);
    } else {
        /* The boot CPU stays in virtual-wire mode: the 8259 (PIT, COM1) through LINT0 as
         * ExtINT, NMI on LINT1. Written explicitly because enabling an APIC that was
         * software-disabled leaves every LVT masked. */
        apic_write(APIC_LVT_LINT0, 0x700);
        apic_write(APIC_LVT_LINT1, 0x400);
    }
    apic_write(APIC_ESR, 0);
    apic_write(APIC_ESR, 0);
}

int lapic_wait_icr_idle(void)
{
    for (unsigned i = 0; i < 1000000; i++) {
        if (!(apic_read(APIC_ICR_LOW) & ICR_PENDING))
            return 0;
        asm volatile("pause");
    }
    return -1;
}

void lapic_send_ipi(uint8_t apic_id, uint32_t icr_low)
{
    lapic_wait_icr_idle();
    apic_write(APIC_ICR_HIGH, (uint32_t)apic_id << 24);
    apic_write(APIC_ICR_LOW, icr_low);    /* this write sends it */
}

void lapic_timer_calibrate(void)
{
    apic_write(APIC_TDCR, TDCR_DIV_1);
    apic_write(APIC_LVT_TIMER, LVT_MASKED | LAPIC_TIMER_VECTOR);
    s_time_t t0 = NOW();
    apic_write(APIC_TMICT, 0xFFFFFFFFu);
    while (NOW() - t0 < MILLISECS(10))
        asm volatile("pause");
    uint32_t left = apic_read(APIC_TMCCT);
    s_time_t t1 = NOW();
    apic_write(APIC_TMICT, 0);
    uint64_t counted = 0xFFFFFFFFu - left;
    timer_hz = counted * 1000000000ull / (uint64_t)(t1 - t0);
    if (timer_hz == 0)
        timer_hz = 1000000000ull;
    log_info("local APIC timer: %llu kHz\n", (unsigned long long)(timer_hz / 1000));
}

void lapic_timer_program(uint64_t ns)
{
    if (ns == 0) {
        apic_write(APIC_TMICT, 0);
        return;
    }
    uint64_t ticks = (ns * (timer_hz / 1000) + 999999) / 1000000;   /* round up: never early */
    if (ticks == 0)
        ticks = 1;
    if (ticks > 0xFFFFFFFFu)
        ticks = 0xFFFFFFFFu;              /* an intermediate interrupt re-programs */
    apic_write(APIC_LVT_TIMER, LAPIC_TIMER_VECTOR);      /* one-shot, unmasked */
    apic_write(APIC_TMICT, (uint32_t)ticks);
}
