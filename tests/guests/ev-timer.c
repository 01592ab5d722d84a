/* ev-timer: time, timers, block and poll, as a PV guest sees them.
 *   - vcpu_time_info extrapolates a monotonic system time; the wallclock is published;
 *   - a PV vcpu has a 100 Hz periodic VIRQ_TIMER by default (Xen), which
 *     VCPUOP_stop_periodic_timer stops and set_periodic_timer re-programs (< 1 ms: -EINVAL);
 *   - a singleshot timer (set_timer_op, VCPUOP_set_singleshot_timer) set for T raises
 *     VIRQ_TIMER at T or later, never earlier ("late" is printed: the system test bounds it
 *     under icount); VCPU_SSHOTTMR_future is ignored (Xen 4.17); set_timer_op(0) cancels;
 *   - SCHEDOP_block with nothing pending sleeps until the timer and returns with events
 *     unmasked and the upcall delivered; with an event pending it returns at once;
 *   - SCHEDOP_poll returns 0 when its timeout passes, wakes when a polled port is raised (even
 *     with events masked), returns at once for a pending port, and refuses bad ports (-EINVAL),
 *     too many ports (-EINVAL) and unreadable lists (-EFAULT).
 * Checked on Xen 4.17 (run-on-xen) and on Moat. */
#include "ev-lib.h"

#define CHECK(expr, want, what) MM_EXPECT(expr, want, what)
#define MS 1000000ull
#define US 1000ull

static int tport;

static unsigned timer_events(void) { return ev_port_count[tport]; }

/* waits (spinning, events enabled) until the timer port fired `more` times or `limit` ns */
static int wait_timer(unsigned before, unsigned more, uint64_t limit)
{
    uint64_t end = ev_now() + limit;
    while (timer_events() < before + more && ev_now() < end)
        ;
    return timer_events() >= before + more;
}

