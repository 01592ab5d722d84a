/* ev-mask: the virtual interrupt flag and the 2-level event ABI, and the EVTCHNOP answers.
 *   - an event sent while the vcpu is masked is held (pending, selector, upcall_pending set)
 *     and arrives exactly once when the guest unmasks;
 *   - unmasking with an event pending and making a hypercall delivers the upcall on that
 *     hypercall's way back: the interrupted eip is the instruction after `int $0x82`, so the
 *     guest's next instruction already sees the upcall's effect;
 *   - a port masked in evtchn_mask holds its event until EVTCHNOP_unmask, which re-raises it;
 *   - the upcall enters with events masked and the frame's EFLAGS.IF = 1 (they were on);
 *   - bind_interdomain to an own unbound port, send, status, close; Xen's error codes for bad,
 *     closed and reserved ports, bad VIRQs and vcpus.
 * Expected answers checked on Xen 4.17 (run-on-xen) and on Moat. */
#include "ev-lib.h"

#define CHECK(expr, want, what) MM_EXPECT(expr, want, what)

unsigned int guest_main(void)
{
    struct evtchn_status st;
    ev_init("ev-mask");
    CHECK(ev_vcpu->evtchn_upcall_mask, 1, "events are masked at start of day");

    int p = ev_bind_ipi(0);
    mm_check(p > 0, "bind_ipi(vcpu 0) gives a port > 0", p);
    CHECK(ev_status(p, &st), 0, "status of the IPI port");
    CHECK(st.status, EVTCHNSTAT_ipi, "status says ipi");

    /* sent while masked: held, never delivered */
    CHECK(ev_send(p), 0, "send while masked");
    CHECK(ev_send(p), 0, "send again while masked");
    CHECK(ev_send(p), 0, "and a third time");
    CHECK(ev_port_pending(p), 1, "the port is pending");
    CHECK(ev_vcpu->evtchn_upcall_pending, 1, "evtchn_upcall_pending is set");
    CHECK((ev_vcpu->evtchn_pending_sel >> (p / 32)) & 1, 1, "the selector bit is set");
    ev_xen_version();
    ev_xen_version();
    CHECK(ev_upcalls, 0, "no upcall while masked, across hypercalls");

    /* unmask + hypercall: the upcall runs before the instruction after the hypercall */
    unsigned seen;
    ev_vcpu->evtchn_upcall_mask = 0;
    asm volatile("" ::: "memory");
    ev_xen_version();
    seen = ev_upcalls;
    CHECK(seen, 1, "exactly one upcall, already visible after the hypercall");
    CHECK(ev_port_count[p], 1, "the three sends arrived once");
    uint32_t hp = (uint32_t)hypercall_page + __HYPERVISOR_xen_version * 32;
    mm_check(ev_last_eip > hp && ev_last_eip < hp + 32,
             "the upcall interrupted the hypercall page entry right after the trap", ev_last_eip);
    CHECK((ev_last_eflags >> 9) & 1, 1, "the frame's EFLAGS.IF says events were enabled");
    CHECK(ev_vcpu->evtchn_upcall_mask, 0, "HYPERVISOR_iret restored the mask (enabled)");
    ev_xen_version();
    CHECK(ev_upcalls, 1, "no second upcall");

    /* an event while enabled is delivered on the send hypercall's own return */
    CHECK(ev_send(p), 0, "send while enabled");
    CHECK(ev_upcalls, 2, "delivered on the way back from the send");
    CHECK(ev_port_count[p], 2, "once more for the port");

    /* per-port mask, then EVTCHNOP_unmask re-raises */
    ev_mask_port(p);
    CHECK(ev_send(p), 0, "send on a masked port");
    CHECK(ev_port_pending(p), 1, "pending");
    CHECK(ev_vcpu->evtchn_upcall_pending, 0, "no upcall_pending for a masked port");
    CHECK(ev_upcalls, 2, "nothing delivered");
    CHECK(ev_unmask_port(p), 0, "EVTCHNOP_unmask");
    CHECK(ev_upcalls, 3, "the unmask re-raised it, delivered on its return");
    CHECK(ev_port_count[p], 3, "exactly once");

    /* masked again at the vcpu level: unmask through ev_unmask (the Linux pattern) */
    ev_mask();
    CHECK(ev_send(p), 0, "send while masked");
    CHECK(ev_upcalls, 3, "held");
    ev_unmask();
    CHECK(ev_upcalls, 4, "irq_enable with one pending: delivered at once");

    /* interdomain to itself */
    ev_mask();
    int u = ev_alloc_unbound(DOMID_SELF, DOMID_SELF);
    mm_check(u > 0, "alloc_unbound(self, self)", u);
    CHECK(ev_status(u, &st), 0, "status of the unbound port");
    CHECK(st.status, EVTCHNSTAT_unbound, "unbound");
    CHECK(ev_send(u), 0, "send on an unbound port is dropped silently");
    CHECK(ev_port_pending(u), 0, "and raises nothing");
    int l = ev_bind_interdomain(DOMID_SELF, u);
    mm_check(l > 0 && l != u, "bind_interdomain(self, unbound port)", l);
    CHECK(ev_port_pending(l), 1, "the new local port starts pending (Xen always raises it)");
    CHECK(ev_status(l, &st), 0, "status of the local end");
    CHECK(st.status, EVTCHNSTAT_interdomain, "interdomain");
    CHECK(st.u.interdomain.port, u, "names the remote port");
    CHECK(ev_send(l), 0, "send on the local end");
    CHECK(ev_port_pending(u), 1, "raises the remote end");
    CHECK(ev_bind_interdomain(DOMID_SELF, u), -XEN_EINVAL, "binding a bound port again");
    ev_unmask();
    CHECK(ev_port_count[u] + ev_port_count[l], 2, "both ends delivered once each");
    ev_mask();

    /* closed, bad and reserved ports */
    CHECK(ev_close(l), 0, "close the local end");
    CHECK(ev_status(u, &st), 0, "status of the other end");
    CHECK(st.status, EVTCHNSTAT_unbound, "is unbound again");
    CHECK(ev_send(l), -XEN_EINVAL, "send on a closed port");
    CHECK(ev_close(l), -XEN_EINVAL, "close a closed port");
    CHECK(ev_status(l, &st), 0, "status of a closed port");
    CHECK(st.status, EVTCHNSTAT_closed, "closed");
    CHECK(ev_send(0), -XEN_EINVAL, "send on port 0");
    CHECK(ev_close(0), -XEN_EINVAL, "close port 0");
    CHECK(ev_send(5000), -XEN_EINVAL, "send on port 5000");
    CHECK(ev_send(0xFFFFFFFFu), -XEN_EINVAL, "send on port 0xffffffff");
    CHECK(ev_status(5000, &st), -XEN_EINVAL, "status of port 5000");
    CHECK(ev_unmask_port(5000), -XEN_EINVAL, "unmask port 5000");
    CHECK(ev_close(1023), -XEN_EINVAL, "close port 1023 (never allocated)");
    long s63 = ev_status(63, &st);
    long s64 = ev_status(64, &st);
    print("ev-mask: status(63) = %d, status(64) = %d (bucket boundary)\n", s63, s64);
    CHECK(s63, 0, "a free port in the first bucket is merely closed");
    CHECK(s64, -XEN_EINVAL, "a port past the allocated bucket is invalid");

    /* VIRQs */
    int t = ev_bind_virq(VIRQ_TIMER, 0);
    mm_check(t > 0, "bind VIRQ_TIMER on vcpu 0", t);
    CHECK(ev_bind_virq(VIRQ_TIMER, 0), -XEN_EEXIST, "bind it twice");
    CHECK(ev_bind_virq(VIRQ_TIMER, 1), -XEN_ENOENT, "on a vcpu that does not exist");
    CHECK(ev_bind_virq(VIRQ_CONSOLE, 1), -XEN_EINVAL, "a global VIRQ on vcpu 1");
    CHECK(ev_bind_virq(NR_VIRQS, 0), -XEN_EINVAL, "VIRQ number NR_VIRQS");
    CHECK(ev_send(t), -XEN_EINVAL, "send on a VIRQ port");
    CHECK(ev_bind_ipi(1), -XEN_ENOENT, "bind_ipi on a vcpu that does not exist");
    CHECK(ev_status(t, &st), 0, "status of the VIRQ port");
    CHECK(st.status == EVTCHNSTAT_virq && st.u.virq == VIRQ_TIMER, 1, "virq, VIRQ_TIMER");
    CHECK(ev_close(t), 0, "close it");

    /* the compat hypercall (16) */
    struct evtchn_op op = { .cmd = EVTCHNOP_send, .u.send.port = 5000 };
    CHECK(HYPERVISOR_event_channel_op_compat(&op), -XEN_EINVAL, "compat op: send port 5000");
    CHECK(HYPERVISOR_event_channel_op(EVTCHNOP_send, 0), -XEN_EFAULT, "NULL argument");
    mm_check_alive();
    return mm_finish("ev-mask");
}
