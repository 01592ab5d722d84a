/* System time and wallclock (moat_time.h): the TSC calibrated once against the PIT, the CMOS
 * clock read once at boot, and their publication to guests.
 *
 * Invariants:
 *   - NOW() is monotonic and starts at 0 when time_init() calibrated the TSC; every
 *     vcpu_time_info Moat writes carries the same scale, so guest and Moat agree on the time;
 *   - wc_sec/wc_nsec is the wallclock time at system time 0 (the CMOS reading minus the
 *     system time at which it was read), so wallclock = wc + system_time, as xen.h says. */
#include <stdint.h>
#include <xen/xen.h>
#include "moat_time.h"
#include "domain.h"
#include "console.h"
#include "x86.h"

#define PIT_HZ        1193182u
#define PIT_CAL_LATCH (PIT_HZ / 20)      /* 50 ms */

static struct time_scale tsc_scale;
static uint64_t boot_tsc;
static uint64_t tsc_khz;
static uint64_t wc_boot_sec;
static uint32_t wc_boot_nsec;

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

s_time_t NOW(void)
{
    return (s_time_t)time_scale_delta(rdtsc() - boot_tsc, &tsc_scale);
}

uint64_t time_tsc_khz(void) { return tsc_khz; }

/* PIT channel 2 (gate and output on port 0x61) in mode 0 counts PIT_CAL_LATCH ticks; the TSC
 * ticks meanwhile give its frequency. Channel 0 stays free for the timer interrupt. */
static uint64_t calibrate_tsc_hz(void)
{
    outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));   /* gate on, speaker off */
    outb(0x43, 0xB0);                                     /* ch2, lo/hi byte, mode 0 */
    outb(0x42, PIT_CAL_LATCH & 0xFF);
    outb(0x42, PIT_CAL_LATCH >> 8);
    uint64_t t0 = rdtsc();
    uint32_t spins = 0;
    while (!(inb(0x61) & 0x20))
        if (++spins == 0x10000000u)
            return 0;
    uint64_t t1 = rdtsc();
    return (t1 - t0) * PIT_HZ / PIT_CAL_LATCH;
}

static uint8_t cmos_read(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static unsigned bcd(uint8_t v, int binary) { return binary ? v : (v >> 4) * 10 + (v & 15); }

/* Seconds since the epoch from the CMOS clock (two equal readings outside an update). */
static uint64_t cmos_epoch_seconds(void)
{
    uint8_t r[7], again[7];
    const uint8_t regs[7] = { 0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x32 };
    for (int tries = 0; tries < 10; tries++) {
        for (uint32_t spin = 0; spin < 1000000 && (cmos_read(0x0A) & 0x80); spin++)
            ;
        for (int i = 0; i < 7; i++)
            r[i] = cmos_read(regs[i]);
        for (int i = 0; i < 7; i++)
            again[i] = cmos_read(regs[i]);
        int same = 1;
        for (int i = 0; i < 7; i++)
            same &= r[i] == again[i];
        if (same)
            break;
    }
    uint8_t b = cmos_read(0x0B);
    int binary = (b & 0x04) != 0;
    unsigned hour = bcd(r[2] & 0x7F, binary);
    if (!(b & 0x02) && (r[2] & 0x80))                       /* 12-hour clock, PM */
        hour = hour % 12 + 12;
    unsigned century = bcd(r[6], binary);
    unsigned year = bcd(r[5], binary) + (century >= 19 && century <= 21 ? century * 100 : 2000);
    int64_t days = days_from_civil(year, bcd(r[4], binary), bcd(r[3], binary));
    return (uint64_t)(days * 86400 + hour * 3600 + bcd(r[1], binary) * 60 + bcd(r[0], binary));
}

void time_init(void)
{
    uint64_t hz = calibrate_tsc_hz();
    if (hz == 0) {
        log_warn("time: PIT channel 2 never counted down; assuming a 1 GHz TSC\n");
        hz = 1000000000ull;
    }
    tsc_khz = (hz + 500) / 1000;
    time_scale_from_hz(&tsc_scale, tsc_khz * 1000);
    boot_tsc = rdtsc();
    uint64_t wc = cmos_epoch_seconds();
    s_time_t at = NOW();
    /* wallclock at system time 0 = reading - at */
    uint64_t ns = wc * 1000000000ull - (uint64_t)at;
    wc_boot_sec = ns / 1000000000ull;
    wc_boot_nsec = (uint32_t)(ns % 1000000000ull);
    log_info("time: TSC %llu kHz (calibrated against the PIT), scale mul %#x shift %d; "
             "wallclock %llu s since the epoch\n", (unsigned long long)tsc_khz, tsc_scale.mul,
             tsc_scale.shift, (unsigned long long)wc);
}

void time_publish_vcpu(struct vcpu *v)
{
    if (!v->vcpu_info)
        return;
    uint64_t tsc = rdtsc();
    vcpu_time_write(&v->vcpu_info->time, tsc, time_scale_delta(tsc - boot_tsc, &tsc_scale),
                    &tsc_scale);
}

void time_publish_wallclock(struct domain *d)
{
    if (d->shared_info)
        wallclock_write(d->shared_info, wc_boot_sec, wc_boot_nsec);
}
