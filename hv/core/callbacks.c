/* set_callbacks and callback_op: where the guest wants events, the failsafe path, NMIs and the
 * fast system-call entries delivered. As Xen 4.17 for a 32-bit PV guest (pv/callback.c):
 *   - every registered cs has RPL 0 raised to 1 (fixup_guest_code_selector);
 *   - register: event, failsafe (CALLBACKF_mask_events -> the failsafe entry masks events),
 *     syscall32 and sysenter (recorded with their mask flag; Moat has no syscall/sysenter fast
 *     path, the guest's int $0x80 gate is the system-call path), nmi (address only; cs is
 *     FLAT_RING1_CS); any other type -ENOSYS;
 *   - unregister: nmi -> 0; event, failsafe, syscall32, sysenter -> -EINVAL (they cannot be
 *     unregistered); any other type -ENOSYS;
 *   - callback_op with another command -EINVAL; an unreadable argument -EFAULT;
 *   - set_callbacks(event_cs, event_eip, failsafe_cs, failsafe_eip) always returns 0.
 * Invariant: a callback address is never checked here (as Xen); guest_bounce() refuses to enter
 * a null selector or Moat's area when the callback is used, and crashes the domain instead. */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/callback.h>
#include "domain.h"
#include "uaccess.h"
#include "moat_errno.h"

static uint16_t fixup_rpl(uint16_t sel) { return (sel & 3) == 0 ? (uint16_t)(sel | 1) : sel; }

static void set_flag(struct vcpu *v, uint32_t bit, int on)
{
    if (on)
        v->pv.cb_flags |= bit;
    else
        v->pv.cb_flags &= ~bit;
}

static long register_callback(struct vcpu *v, const struct callback_register *r)
{
    struct pv_callback cb = { fixup_rpl((uint16_t)r->address.cs), r->address.eip };
    int mask = (r->flags & CALLBACKF_mask_events) != 0;
    switch (r->type) {
    case CALLBACKTYPE_event:
        v->pv.event_cb = cb;
        return 0;
    case CALLBACKTYPE_failsafe:
        v->pv.failsafe_cb = cb;
        set_flag(v, PV_CB_FAILSAFE_MASK, mask);
        return 0;
    case CALLBACKTYPE_syscall32:
        v->pv.syscall32_cb = cb;
        set_flag(v, PV_CB_SYSCALL_MASK, mask);
        return 0;
    case CALLBACKTYPE_sysenter:
        v->pv.sysenter_cb = cb;
        set_flag(v, PV_CB_SYSENTER_MASK, mask);
        return 0;
    case CALLBACKTYPE_nmi:
        /* Xen: an NMI trap_info with FLAT_RING1_CS and "mask events" set */
        v->pv.nmi_cb.cs = FLAT_RING1_CS;
        v->pv.nmi_cb.eip = r->address.eip;
        set_flag(v, PV_CB_NMI_MASK, 1);
        return 0;
    default:
        return -ENOSYS;
    }
}

static long unregister_callback(struct vcpu *v, const struct callback_unregister *u)
{
    switch (u->type) {
    case CALLBACKTYPE_event:
    case CALLBACKTYPE_failsafe:
    case CALLBACKTYPE_syscall32:
    case CALLBACKTYPE_sysenter:
        return -EINVAL;
    case CALLBACKTYPE_nmi:
        v->pv.nmi_cb.cs = 0;
        v->pv.nmi_cb.eip = 0;
        return 0;
    default:
        return -ENOSYS;
    }
}

long do_callback_op(uint32_t cmd, uint32_t arg)
{
    struct vcpu *v = current_vcpu();
    switch (cmd) {
    case CALLBACKOP_register: {
        struct callback_register r;
        if (copy_from_guest(&r, arg, sizeof(r)))
            return -EFAULT;
        return register_callback(v, &r);
    }
    case CALLBACKOP_unregister: {
        struct callback_unregister u;
        if (copy_from_guest(&u, arg, sizeof(u)))
            return -EFAULT;
        return unregister_callback(v, &u);
    }
    default:
        return -EINVAL;
    }
}

long do_set_callbacks(uint32_t event_cs, uint32_t event_eip, uint32_t failsafe_cs,
                      uint32_t failsafe_eip)
{
    struct vcpu *v = current_vcpu();
    struct callback_register ev = { .type = CALLBACKTYPE_event,
                                    .address = { .cs = event_cs, .eip = event_eip } };
    struct callback_register fs = { .type = CALLBACKTYPE_failsafe,
                                    .address = { .cs = failsafe_cs, .eip = failsafe_eip } };
    register_callback(v, &ev);
    register_callback(v, &fs);
    return 0;
}
