/* HYPERVISOR_event_channel_op(cmd, arg) and the older event_channel_op_compat(op): the
 * per-domain port table and what each EVTCHNOP does to it (event.h has the model).
 *
 * Invariants:
 *   - only ports below d->evtchn.valid are ever read or written; every guest-supplied port,
 *     vcpu and VIRQ number is range-checked before it indexes anything;
 *   - port 0 is ECS_RESERVED forever: no operation hands it out, binds or closes it;
 *   - the two ends of an interdomain channel always name each other (closing one end turns
 *     the other back into UNBOUND for the closing domain, as Xen does);
 *   - a VIRQ is bound on at most one port per vcpu (virq_to_port), global VIRQs on vcpu 0;
 *   - closing a port clears its pending bit (Xen free_evtchn) so a re-bound port starts
 *     quiet; its mask bit belongs to the guest and is left alone.
 * Answers follow Xen 4.17 event_channel.c: -EINVAL for a port outside the allocated buckets,
 * a closed/reserved/VIRQ port where a channel is needed, or a bad VIRQ; -ENOENT for a vcpu
 * that does not exist; -ESRCH for an unknown domain; -EEXIST for a VIRQ already bound;
 * -ENOSPC when the 1024 2-level ports are used up; -EPERM where Xen's default (dummy XSM)
 * policy refuses an unprivileged domain. FIFO events (init_control, expand_array,
 * set_priority) are not implemented: -ENOSYS, on which guests fall back to 2-level. */
#include <stdint.h>
#include <stddef.h>
#include <xen/xen.h>
#include <xen/event_channel.h>
#include "domain.h"
#include "event.h"
#include "moat_sched.h"
#include "uaccess.h"
#include "moat_errno.h"

int evtchn_virq_is_global(uint32_t virq)
{
    switch (virq) {
    case VIRQ_TIMER:
    case VIRQ_DEBUG:
    case VIRQ_XENOPROF:
    case VIRQ_XENPMU:
        return 0;
    default:
        return 1;          /* x86: every VIRQ_ARCH_* is global too */
    }
}

void evtchn_domain_init(struct domain *d)
{
    for (uint32_t p = 0; p < EVTCHN_2L_PORTS; p++)
        d->evtchn.port[p] = (struct evtchn){ .state = ECS_FREE };
    d->evtchn.port[0].state = ECS_RESERVED;
    d->evtchn.valid = EVTCHN_BUCKET;
    d->evtchn.poll_mask = 0;
}

void evtchn_vcpu_init(struct vcpu *v)
{
    for (unsigned i = 0; i < NR_VIRQS; i++)
        v->evt.virq_to_port[i] = 0;
    v->evt.poll_port = 0;
}

static int port_valid(const struct domain *d, uint32_t port)
{
    return port < d->evtchn.valid;
}

static struct vcpu *domain_vcpu(struct domain *d, uint32_t id)
{
    return id < d->nr_vcpus ? d->vcpu[id] : NULL;
}

/* Xen's get_free_port: the lowest free port in the allocated buckets, else the first port of
 * a new bucket. */
static int get_free_port(struct domain *d)
{
    uint32_t p;
    for (p = 0; p < d->evtchn.valid; p++)
        if (d->evtchn.port[p].state == ECS_FREE)
            return (int)p;
    if (p >= EVTCHN_2L_PORTS)
        return -ENOSPC;
    d->evtchn.valid += EVTCHN_BUCKET;
    return (int)p;
}

static struct domain *domain_by_id(uint32_t domid)
{
    if (domid == DOMID_SELF)
        return current_domain();
    return domid < MOAT_MAX_DOMAINS ? domains[domid] : NULL;
}

/* Xen's dummy XSM_TARGET: a domain may act on itself; the initial domain on anyone. */
static int may_target(const struct domain *d)
{
    struct domain *cur = current_domain();
    return d == cur || cur->is_initial;
}

/* Wake vcpus of d blocked in SCHEDOP_poll on `port` (or on several ports). */
static void check_pollers(struct domain *d, uint32_t port)
{
    if (!d->evtchn.poll_mask)
        return;
    for (uint32_t i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        if (!(d->evtchn.poll_mask & (1u << i)) || !v)
            continue;
        if (v->evt.poll_port <= 0 || (uint32_t)v->evt.poll_port == port) {
            d->evtchn.poll_mask &= ~(1u << i);
            v->evt.poll_port = 0;
            vcpu_unblock(v);
        }
    }
}

