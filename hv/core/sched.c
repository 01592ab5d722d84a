/* The scheduler: per-CPU run queues, block/poll/yield, and the idle loop (moat_sched.h has the
 * invariants).
 *
 * How a vcpu stops running (Xen's model: the hypercall only changes state, the switch happens
 * on the way out). SCHEDOP_block and SCHEDOP_poll set v->sched.blocked and return 0 like any
 * hypercall (inside a multicall the remaining entries still run). On the exit to the guest,
 * sched_return_check() - the first thing the return-to-guest hook does - sees the flag, saves
 * the guest frame into v->regs and switches to the next runnable vcpu or idles. An event that
 * arrives meanwhile (vcpu_unblock) simply clears the flag, and the vcpu goes on. When the vcpu
 * is picked again, vcpu_run() leaves through the same exit path, so its pending upcall is
 * delivered before it executes the instruction after its hypercall.
 * Preemption (several runnable vcpus on a CPU) and SCHEDOP_yield use the same exit check.
 *
 * The periodic timer runs only while its vcpu runs (as Xen): stopped on switch-out, and on
 * switch-in an overdue tick is delivered at once. */
#include <stdint.h>
#include <stddef.h>
#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include "domain.h"
#include "moat_sched.h"
#include "moat_time.h"
#include "event.h"
#include "uaccess.h"
#include "moat_errno.h"
#include "console.h"
#include "smp.h"

struct runqueue {
    struct vcpu *head, *tail;
    struct timer slice;          /* round-robin slice of the running vcpu */
    int need_resched;            /* slice over / yield: switch on the way out */
    int idle_reported;           /* "nothing armed" said once per idle episode */
};
static struct runqueue runq[MOAT_MAX_CPUS];

#ifndef MOAT_HOST_TEST
/* The only place Moat enables interrupts: sti's one-instruction shadow makes "sti; hlt"
 * atomic, so a wake-up interrupt cannot slip in between the check and the hlt. */
static inline void idle_wait(void) { asm volatile("sti; hlt; cli" ::: "memory"); }
#else
void idle_wait(void);      /* host tests: the simulated interrupt that ends the hlt */
#endif

/* Runstate changes go through here so VCPUOP_get_runstate_info's times add up to system
 * time (issue 10, vcpu_up.c): the time since the last change is charged to the old state. */
static void set_runstate(struct vcpu *v, uint8_t state)
{
    s_time_t now = NOW();
    struct vcpu_runstate_info *r = &v->runstate;
    if (r->state >= 0 && r->state < 4 && r->state_entry_time && (uint64_t)now > r->state_entry_time)
        r->time[r->state] += (uint64_t)now - r->state_entry_time;
    r->state = state;
    r->state_entry_time = (uint64_t)now;
    v->sched.runstate = state;
}

static void runq_push(struct vcpu *v)
{
    struct runqueue *q = &runq[v->sched.processor];
    if (v->sched.on_runq)
        return;
    v->sched.runq_next = NULL;
    if (q->tail)
        q->tail->sched.runq_next = v;
    else
        q->head = v;
    q->tail = v;
    v->sched.on_runq = 1;
    set_runstate(v, RUNSTATE_runnable);
}

static struct vcpu *runq_pop(unsigned cpu)
{
    struct runqueue *q = &runq[cpu];
    struct vcpu *v = q->head;
    if (!v)
        return NULL;
    q->head = v->sched.runq_next;
    if (!q->head)
        q->tail = NULL;
    v->sched.runq_next = NULL;
    v->sched.on_runq = 0;
    return v;
}

static void runq_remove(struct vcpu *v)
{
    struct runqueue *q = &runq[v->sched.processor];
    struct vcpu *prev = NULL;
    for (struct vcpu *p = q->head; p; prev = p, p = p->sched.runq_next) {
        if (p != v)
            continue;
        if (prev)
            prev->sched.runq_next = p->sched.runq_next;
        else
            q->head = p->sched.runq_next;
        if (q->tail == p)
            q->tail = prev;
        break;
    }
    v->sched.runq_next = NULL;
    v->sched.on_runq = 0;
}

static void poll_timeout(void *data);

static void slice_expired(void *data)
{
    struct runqueue *q = data;
    q->need_resched = 1;
}

/* A vcpu became runnable while another runs: give the running one a slice, then switch. */
static void arm_slice(unsigned cpu)
{
    struct runqueue *q = &runq[cpu];
    if (q->head && !timer_is_active(&q->slice))
        set_timer(&q->slice, NOW() + SCHED_SLICE_NS);
}

