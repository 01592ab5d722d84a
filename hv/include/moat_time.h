/* moat_time.h, not time.h: hv/include is on the -I path of host unit tests, where a "time.h"
 * would shadow the C library's <time.h>.
 *
 * Time (issue 6): system time, the TSC scale guests use to extrapolate it, wallclock, and the
 * per-CPU timer queues behind set_timer_op, the VCPUOP timers and SCHEDOP_poll timeouts.
 *
 * System time is nanoseconds since Moat calibrated the TSC at boot:
 *     NOW() = time_scale_delta(rdtsc() - boot_tsc, &tsc_scale)
 * and every vcpu_time_info Moat publishes uses exactly that tsc_scale, so a guest's
 *     system_time + (((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul) >> 32
 * equals Moat's NOW() (to the nanosecond of truncation). The TSC is calibrated once against
 * PIT channel 2 (50 ms) and rounded to the kHz; under QEMU TCG -icount shift=0 the TSC runs
 * at exactly 1 GHz of virtual time, which that rounding recovers exactly.
 *
 * Timers: struct timer is armed with an absolute system time; the timer's function runs
 * from the hardware timer interrupt of its CPU (never early: a timer whose deadline has not
 * come is re-armed), with interrupts off. Hardware: PIT channel 0 in one-shot mode (pit.c),
 * programmed only for the earliest deadline, so an idle Moat takes no periodic interrupts. */
#ifndef MOAT_MOAT_TIME_H
#define MOAT_MOAT_TIME_H
#include <stdint.h>
#include <xen/xen.h>

typedef int64_t s_time_t;           /* ns of system time */
#define MILLISECS(ms) ((s_time_t)(ms) * 1000000)
#define MICROSECS(us) ((s_time_t)(us) * 1000)
#define SECONDS(s)    ((s_time_t)(s) * 1000000000)

struct vcpu;
struct domain;

/* ---- TSC <-> ns scale (pure, time_scale.c) ----------------------------------------------- */
struct time_scale {
    int8_t shift;
    uint32_t mul;                   /* 32.32 fraction, as vcpu_time_info.tsc_to_system_mul */
};
/* ns per tick = mul * 2^shift / 2^32 = 1e9 / hz, with mul normalised to [2^31, 2^32). */
void time_scale_from_hz(struct time_scale *ts, uint64_t hz);
uint64_t time_scale_delta(uint64_t delta, const struct time_scale *ts);
/* The version protocol: version odd while the fields change, even again after. */
void vcpu_time_write(struct vcpu_time_info *t, uint64_t tsc, uint64_t system_ns,
                     const struct time_scale *ts);
void wallclock_write(struct shared_info *s, uint64_t sec, uint32_t nsec);
/* Days since 1970-01-01 of a proleptic Gregorian date (for the CMOS clock). */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

/* ---- system time (time.c) ---------------------------------------------------------------- */
void time_init(void);               /* calibrate the TSC, read the CMOS clock */
s_time_t NOW(void);
uint64_t time_tsc_khz(void);
/* Publish v's vcpu_time_info / d's wallclock (version protocol). */
void time_publish_vcpu(struct vcpu *v);
void time_publish_wallclock(struct domain *d);

/* ---- timers (timer.c; the queue logic is host-tested) ------------------------------------ */
struct timer {
    s_time_t expires;
    void (*fn)(void *data);
    void *data;
    struct timer *next;             /* in its CPU's queue, sorted by expires */
    uint8_t active;
    uint8_t cpu;
};
void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned cpu);
void set_timer(struct timer *t, s_time_t expires);   /* (re)arms; a past deadline fires asap */
void stop_timer(struct timer *t);
int timer_is_active(const struct timer *t);
/* The hardware timer interrupt of `cpu`: runs every timer due at `now`, re-arms the hardware
 * for the next one. Returns how many ran. */
unsigned timer_interrupt(unsigned cpu, s_time_t now);
s_time_t timer_next_deadline(unsigned cpu);          /* 0 if nothing is armed */
/* Arch (pit.c): arm this CPU's one-shot timer hardware for `deadline` (0: nothing to do). */
void timer_hw_program(s_time_t deadline, s_time_t now);

/* ---- per-vcpu guest timers (vcpu_op.c) ---------------------------------------------------- */
struct vcpu_timers {
    struct timer singleshot;        /* set_timer_op, VCPUOP_set_singleshot_timer */
    struct timer periodic;          /* VCPUOP_set_periodic_timer; runs only while the vcpu runs */
    struct timer poll;              /* SCHEDOP_poll timeout */
    s_time_t periodic_period;       /* 0 = off; Xen's PV default is 10 ms (100 Hz) */
    s_time_t periodic_last;
};
#define PERIODIC_DEFAULT MILLISECS(10)
void vcpu_timers_init(struct vcpu *v);
void vcpu_periodic_timer_work(struct vcpu *v);   /* on switch-in: deliver if overdue, arm */
void vcpu_timers_switch_out(struct vcpu *v);     /* stops the periodic timer */
/* do_set_timer_op / do_vcpu_op: declared by the hypercall table only (hypercall.c). */
#endif