static void set_pending(struct domain *d, uint32_t vcpu_id, uint32_t port)
{
    struct vcpu *v = domain_vcpu(d, vcpu_id);
    if (!v || !v->vcpu_info || !d->shared_info)
        return;
    if (evtchn_2l_set_pending(d->shared_info, v->vcpu_info, port) & EV2L_KICK)
        vcpu_kick(v);
    check_pollers(d, port);
}

void send_guest_vcpu_virq(struct vcpu *v, uint32_t virq)
{
    if (virq >= NR_VIRQS || evtchn_virq_is_global(virq))
        return;
    uint32_t port = v->evt.virq_to_port[virq];
    if (port)
        set_pending(v->domain, v->vcpu_id, port);
}

void send_guest_global_virq(struct domain *d, uint32_t virq)
{
    if (!d || d->state != DOM_RUNNING || virq >= NR_VIRQS || !evtchn_virq_is_global(virq) ||
        !d->vcpu[0])
        return;
    uint32_t port = d->vcpu[0]->evt.virq_to_port[virq];
    if (port)
        set_pending(d, d->evtchn.port[port].notify_vcpu, port);
}

int evtchn_port_is_pending(struct domain *d, uint32_t port)
{
    return d->shared_info && evtchn_2l_is_pending(d->shared_info, port);
}

/* ---- the operations ------------------------------------------------------------------- */

static long alloc_unbound(struct evtchn_alloc_unbound *a)
{
    struct domain *d = domain_by_id(a->dom);
    if (!d)
        return -ESRCH;
    if (!may_target(d))
        return -EPERM;
    int port = get_free_port(d);
    if (port < 0)
        return port;
    struct evtchn *c = &d->evtchn.port[port];
    c->state = ECS_UNBOUND;
    c->notify_vcpu = 0;
    c->remote_dom = a->remote_dom == DOMID_SELF ? current_domain()->domid : a->remote_dom;
    a->port = (evtchn_port_t)port;
    return 0;
}

static long bind_interdomain(struct evtchn_bind_interdomain *b)
{
    struct domain *ld = current_domain();
    struct domain *rd = domain_by_id(b->remote_dom);
    if (!rd)
        return -ESRCH;
    int lport = get_free_port(ld);
    if (lport < 0)
        return lport;
    uint32_t rport = b->remote_port;
    if (!port_valid(rd, rport))
        return -EINVAL;
    struct evtchn *rc = &rd->evtchn.port[rport];
    if (rc->state != ECS_UNBOUND || rc->remote_dom != ld->domid)
        return -EINVAL;
    struct evtchn *lc = &ld->evtchn.port[lport];
    /* a domain binding to its own unbound port: both ends are in ld; lport != rport since
     * rport is not free */
    lc->state = ECS_INTERDOMAIN;
    lc->notify_vcpu = 0;
    lc->remote_dom = rd->domid;
    lc->u.remote_port = (uint16_t)rport;
    rc->state = ECS_INTERDOMAIN;
    rc->remote_dom = ld->domid;
    rc->u.remote_port = (uint16_t)lport;
    /* the remote end may have been signalled while unbound: Xen always raises the new port */
    set_pending(ld, lc->notify_vcpu, (uint32_t)lport);
    b->local_port = (evtchn_port_t)lport;
    return 0;
}

static long bind_virq(struct evtchn_bind_virq *b)
{
    struct domain *d = current_domain();
    if (b->virq >= NR_VIRQS)
        return -EINVAL;
    if (evtchn_virq_is_global(b->virq) && b->vcpu != 0)
        return -EINVAL;
    struct vcpu *v = domain_vcpu(d, b->vcpu);
    if (!v)
        return -ENOENT;
    if (v->evt.virq_to_port[b->virq])
        return -EEXIST;
    int port = get_free_port(d);
    if (port < 0)
        return port;
    struct evtchn *c = &d->evtchn.port[port];
    c->state = ECS_VIRQ;
    c->notify_vcpu = (uint8_t)b->vcpu;
    c->u.virq = (uint16_t)b->virq;
    v->evt.virq_to_port[b->virq] = (uint16_t)port;
    b->port = (evtchn_port_t)port;
    return 0;
}