void sched_init_domain(struct domain *d)
{
    static int queues_ready;
    if (!queues_ready) {
        for (unsigned c = 0; c < MOAT_MAX_CPUS; c++)
            init_timer(&runq[c].slice, slice_expired, &runq[c], c);
        queues_ready = 1;
    }
    evtchn_domain_init(d);
    time_publish_wallclock(d);
    for (uint32_t i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        v->sched = (struct vcpu_sched){ .runstate = RUNSTATE_offline, .processor = 0 };
        set_runstate(v, RUNSTATE_offline);
        evtchn_vcpu_init(v);
        vcpu_timers_init(v);
        init_timer(&v->timers.poll, poll_timeout, v, v->sched.processor);
        if (v->online)
            runq_push(v);
    }
}

static int vcpu_can_run(const struct vcpu *v)
{
    return v->online && v->domain->state == DOM_RUNNING && !v->sched.blocked;
}

void vcpu_unblock(struct vcpu *v)
{
    if (!v->sched.blocked)
        return;
    v->sched.blocked = 0;
    stop_timer(&v->timers.poll);
    if (v->sched.runstate == RUNSTATE_blocked && vcpu_can_run(v)) {
        runq_push(v);
        arm_slice(v->sched.processor);
        smp_send_kick(v->sched.processor);  /* SMP: an idle CPU there must look again */
    }
    /* still RUNSTATE_running: it had not left the CPU yet; clearing the flag is enough */
}

void vcpu_kick(struct vcpu *v)
{
    vcpu_unblock(v);
    /* SMP: v may be running on (or queued for) another CPU; an IPI makes that CPU pass
     * through its exit path (upcall) or idle loop (run queue). No-op with one CPU. */
    smp_send_kick(v->sched.processor);
}

static void switch_to(struct cpu *c, struct vcpu *next) __attribute__((noreturn));
static void switch_to(struct cpu *c, struct vcpu *next)
{
    struct runqueue *q = &runq[c->id];
    set_runstate(next, RUNSTATE_running);
    q->need_resched = 0;
    q->idle_reported = 0;
    stop_timer(&q->slice);
    if (q->head)
        set_timer(&q->slice, NOW() + SCHED_SLICE_NS);
    time_publish_vcpu(next);
    vcpu_periodic_timer_work(next);
    vcpu_run(next);
}

/* Runs the next runnable vcpu of this CPU, or idles until there is one. The caller's stack
 * is abandoned: vcpu_run() leaves from the frame slot at the top of this CPU's stack. */
static void schedule(void) __attribute__((noreturn));
static void schedule(void)
{
    struct cpu *c = this_cpu();
    struct runqueue *q = &runq[c->id];
    for (;;) {
        struct vcpu *next;
        while ((next = runq_pop(c->id)) != NULL)
            if (vcpu_can_run(next))
                switch_to(c, next);
        /* SMP: only the boot CPU says it; an AP whose vcpus are down idles normally */
        if (!q->idle_reported && c->id == 0 && timer_next_deadline(c->id) == 0) {
            log_info("cpu%u idle: all vcpus blocked, no timer armed; waiting for an interrupt "
                     "(console input)\n", c->id);
            q->idle_reported = 1;
        }
        smp_idle_release();     /* SMP (smp.c): no hypervisor lock while halted */
        idle_wait();
        smp_idle_acquire();
    }
}

/* The current vcpu leaves the CPU with its guest frame saved; `still_runnable` requeues it. */
static void deschedule(struct vcpu *v, const struct cpu_user_regs *regs, int still_runnable)
    __attribute__((noreturn));
static void deschedule(struct vcpu *v, const struct cpu_user_regs *regs, int still_runnable)
{
    v->regs = *regs;
    vcpu_timers_switch_out(v);
    if (still_runnable)
        runq_push(v);
    else
        set_runstate(v, v->online ? RUNSTATE_blocked : RUNSTATE_offline);  /* down: offline */
    schedule();
}

/* Return-to-guest hook, first step: does the current vcpu keep the CPU? */
void sched_return_check(struct vcpu *v, struct cpu_user_regs *regs)
{
    struct runqueue *q = &runq[v->sched.processor];
    if (v->sched.blocked || !v->online)      /* !online: VCPUOP_down (issue 10) */
        deschedule(v, regs, 0);
    if (q->need_resched) {
        q->need_resched = 0;
        if (q->head)
            deschedule(v, regs, 1);
    }
}

void sched_start(void)
{
    schedule();
}

/* ---- SCHEDOP_block / yield / poll ----------------------------------------------------- */

