/* The hypervisor timer interrupt: PIT channel 0 in one-shot mode (mode 0) on IRQ 0.
 *
 * Only the earliest timer deadline is programmed (timer.c), so Moat takes no interrupt while
 * nothing is armed. The PIT counts at 1.193182 MHz and 16 bits, so one shot reaches at most
 * ~54.9 ms: a later deadline takes an intermediate interrupt that finds nothing due and
 * re-programs. Ticks are rounded up, so the interrupt never comes before the deadline by the
 * PIT's own clock; timer_interrupt() re-checks against NOW() (the TSC) anyway.
 * Under QEMU TCG with -icount the PIT, like the TSC, runs on virtual time: deadlines are
 * exact to the PIT tick (838 ns) plus the interrupt path. */
#include <stdint.h>
#include "moat_time.h"
#include "x86.h"
#include "cpu.h"
#include "smp.h"

#define PIT_HZ 1193182u

void timer_hw_program(s_time_t deadline, s_time_t now)
{
    s_time_t delta = deadline - now;
    uint32_t ticks;
    if (deadline == 0)
        return;
    if (this_cpu()->id != 0) {
        /* an AP (smp.c): its own local APIC timer; the PIT belongs to the boot CPU */
        lapic_timer_program(delta <= 0 ? 1 : delta > SECONDS(1) ? (uint64_t)SECONDS(1) : (uint64_t)delta);
        return;
    }
    if (delta <= 0)
        ticks = 1;
    else if (delta >= MILLISECS(60))
        ticks = 0xFFFF;
    else {
        uint64_t t = ((uint64_t)delta * PIT_HZ + 999999999u) / 1000000000u;
        ticks = t == 0 ? 1 : t > 0xFFFF ? 0xFFFF : (uint32_t)t;
    }
    outb(0x43, 0x30);                    /* channel 0, lo/hi byte, mode 0 (one shot) */
    outb(0x40, (uint8_t)(ticks & 0xFF));
    outb(0x40, (uint8_t)(ticks >> 8));
}