static long bind_ipi(struct evtchn_bind_ipi *b)
{
    struct domain *d = current_domain();
    if (!domain_vcpu(d, b->vcpu))
        return -ENOENT;
    int port = get_free_port(d);
    if (port < 0)
        return port;
    struct evtchn *c = &d->evtchn.port[port];
    c->state = ECS_IPI;
    c->notify_vcpu = (uint8_t)b->vcpu;
    b->port = (evtchn_port_t)port;
    return 0;
}

static long close_port(struct domain *d, uint32_t port)
{
    if (!port_valid(d, port))
        return -EINVAL;
    struct evtchn *c = &d->evtchn.port[port];
    switch (c->state) {
    case ECS_FREE:
    case ECS_RESERVED:
        return -EINVAL;
    case ECS_UNBOUND:
    case ECS_IPI:
    case ECS_PIRQ:
        break;
    case ECS_VIRQ:
        for (uint32_t i = 0; i < d->nr_vcpus; i++)
            if (d->vcpu[i] && d->vcpu[i]->evt.virq_to_port[c->u.virq] == port)
                d->vcpu[i]->evt.virq_to_port[c->u.virq] = 0;
        break;
    case ECS_INTERDOMAIN: {
        struct domain *rd = domain_by_id(c->remote_dom);
        if (rd && port_valid(rd, c->u.remote_port)) {
            struct evtchn *rc = &rd->evtchn.port[c->u.remote_port];
            rc->state = ECS_UNBOUND;
            rc->remote_dom = d->domid;
        }
        break;
    }
    }
    if (d->shared_info)
        evtchn_2l_clear_pending(d->shared_info, port);
    *c = (struct evtchn){ .state = ECS_FREE };
    return 0;
}

static long send_port(uint32_t port)
{
    struct domain *d = current_domain();
    if (!port_valid(d, port))
        return -EINVAL;
    struct evtchn *c = &d->evtchn.port[port];
    switch (c->state) {
    case ECS_INTERDOMAIN: {
        struct domain *rd = domain_by_id(c->remote_dom);
        if (rd)
            set_pending(rd, rd->evtchn.port[c->u.remote_port].notify_vcpu, c->u.remote_port);
        return 0;
    }
    case ECS_IPI:
        set_pending(d, c->notify_vcpu, port);
        return 0;
    case ECS_UNBOUND:
        return 0;          /* Xen: silently dropped */
    default:
        return -EINVAL;
    }
}

static long port_status(struct evtchn_status *s)
{
    struct domain *d = domain_by_id(s->dom);
    if (!d)
        return -ESRCH;
    if (!may_target(d))
        return -EPERM;
    if (!port_valid(d, s->port))
        return -EINVAL;
    const struct evtchn *c = &d->evtchn.port[s->port];
    switch (c->state) {
    case ECS_FREE:
    case ECS_RESERVED:
        s->status = EVTCHNSTAT_closed;
        break;
    case ECS_UNBOUND:
        s->status = EVTCHNSTAT_unbound;
        s->u.unbound.dom = c->remote_dom;
        break;
    case ECS_INTERDOMAIN:
        s->status = EVTCHNSTAT_interdomain;
        s->u.interdomain.dom = c->remote_dom;
        s->u.interdomain.port = c->u.remote_port;
        break;
    case ECS_PIRQ:
        s->status = EVTCHNSTAT_pirq;
        break;
    case ECS_VIRQ:
        s->status = EVTCHNSTAT_virq;
        s->u.virq = c->u.virq;
        break;
    case ECS_IPI:
        s->status = EVTCHNSTAT_ipi;
        break;
    }
    s->vcpu = c->notify_vcpu;
    return 0;
}