long vcpu_block_enable_events(void)
{
    struct vcpu *v = current_vcpu();
    /* Xen's vcpu_block_enable_events: the mask is cleared, then events are checked after
     * the blocked flag is set, so an event between the two cannot be lost. */
    v->vcpu_info->evtchn_upcall_mask = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    v->sched.blocked = 1;
    if (vcpu_info_events_deliverable(v->vcpu_info))
        v->sched.blocked = 0;
    return 0;
}

long vcpu_yield(void)
{
    runq[current_vcpu()->sched.processor].need_resched = 1;
    return 0;
}

static void poll_timeout(void *data)
{
    struct vcpu *v = data;
    struct domain *d = v->domain;
    if (d->evtchn.poll_mask & (1u << v->vcpu_id)) {
        d->evtchn.poll_mask &= ~(1u << v->vcpu_id);
        v->evt.poll_port = 0;
        vcpu_unblock(v);
    }
}

static void poll_undo(struct vcpu *v)
{
    v->evt.poll_port = 0;
    v->domain->evtchn.poll_mask &= ~(1u << v->vcpu_id);
    v->sched.blocked = 0;
}

/* As Xen 4.17 do_poll: > 128 ports -EINVAL; an unreadable list -EFAULT; returns 0 at once if
 * an unmasked event is pending or a listed port is pending; a port outside the allocated
 * buckets is -EINVAL. Otherwise blocks until a listed port (any port, for several) is raised,
 * any kick, or the absolute timeout (0: none) passes - and then also returns 0. */
long vcpu_poll(uint32_t arg)
{
    struct vcpu *v = current_vcpu();
    struct domain *d = v->domain;
    struct sched_poll p;
    if (copy_from_guest(&p, arg, sizeof(p)))
        return -EFAULT;
    uint32_t ports = (uint32_t)(uintptr_t)p.ports.p;
    if (p.nr_ports > EVTCHN_POLL_MAX)
        return -EINVAL;
    if (!guest_range_ok(ports, p.nr_ports * sizeof(evtchn_port_t)))
        return -EFAULT;

    v->sched.blocked = 1;
    v->evt.poll_port = -1;
    d->evtchn.poll_mask |= 1u << v->vcpu_id;

    if (vcpu_info_events_deliverable(v->vcpu_info)) {
        poll_undo(v);
        return 0;
    }
    evtchn_port_t port = 0;
    for (uint32_t i = 0; i < p.nr_ports; i++) {
        if (copy_from_guest(&port, ports + i * sizeof(port), sizeof(port))) {
            poll_undo(v);
            return -EFAULT;
        }
        if (port >= d->evtchn.valid) {
            poll_undo(v);
            return -EINVAL;
        }
        if (evtchn_port_is_pending(d, port)) {
            poll_undo(v);
            return 0;
        }
    }
    if (p.nr_ports == 1)
        v->evt.poll_port = (int32_t)port;
    if (p.timeout != 0)
        set_timer(&v->timers.poll, (s_time_t)p.timeout);
    return 0;
}

void sched_domain_stopped(struct domain *d)
{
    for (uint32_t i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        if (!v)
            continue;
        runq_remove(v);
        set_runstate(v, RUNSTATE_offline);
        stop_timer(&v->timers.singleshot);
        stop_timer(&v->timers.periodic);
        stop_timer(&v->timers.poll);
    }
}

/* ---- issue 10 (helper H14): VCPUOP_up / VCPUOP_down (vcpu_up.c decides, this moves) ------- */

/* v (initialised, offline or on its way down) becomes runnable on v->sched.processor. */
void sched_vcpu_up(struct vcpu *v)
{
    v->online = 1;
    if (v->sched.runstate == RUNSTATE_running) {
        v->sched.blocked = 0;        /* its down had not taken effect yet: it just goes on */
        return;
    }
    if (v->sched.runstate == RUNSTATE_offline) {
        v->sched.blocked = 0;
        runq_push(v);
        arm_slice(v->sched.processor);
        smp_send_kick(v->sched.processor);
    }
}

/* v goes offline: off its run queue at once, or - if it is running - at its CPU's next exit to
 * the guest (the calling vcpu: on the way out of this hypercall; another CPU: kicked). */
void sched_vcpu_down(struct vcpu *v)
{
    v->online = 0;
    if (v->sched.runstate == RUNSTATE_running) {
        v->sched.blocked = 1;
        smp_send_kick(v->sched.processor);
        return;
    }
    if (v->sched.on_runq)
        runq_remove(v);
    stop_timer(&v->timers.poll);
    set_runstate(v, RUNSTATE_offline);
}
