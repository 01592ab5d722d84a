/* The guest timers: HYPERVISOR_set_timer_op and the timer VCPUOPs (Xen 4.17 semantics), and
 * the per-vcpu periodic tick.
 *
 *   set_timer_op(lo, hi)          absolute system time in ns, as two 32-bit halves (x86_32):
 *                                 0 stops the singleshot timer; a negative time or one more
 *                                 than 2^50 ns (~13 days) ahead is Linux's wrapped-jiffies
 *                                 bug, and fires 100 ms from now instead, as Xen does; a time
 *                                 in the past fires at once. Always 0.
 *   VCPUOP_set_singleshot_timer   only for the calling vcpu (-EINVAL otherwise). The flag
 *                                 VCPU_SSHOTTMR_future is ignored, as Xen 4.17 does (the
 *                                 header allows it; checked on Xen: a past time with the flag
 *                                 returns 0 and fires at once, no -ETIME).
 *   VCPUOP_stop_singleshot_timer  calling vcpu only (-EINVAL).
 *   VCPUOP_set_periodic_timer     period < 1 ms or > 2^62 ns: -EINVAL. Any vcpu of the domain.
 *   VCPUOP_stop_periodic_timer    period 0.
 *   VCPUOP_is_up                  1 if the vcpu is up, else 0.
 *   other VCPUOPs                 -ENOSYS here (vcpu bring-up is issue 10);
 *   a vcpuid the domain does not have: -ENOENT.
 * Every fired timer raises VIRQ_TIMER on its vcpu. The periodic timer - 100 Hz by default for
 * a PV vcpu, as Xen, until the guest stops it - runs only while its vcpu runs. */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/vcpu.h>
#include "domain.h"
#include "moat_time.h"
#include "event.h"
#include "uaccess.h"
#include "moat_errno.h"

long vcpu_op_lifecycle(uint32_t cmd, struct vcpu *v, uint32_t arg) __attribute__((weak));

#define STIME_DELTA_MAX ((s_time_t)(~0ull >> 2))

static void singleshot_fired(void *data)
{
    send_guest_vcpu_virq(data, VIRQ_TIMER);
}

static void periodic_fired(void *data)
{
    vcpu_periodic_timer_work(data);
}

void vcpu_timers_init(struct vcpu *v)
{
    unsigned cpu = v->sched.processor;
    init_timer(&v->timers.singleshot, singleshot_fired, v, cpu);
    init_timer(&v->timers.periodic, periodic_fired, v, cpu);
    v->timers.periodic_period = PERIODIC_DEFAULT;
    v->timers.periodic_last = 0;
}

void vcpu_periodic_timer_work(struct vcpu *v)
{
    stop_timer(&v->timers.periodic);
    if (!v->timers.periodic_period)
        return;
    s_time_t now = NOW();
    s_time_t next = v->timers.periodic_last + v->timers.periodic_period;
    if (now >= next) {
        send_guest_vcpu_virq(v, VIRQ_TIMER);
        v->timers.periodic_last = now;
        next = now + v->timers.periodic_period;
    }
    set_timer(&v->timers.periodic, next);
}

void vcpu_timers_switch_out(struct vcpu *v)
{
    stop_timer(&v->timers.periodic);
}

long do_set_timer_op(uint32_t lo, uint32_t hi)
{
    struct vcpu *v = current_vcpu();
    s_time_t timeout = (s_time_t)(((uint64_t)hi << 32) | lo);
    s_time_t now = NOW();
    s_time_t offset = timeout - now;
    if (timeout == 0)
        stop_timer(&v->timers.singleshot);
    else if (timeout < 0 || (offset > 0 && (offset >> 50) != 0))
        set_timer(&v->timers.singleshot, now + MILLISECS(100));
    else
        set_timer(&v->timers.singleshot, timeout);
    return 0;
}

long do_vcpu_op(uint32_t cmd, uint32_t vcpuid, uint32_t arg)
{
    struct domain *d = current_domain();
    struct vcpu *v = vcpuid < d->nr_vcpus ? d->vcpu[vcpuid] : 0;
    if (!v)
        return -ENOENT;

    switch (cmd) {
    case VCPUOP_set_periodic_timer: {
        struct vcpu_set_periodic_timer set;
        if (copy_from_guest(&set, arg, sizeof(set)))
            return -EFAULT;
        if (set.period_ns < (uint64_t)MILLISECS(1) || set.period_ns > (uint64_t)STIME_DELTA_MAX)
            return -EINVAL;
        v->timers.periodic_period = (s_time_t)set.period_ns;
        if (v->sched.runstate == RUNSTATE_running)
            vcpu_periodic_timer_work(v);
        return 0;
    }
    case VCPUOP_stop_periodic_timer:
        v->timers.periodic_period = 0;
        stop_timer(&v->timers.periodic);
        return 0;
    case VCPUOP_set_singleshot_timer: {
        struct vcpu_set_singleshot_timer set;
        if (v != current_vcpu())
            return -EINVAL;
        if (copy_from_guest(&set, arg, sizeof(set)))
            return -EFAULT;
        set_timer(&v->timers.singleshot, (s_time_t)set.timeout_abs_ns);
        return 0;
    }
    case VCPUOP_stop_singleshot_timer:
        if (v != current_vcpu())
            return -EINVAL;
        stop_timer(&v->timers.singleshot);
        return 0;
    case VCPUOP_is_up:
        return v->online ? 1 : 0;
    /* issue 10 (helper H14, vcpu_up.c): the vcpu life-cycle ops. Weak, so the host tests
     * that link this file without vcpu_up.c answer -ENOSYS as before. */
    case VCPUOP_initialise:
    case VCPUOP_up:
    case VCPUOP_down:
    case VCPUOP_get_runstate_info:
    case VCPUOP_register_vcpu_info:
        return vcpu_op_lifecycle ? vcpu_op_lifecycle(cmd, v, arg) : -ENOSYS;
    default:
        return -ENOSYS;
    }
}
