/* Shared helpers of the ev-* test guests (issue 6): event channels, the event upcall, time and
 * timers, seen exactly as a Xen x86_32 PV guest sees them (Xen's public headers only; TAP-style
 * checks from mm-lib). Every expectation in the ev-* guests was checked on real Xen 4.17
 * (/work/shared/tools/run-on-xen) as well as on Moat.
 *
 * Set-up (ev_init): maps shared_info (start_info->shared_info is a machine address; a PV guest
 * maps it itself) over a scratch page of the start-of-day padding, registers the event and
 * failsafe callbacks (set_callbacks) and leaves events masked, as they are at start of day.
 * The upcall (ev-entry.S) saves the registers, calls ev_upcall() - which counts the upcall,
 * records where the guest was interrupted and when, and consumes every pending unmasked port
 * the 2-level way (upcall_pending, then the selector, then the port bits) - and returns
 * through HYPERVISOR_iret, which restores the mask from the frame's EFLAGS.IF. */
#ifndef EV_LIB_H
#define EV_LIB_H
#include "mm-lib.h"
#include <xen/event_channel.h>
#include <xen/vcpu.h>

#define hypercall1(nr, a1) ({                                                            \
    long r_; unsigned long b_ = (unsigned long)(a1);                                      \
    asm volatile(HCALL_ENTRY(nr) : "=a"(r_), "+b"(b_) : : "memory", "ecx", "edx");        \
    r_; })

#define HYPERVISOR_set_callbacks(ecs, eeip, fcs, feip) hypercall4(4, ecs, eeip, fcs, feip)
#define HYPERVISOR_set_timer_op_raw(lo, hi)  hypercall2(15, lo, hi)
#define HYPERVISOR_vcpu_op(cmd, vcpu, arg)   hypercall3(24, cmd, vcpu, arg)
#define HYPERVISOR_event_channel_op(cmd, arg) hypercall2(32, cmd, arg)
#define HYPERVISOR_event_channel_op_compat(op) hypercall1(16, op)

extern struct shared_info *ev_shared;
extern struct vcpu_info *ev_vcpu;            /* vcpu 0's */
/* The two-level scan (Xen's order: upcall_pending, then the selector, then the port bits):
 * every pending, unmasked port that accept() takes (accept NULL: every port) has its pending
 * bit cleared, then got(port) is called. Ports accept() refuses stay pending. */
void ev_scan(struct vcpu_info *vi, int (*accept)(unsigned port), void (*got)(unsigned port));

/* What the upcall saw. */
extern volatile unsigned ev_upcalls;         /* upcalls entered */
extern volatile unsigned ev_port_count[1024];/* times each port was found pending */
extern volatile uint32_t ev_last_eip;        /* interrupted eip of the latest upcall */
extern volatile uint32_t ev_last_eflags;
extern volatile uint64_t ev_last_ns;         /* system time at its entry */
extern volatile uint64_t ev_first_ns[1024];  /* system time a port was first seen pending */

void ev_init(const char *name);
uint64_t ev_now(void);                       /* system time (ns) from vcpu_time_info */
uint64_t ev_rdtsc(void);
void ev_spin_until(uint64_t ns);             /* busy-wait on system time */
void ev_mask(void);                          /* vcpu_info mask byte = 1 */
void ev_unmask(void);                        /* = 0, then a hypercall if an event is pending */
long ev_xen_version(void);                   /* the cheapest hypercall: forces delivery */

/* EVTCHNOPs: return the port (>= 0) or the negative Xen error. */
int ev_alloc_unbound(domid_t dom, domid_t remote);
int ev_bind_interdomain(domid_t rdom, uint32_t rport);
int ev_bind_virq(uint32_t virq, uint32_t vcpu);
int ev_bind_ipi(uint32_t vcpu);
long ev_send(uint32_t port);
long ev_close(uint32_t port);
long ev_unmask_port(uint32_t port);
long ev_status(uint32_t port, struct evtchn_status *st);
void ev_mask_port(uint32_t port);
int ev_port_pending(uint32_t port);

long ev_set_timer(uint64_t abs_ns);          /* set_timer_op */
long ev_singleshot(uint64_t abs_ns, uint32_t flags);
long ev_block(void);
long ev_poll(evtchn_port_t *ports, unsigned n, uint64_t timeout_abs_ns);
#endif
