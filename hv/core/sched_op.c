/* HYPERVISOR_sched_op(cmd, arg) and the older sched_op_compat(cmd, arg).
 *
 *   SCHEDOP_yield          0; the CPU goes to another runnable vcpu, if any (sched.c)
 *   SCHEDOP_block          0; clears the event mask and sleeps until an event is pending (at
 *                          once if one already is); the upcall is delivered on the way back
 *   SCHEDOP_poll           arg -> struct sched_poll: sleeps until a listed port is pending or
 *                          the absolute timeout passes; 0, -EINVAL, -EFAULT (sched.c)
 *   SCHEDOP_shutdown       arg -> struct sched_shutdown; the reason is taken as a byte, as
 *                          Xen does; -EFAULT for a bad pointer. Does not return to the guest
 *                          when it was the last running domain.
 *   SCHEDOP_shutdown_code  records the reason to report later; not a shutdown
 *   others (remote_shutdown, watchdog, pin_override): -ENOSYS, which is what Xen answers for
 *   a command it does not know.
 * sched_op_compat takes the shutdown reason directly in arg (Xen's SCHEDOP_shutdown compat). */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/sched.h>
#include "hypercall.h"
#include "uaccess.h"
#include "moat_errno.h"
#include "moat_sched.h"

long do_sched_op(uint32_t cmd, uint32_t arg)
{
    struct domain *d = current_domain();
    struct sched_shutdown s;

    switch (cmd) {
    case SCHEDOP_yield:
        return vcpu_yield();
    case SCHEDOP_block:
        return vcpu_block_enable_events();
    case SCHEDOP_poll:
        return vcpu_poll(arg);
    case SCHEDOP_shutdown:
        if (copy_from_guest(&s, arg, sizeof(s)))
            return -EFAULT;
        domain_shutdown(d, (uint8_t)s.reason);
        return 0;
    case SCHEDOP_shutdown_code:
        if (copy_from_guest(&s, arg, sizeof(s)))
            return -EFAULT;
        d->shutdown_code = (uint8_t)s.reason;
        d->has_shutdown_code = 1;
        return 0;
    default:
        return -ENOSYS;
    }
}

long do_sched_op_compat(uint32_t cmd, uint32_t arg)
{
    switch (cmd) {
    case SCHEDOP_yield:
        return vcpu_yield();
    case SCHEDOP_block:
        return vcpu_block_enable_events();
    case SCHEDOP_shutdown:
        domain_shutdown(current_domain(), (uint8_t)arg);
        return 0;
    default:
        return -ENOSYS;
    }
}
