/* moat_sched.h, not sched.h: it would shadow the C library's <sched.h> in host unit tests.
 *
 * The scheduler (issue 6): which vcpu each physical CPU runs, blocking and waking.
 *
 * Invariants:
 *   - a vcpu is in exactly one of the states of <xen/vcpu.h>'s runstates: running (it is
 *     cpu->current and not blocked), runnable (on its CPU's run queue, exactly once),
 *     blocked (SCHEDOP_block/poll: on no queue, woken only by vcpu_unblock) or offline;
 *   - a vcpu whose domain has shut down is never queued and never run again;
 *   - a vcpu leaves Moat only through vcpu_run(), so every return to a guest goes through
 *     entry.S ret_from_trap and its return-to-guest hook (upcall delivery);
 *   - a CPU with nothing to run idles in idle_loop() with interrupts enabled (sti; hlt) -
 *     the only place Moat ever enables interrupts - and only the timer and serial interrupts
 *     are unmasked, so an idle CPU wakes for exactly the events that can make a vcpu runnable.
 * A domain whose vcpus all block with no timer armed and no event source waits forever, as on
 * Xen; Moat says so once on the console ("all vcpus blocked, nothing armed") so the hang is
 * never silent, and the system tests bound every boot with a timeout. */
#ifndef MOAT_MOAT_SCHED_H
#define MOAT_MOAT_SCHED_H
#include <stdint.h>
#include <xen/xen.h>

struct vcpu;
struct domain;

struct vcpu_sched {
    uint8_t runstate;               /* RUNSTATE_* */
    uint8_t blocked;                /* Xen's _VPF_blocked */
    uint8_t on_runq;
    uint8_t processor;
    struct vcpu *runq_next;
};

#define SCHED_SLICE_NS 10000000ll   /* round-robin slice when several vcpus share a CPU */

void sched_init_domain(struct domain *d);   /* after the builder: vcpu state, timers, time */
void sched_start(void) __attribute__((noreturn));
void vcpu_unblock(struct vcpu *v);
void vcpu_kick(struct vcpu *v);             /* an event is pending for v */
/* SCHEDOP_* (sched_op.c) */
long vcpu_block_enable_events(void);
long vcpu_yield(void);
long vcpu_poll(uint32_t arg);
/* Return-to-guest hook, first step: a blocked vcpu, or one whose slice is over (or that
 * yielded) while another is runnable, leaves the CPU here with regs saved; does not return
 * then. Otherwise returns and the exit continues (upcall delivery). */
void sched_return_check(struct vcpu *v, struct cpu_user_regs *regs);
/* A domain shut down: its vcpus leave the queues and their timers stop. */
void sched_domain_stopped(struct domain *d);
/* issue 10 (vcpu_up.c): bring an initialised vcpu up on v->sched.processor / take it down. */
void sched_vcpu_up(struct vcpu *v);
void sched_vcpu_down(struct vcpu *v);
#endif
