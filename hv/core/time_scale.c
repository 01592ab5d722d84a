/* The pure arithmetic of time (moat_time.h): the TSC scale, the vcpu_time_info and wallclock
 * version protocol, and calendar days for the CMOS clock. No hardware; host-tested.
 *
 * Invariants:
 *   - time_scale_delta(delta) == floor(((delta << shift) or (delta >> -shift)) * mul / 2^32),
 *     the guest's formula from <xen/xen.h>, bit for bit: Moat and the guest must agree;
 *   - a reader that sees the same even version before and after reading the fields has read
 *     one consistent update (writers make it odd first, even after, with compiler barriers
 *     between; x86 keeps stores in order). */
#include <stdint.h>
#include <xen/xen.h>
#include "moat_time.h"

#define NS_PER_SEC 1000000000ull

void time_scale_from_hz(struct time_scale *ts, uint64_t hz)
{
    int shift = 0;
    uint64_t t = hz ? hz : 1;
    /* bring t into (1e9, 2e9] so that 1e9 / t is a fraction in [1/2, 1) */
    while (t > 2 * NS_PER_SEC) {
        t >>= 1;
        shift--;
    }
    while (t <= NS_PER_SEC) {
        t <<= 1;
        shift++;
    }
    ts->shift = (int8_t)shift;
    ts->mul = (uint32_t)((NS_PER_SEC << 32) / t);
}

uint64_t time_scale_delta(uint64_t delta, const struct time_scale *ts)
{
    if (ts->shift < 0)
        delta >>= -ts->shift;
    else
        delta <<= ts->shift;
    uint64_t hi = delta >> 32, lo = delta & 0xFFFFFFFFu;
    return hi * ts->mul + ((lo * ts->mul) >> 32);
}

#define barrier() asm volatile("" ::: "memory")

void vcpu_time_write(struct vcpu_time_info *t, uint64_t tsc, uint64_t system_ns,
                     const struct time_scale *ts)
{
    volatile struct vcpu_time_info *vt = t;
    uint32_t v = (vt->version + 1) | 1;
    vt->version = v;
    barrier();
    vt->tsc_timestamp = tsc;
    vt->system_time = system_ns;
    vt->tsc_to_system_mul = ts->mul;
    vt->tsc_shift = ts->shift;
    barrier();
    vt->version = v + 1;
}

void wallclock_write(struct shared_info *s, uint64_t sec, uint32_t nsec)
{
    volatile struct shared_info *vs = s;
    uint32_t v = (vs->wc_version + 1) | 1;
    vs->wc_version = v;
    barrier();
    vs->wc_sec = (uint32_t)sec;
    vs->arch.wc_sec_hi = (uint32_t)(sec >> 32);
    vs->wc_nsec = nsec;
    barrier();
    vs->wc_version = v + 1;
}

int64_t days_from_civil(int64_t year, unsigned month, unsigned day)
{
    /* Count from 1 March of year 0 so that the leap day is the last day of a "year";
     * 32-bit arithmetic (no libgcc division needed) for years 0..9999. */
    int32_t y = (int32_t)year - (month <= 2);
    int32_t era = y / 400;
    int32_t yoe = y - era * 400;                                     /* [0, 399] */
    int32_t mp = (int32_t)month + (month > 2 ? -3 : 9);              /* March = 0 */
    int32_t doy = (153 * mp + 2) / 5 + (int32_t)day - 1;             /* [0, 365] */
    int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;             /* [0, 146096] */
    return (int64_t)era * 146097 + doe - 719468;                     /* 719468: 0000-03-01 .. 1970-01-01 */
}
