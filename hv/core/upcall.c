/* The event upcall: how a pending event reaches the guest (Xen's test_all_events on the exit
 * path of every trap, hypercall and interrupt).
 *
 * Rule: on the way back into a guest context, if the vcpu has evtchn_upcall_pending set and
 * evtchn_upcall_mask clear, the guest does not resume where it was: a bounce frame for the
 * interrupted context is pushed on its kernel stack and it enters its event callback
 * (set_callbacks / callback_op) with events masked (TBF_INTERRUPT; the old mask travels in
 * the frame, bits 16-23 of the saved cs, and EFLAGS.IF of the frame says "events were on").
 * A guest that unmasks with an event pending gets the upcall on its next entry into Moat,
 * which is why it makes a hypercall (any) right after unmasking. Exactly one frame per
 * exit: the bounce masks events, so the check cannot fire twice.
 * A callback that cannot be entered (none registered, a bad stack) crashes the domain in
 * guest_bounce with the reason, as the equivalent fault would on Xen. */
#include <stdint.h>
#include <xen/xen.h>
#include "domain.h"
#include "event.h"
#include "bounce.h"
#include "stats.h"
#include "moat_sched.h"

void evtchn_check_upcall(struct vcpu *v, struct cpu_user_regs *regs)
{
    if (!v || !guest_mode(regs) || !v->vcpu_info || v->domain->state != DOM_RUNNING)
        return;
    if (!vcpu_info_events_deliverable(v->vcpu_info))
        return;
    if (guest_bounce(v, regs, v->pv.event_cb.cs, v->pv.event_cb.eip, TBF_INTERRUPT, 0) == 0)
        stats_event_delivered(v);
}

/* The return-to-guest hook (bounce.h; return_hooks.c has the weak default and the order). */
void return_to_guest_check(struct vcpu *v, struct cpu_user_regs *regs)
{
    sched_return_check(v, regs);     /* may switch to another vcpu or idle: no return then */
    evtchn_check_upcall(v, regs);
}