static long bind_vcpu(uint32_t port, uint32_t vcpu)
{
    struct domain *d = current_domain();
    if (!domain_vcpu(d, vcpu))
        return -ENOENT;
    if (!port_valid(d, port))
        return -EINVAL;
    struct evtchn *c = &d->evtchn.port[port];
    switch (c->state) {
    case ECS_VIRQ:
        if (!evtchn_virq_is_global(c->u.virq))
            return -EINVAL;
        c->notify_vcpu = (uint8_t)vcpu;
        return 0;
    case ECS_UNBOUND:
    case ECS_INTERDOMAIN:
        c->notify_vcpu = (uint8_t)vcpu;
        return 0;
    default:
        return -EINVAL;
    }
}

static long unmask_port(uint32_t port)
{
    struct domain *d = current_domain();
    if (!port_valid(d, port))
        return -EINVAL;
    struct vcpu *v = domain_vcpu(d, d->evtchn.port[port].notify_vcpu);
    if (v && v->vcpu_info && d->shared_info &&
        (evtchn_2l_unmask(d->shared_info, v->vcpu_info, port) & EV2L_KICK))
        vcpu_kick(v);
    return 0;
}

static long reset_domain(uint32_t domid)
{
    struct domain *d = domain_by_id(domid);
    if (!d)
        return -ESRCH;
    if (!may_target(d))
        return -EPERM;
    for (uint32_t p = 1; p < d->evtchn.valid; p++)
        (void)close_port(d, p);
    return 0;
}

/* decode -> check -> act -> status, with the struct copied in and (for the operations that
 * answer through it) out again; -EFAULT if either copy fails. */
#define OP_IN(type)                                   \
    type op;                                          \
    if (copy_from_guest(&op, arg, sizeof(op)))        \
        return -EFAULT
#define OP_OUT(rc)                                                      \
    do {                                                                \
        long r_ = (rc);                                                 \
        if (r_ == 0 && copy_to_guest(arg, &op, sizeof(op)))             \
            r_ = -EFAULT;                                               \
        return r_;                                                      \
    } while (0)

long do_event_channel_op(uint32_t cmd, uint32_t arg)
{
    switch (cmd) {
    case EVTCHNOP_alloc_unbound: { OP_IN(struct evtchn_alloc_unbound); OP_OUT(alloc_unbound(&op)); }
    case EVTCHNOP_bind_interdomain: { OP_IN(struct evtchn_bind_interdomain); OP_OUT(bind_interdomain(&op)); }
    case EVTCHNOP_bind_virq: { OP_IN(struct evtchn_bind_virq); OP_OUT(bind_virq(&op)); }
    case EVTCHNOP_bind_ipi: { OP_IN(struct evtchn_bind_ipi); OP_OUT(bind_ipi(&op)); }
    case EVTCHNOP_bind_pirq: {
        /* Moat gives no domain physical IRQs: Xen's answer for an IRQ it may not access */
        OP_IN(struct evtchn_bind_pirq);
        (void)op;
        return -EPERM;
    }
    case EVTCHNOP_close: { OP_IN(struct evtchn_close); return close_port(current_domain(), op.port); }
    case EVTCHNOP_send: { OP_IN(struct evtchn_send); return send_port(op.port); }
    case EVTCHNOP_status: { OP_IN(struct evtchn_status); OP_OUT(port_status(&op)); }
    case EVTCHNOP_bind_vcpu: { OP_IN(struct evtchn_bind_vcpu); return bind_vcpu(op.port, op.vcpu); }
    case EVTCHNOP_unmask: { OP_IN(struct evtchn_unmask); return unmask_port(op.port); }
    case EVTCHNOP_reset: { OP_IN(struct evtchn_reset); return reset_domain(op.dom); }
    default:
        return -ENOSYS;
    }
}

/* event_channel_op_compat: struct evtchn_op { cmd; union u } in guest memory. The union
 * starts at offset 4, so the operation runs on the guest's copy in place, as Xen's compat
 * path copies it in and out. */
_Static_assert(offsetof(struct evtchn_op, u) == 4, "evtchn_op layout");

long do_event_channel_op_compat(uint32_t uop)
{
    struct evtchn_op whole;      /* Xen copies the whole op in: all of it must be readable */
    if (copy_from_guest(&whole, uop, sizeof(whole)))
        return -EFAULT;
    return do_event_channel_op(whole.cmd, uop + 4);
}
