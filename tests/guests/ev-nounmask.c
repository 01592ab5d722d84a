/* ev-nounmask: a guest that keeps events masked and never enters Moat on purpose.
 * With VIRQ_TIMER bound and the default 100 Hz periodic timer running, it spins for 60 ms of
 * system time without a single hypercall: the hypervisor's timer interrupts must still come
 * (they are real interrupts, which a ring-1 guest cannot mask), so the timer port and
 * evtchn_upcall_pending become set behind the guest's back - but no upcall is ever entered.
 * Then a one-shot timer 1 ms ahead fires while masked too, and the hypervisor still answers.
 * The guest powers off without ever unmasking. Checked on Xen 4.17 and on Moat. */
#include "ev-lib.h"

#define CHECK(expr, want, what) MM_EXPECT(expr, want, what)
#define MS 1000000ull

unsigned int guest_main(void)
{
    ev_init("ev-nounmask");
    int t = ev_bind_virq(VIRQ_TIMER, 0);
    mm_check(t > 0, "bind VIRQ_TIMER", t);
    CHECK(ev_vcpu->evtchn_upcall_mask, 1, "events masked");

    uint64_t start = ev_now();
    unsigned seen_pending_at = 0, iterations = 0;
    while (ev_now() < start + 60 * MS) {          /* no hypercall in this loop */
        iterations++;
        if (!seen_pending_at && ev_port_pending(t))
            seen_pending_at = (unsigned)((ev_now() - start) / 1000);
    }
    print("ev-nounmask: timer port pending after %u us of a 60 ms masked spin (%u iterations)\n",
          seen_pending_at, iterations);
    mm_check(seen_pending_at > 0 && seen_pending_at <= 20000,
             "the periodic tick raised the port within 20 ms while the guest spun masked",
             seen_pending_at);
    CHECK(ev_vcpu->evtchn_upcall_pending, 1, "evtchn_upcall_pending set behind the guest's back");
    CHECK(ev_upcalls, 0, "no upcall entered while masked");

    /* consume by hand (no upcall), then a one-shot while still masked */
    ev_vcpu->evtchn_upcall_pending = 0;
    ev_vcpu->evtchn_pending_sel = 0;
    __atomic_fetch_and(&ev_shared->evtchn_pending[t / 32], ~(1u << (t % 32)), __ATOMIC_SEQ_CST);
    CHECK(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, 0), 0, "stop the periodic tick");
    uint64_t T = ev_now() + 1 * MS;
    CHECK(ev_set_timer(T), 0, "one-shot 1 ms ahead");
    while (!ev_port_pending(t) && ev_now() < T + 50 * MS)
        ;
    mm_check(ev_port_pending(t) && ev_now() >= T, "it fired while masked, not before T", 0);
    CHECK(ev_upcalls, 0, "still no upcall");
    CHECK(ev_vcpu->evtchn_upcall_mask, 1, "and the mask is still set");
    mm_check_alive();
    CHECK(ev_upcalls, 0, "no upcall on the way back from hypercalls either");
    return mm_finish("ev-nounmask");
}