unsigned int guest_main(void)
{
    ev_init("ev-timer");

    /* time */
    uint64_t t0 = ev_now(), t1 = ev_now();
    mm_check(t0 > 0 && t1 >= t0, "system time runs and is monotonic", (long)(t1 - t0));
    CHECK(ev_vcpu->time.version & 1, 0, "vcpu_time_info version is even (no update running)");
    mm_check(ev_vcpu->time.tsc_to_system_mul != 0, "tsc_to_system_mul published", 0);
    CHECK(ev_shared->wc_version & 1, 0, "wc_version is even");
    mm_check(ev_shared->wc_sec > 1577836800u, "wallclock after 2020-01-01", ev_shared->wc_sec);
    print("ev-timer: system time %u ms, wallclock %u s, tsc mul 0x%x shift %d\n",
          (uint32_t)(t0 / MS), ev_shared->wc_sec, ev_vcpu->time.tsc_to_system_mul,
          ev_vcpu->time.tsc_shift);

    tport = ev_bind_virq(VIRQ_TIMER, 0);
    mm_check(tport > 0, "bind VIRQ_TIMER", tport);
    ev_unmask();

    /* the default 100 Hz periodic tick */
    unsigned b = timer_events();
    mm_check(wait_timer(b, 3, 100 * MS), "default periodic timer: 3 ticks within 100 ms",
             timer_events() - b);
    CHECK(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, 0), 0, "stop_periodic_timer");
    b = timer_events();
    ev_spin_until(ev_now() + 30 * MS);
    CHECK(timer_events() - b, 0, "no tick for 30 ms once stopped");

    struct vcpu_set_periodic_timer per = { .period_ns = 500 * US };
    CHECK(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &per), -XEN_EINVAL,
          "periodic period < 1 ms");
    per.period_ns = 2 * MS;
    CHECK(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &per), 0, "periodic 2 ms");
    b = timer_events();
    uint64_t start = ev_now();
    ev_spin_until(start + 21 * MS);
    unsigned ticks = timer_events() - b;
    print("ev-timer: %u ticks of a 2 ms periodic timer in 21 ms\n", ticks);
    mm_check(ticks >= 8 && ticks <= 12, "about 10 ticks in 21 ms", ticks);
    CHECK(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, 0), 0, "stop it again");
    ev_spin_until(ev_now() + 3 * MS);
    CHECK(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 5, 0), -XEN_ENOENT, "vcpu 5 does not exist");

    /* singleshot via set_timer_op: never early */
    b = timer_events();
    uint64_t T = ev_now() + 2 * MS;
    CHECK(ev_set_timer(T), 0, "set_timer_op(now + 2 ms)");
    mm_check(wait_timer(b, 1, 50 * MS), "it fires", 0);
    uint64_t late = ev_last_ns - T;
    mm_check(ev_last_ns >= T, "not before T", (long)(T - ev_last_ns));
    print("ev-timer: set_timer_op late %u ns\n", (uint32_t)late);
    mm_check(late < 10 * MS, "within 10 ms of T", (long)late);
    ev_spin_until(ev_now() + 5 * MS);
    CHECK(timer_events() - b, 1, "a singleshot fires once");

    /* VCPUOP_set_singleshot_timer */
    b = timer_events();
    T = ev_now() + 1 * MS;
    CHECK(ev_singleshot(T, VCPU_SSHOTTMR_future), 0, "set_singleshot_timer(now + 1 ms, future)");
    mm_check(wait_timer(b, 1, 50 * MS), "it fires", 0);
    mm_check(ev_last_ns >= T, "not before T", (long)(T - ev_last_ns));
    print("ev-timer: set_singleshot_timer late %u ns\n", (uint32_t)(ev_last_ns - T));
    /* Xen 4.17 ignores VCPU_SSHOTTMR_future (the header says it may): no -ETIME */
    b = timer_events();
    CHECK(ev_singleshot(ev_now() - 1 * MS, VCPU_SSHOTTMR_future), 0, "future flag, past time: 0");
    mm_check(wait_timer(b, 1, 5 * MS), "fires at once", 0);
    b = timer_events();
    CHECK(ev_singleshot(ev_now() - 1 * MS, 0), 0, "a past time without the flag");
    mm_check(wait_timer(b, 1, 5 * MS), "fires at once", 0);
    CHECK(ev_singleshot(ev_now(), 0), 0, "(and a stop after an expiry)");
    ev_spin_until(ev_now() + 1 * MS);
    struct vcpu_set_singleshot_timer ss = { .timeout_abs_ns = ev_now() + MS, .flags = 0 };
    CHECK(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 1, &ss), -XEN_ENOENT, "singleshot on vcpu 1");
    CHECK(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, 0), -XEN_EFAULT, "singleshot NULL argument");

    /* cancel */
    b = timer_events();
    CHECK(ev_set_timer(ev_now() + 1 * MS), 0, "arm for 1 ms");
    CHECK(ev_set_timer(0), 0, "set_timer_op(0) cancels");
    ev_spin_until(ev_now() + 4 * MS);
    CHECK(timer_events() - b, 0, "nothing fired");
    CHECK(ev_singleshot(ev_now() + 1 * MS, 0), 0, "arm again");
    CHECK(HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, 0), 0, "stop_singleshot_timer");
    ev_spin_until(ev_now() + 4 * MS);
    CHECK(timer_events() - b, 0, "nothing fired");

    /* block: sleeps until the timer, returns unmasked with the upcall delivered */
    ev_mask();
    b = timer_events();
    T = ev_now() + 3 * MS;
    CHECK(ev_singleshot(T, 0), 0, "timer for block");
    CHECK(ev_block(), 0, "SCHEDOP_block (masked, nothing pending)");
    uint64_t woke = ev_now();
    mm_check(woke >= T, "block returned no earlier than the timer", (long)(T - woke));
    CHECK(timer_events() - b, 1, "the timer upcall ran before block returned");
    CHECK(ev_vcpu->evtchn_upcall_mask, 0, "block unmasked events");
    print("ev-timer: block woke %u ns after T\n", (uint32_t)(woke - T));

    /* block with an event pending returns at once */
    int ipi = ev_bind_ipi(0);
    ev_mask();
    CHECK(ev_send(ipi), 0, "send an IPI while masked");
    uint64_t bs = ev_now();
    CHECK(ev_block(), 0, "block with an event pending");
    mm_check(ev_now() - bs < 5 * MS, "returned at once", (long)(ev_now() - bs));
    CHECK(ev_port_count[ipi], 1, "and the event was delivered");

    /* poll */
    int u = ev_alloc_unbound(DOMID_SELF, DOMID_SELF);
    evtchn_port_t ports[130];
    ports[0] = (evtchn_port_t)u;
    ev_mask();
    T = ev_now() + 2 * MS;
    CHECK(ev_poll(ports, 1, T), 0, "poll a quiet port with a timeout");
    woke = ev_now();
    mm_check(woke >= T, "poll returned at its timeout, not before", (long)(T - woke));
    print("ev-timer: poll timed out %u ns after its timeout\n", (uint32_t)(woke - T));
    CHECK(ev_vcpu->evtchn_upcall_mask, 1, "poll leaves the mask alone");

    ports[0] = (evtchn_port_t)tport;
    T = ev_now() + 2 * MS;
    CHECK(ev_singleshot(T, 0), 0, "timer for poll");
    CHECK(ev_poll(ports, 1, ev_now() + 200 * MS), 0, "poll the timer port (masked)");
    woke = ev_now();
    mm_check(woke >= T && woke < T + 100 * MS, "woken by the timer port, long before the timeout",
             (long)(woke - T));
    CHECK(ev_port_pending(tport), 1, "the timer port is pending");
    CHECK(ev_poll(ports, 1, ev_now() + 200 * MS), 0, "poll a pending port");
    mm_check(ev_now() - woke < 50 * MS, "returns at once", (long)(ev_now() - woke));
    b = timer_events();
    ev_unmask();
    CHECK(timer_events() - b, 1, "delivered once unmasked");
    ev_mask();

    ports[0] = 5000;
    CHECK(ev_poll(ports, 1, 0), -XEN_EINVAL, "poll port 5000");
    ports[0] = (evtchn_port_t)u;
    ports[1] = 100;
    CHECK(ev_poll(ports, 2, 0), -XEN_EINVAL, "poll a list with port 100 (past the bucket)");
    CHECK(ev_poll(ports, 129, 0), -XEN_EINVAL, "poll 129 ports");
    CHECK(ev_poll((evtchn_port_t *)0xF5800000u, 1, 0), -XEN_EFAULT, "poll list in the hypervisor area");
    CHECK(ev_poll((evtchn_port_t *)4, 1, 0), -XEN_EFAULT, "poll list at an unmapped address");
    CHECK(HYPERVISOR_sched_op(SCHEDOP_poll, 0), -XEN_EFAULT, "poll NULL argument");

    mm_check_alive();
    return mm_finish("ev-timer");
}
