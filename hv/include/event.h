/* Event channels (issue 6): the per-domain port table, the 2-level pending/mask bitmaps in
 * shared_info, VIRQs and the upcall.
 *
 * Model (Xen 4.17, xen/common/event_channel.c + event_2l.c semantics):
 *   - a domain has EVTCHN_2L_PORTS (1024 for a 32-bit guest: 32 selector bits x 32 bits)
 *     ports; port 0 is reserved and never handed out;
 *   - a port is "valid" below d->evtchn.valid, which starts at EVTCHN_BUCKET and grows by one
 *     bucket whenever a port past it is allocated: Xen allocates its port structures in
 *     buckets of 64 and answers -EINVAL for a port outside the allocated buckets, while a free
 *     port inside them is merely "closed" (EVTCHNOP_status says so). Moat reproduces that
 *     boundary exactly so that the error codes a guest sees are Xen's;
 *   - setting an event: pending bit; if that was clear and the port is not masked, the
 *     selector bit of the notify vcpu; if that was clear, evtchn_upcall_pending; if that was
 *     clear, the vcpu is kicked (woken if blocked). Pollers of the port are woken in any case.
 *     The upcall itself is entered on the vcpu's next return to the guest, only while
 *     evtchn_upcall_mask is 0 (evtchn_check_upcall, called from the return-to-guest hook). */
#ifndef MOAT_EVENT_H
#define MOAT_EVENT_H
#include <stdint.h>
#include <xen/xen.h>

struct domain;
struct vcpu;
struct cpu_user_regs;

#define EVTCHN_WORD_BITS 32u                               /* xen_ulong_t on x86_32 */
#define EVTCHN_2L_PORTS  (EVTCHN_WORD_BITS * EVTCHN_WORD_BITS)   /* 1024 */
#define EVTCHN_BUCKET    64u                               /* Xen: PAGE_SIZE / 64-byte evtchn */
#define EVTCHN_POLL_MAX  128u                              /* SCHEDOP_poll nr_ports limit */

_Static_assert(sizeof(xen_ulong_t) * 8 == EVTCHN_WORD_BITS, "2-level word size");
_Static_assert(EVTCHN_2L_PORTS == sizeof(((struct shared_info *)0)->evtchn_pending) * 8,
               "2-level port count");

enum evtchn_state {
    ECS_FREE = 0,        /* closed; may be allocated */
    ECS_RESERVED,        /* port 0 */
    ECS_UNBOUND,         /* waiting for a remote domain to bind_interdomain */
    ECS_INTERDOMAIN,
    ECS_PIRQ,            /* never created: Moat passes no physical IRQs through */
    ECS_VIRQ,
    ECS_IPI,
};

struct evtchn {
    uint8_t state;              /* enum evtchn_state */
    uint8_t notify_vcpu;        /* the vcpu whose selector/upcall this port raises */
    uint16_t remote_dom;        /* UNBOUND: who may bind; INTERDOMAIN: the other end */
    union {
        uint16_t remote_port;   /* INTERDOMAIN */
        uint16_t virq;          /* VIRQ */
    } u;
};

struct domain_evtchn {
    struct evtchn port[EVTCHN_2L_PORTS];
    uint32_t valid;             /* ports [0, valid) exist as far as the guest can tell */
    uint32_t poll_mask;         /* vcpus blocked in SCHEDOP_poll (bit per vcpu id) */
};

struct vcpu_evtchn {
    uint16_t virq_to_port[NR_VIRQS];   /* 0 = not bound (for global VIRQs: on vcpu 0 only) */
    int32_t poll_port;                 /* SCHEDOP_poll: the one port polled, -1 any, 0 none */
};

/* ---- 2-level bitmap logic (pure: event_2l.c; host-tested) ----------------------------- */
#define EV2L_KICK 0x1            /* evtchn_upcall_pending went 0 -> 1: wake the vcpu */
int evtchn_2l_set_pending(struct shared_info *s, struct vcpu_info *vi, uint32_t port);
int evtchn_2l_unmask(struct shared_info *s, struct vcpu_info *vi, uint32_t port);
void evtchn_2l_clear_pending(struct shared_info *s, uint32_t port);
int evtchn_2l_is_pending(const struct shared_info *s, uint32_t port);
int evtchn_2l_is_masked(const struct shared_info *s, uint32_t port);
/* Xen's local_events_need_delivery(): an upcall would be entered now. Inline: it is asked
 * on every exit to a guest. */
static inline int vcpu_info_events_deliverable(const struct vcpu_info *vi)
{
    return __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST) &&
           !__atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_SEQ_CST);
}

/* ---- the port table (event_channel.c) --------------------------------------------------- */
void evtchn_domain_init(struct domain *d);
void evtchn_vcpu_init(struct vcpu *v);
int evtchn_virq_is_global(uint32_t virq);
/* Raise a per-vcpu VIRQ on v / a global VIRQ on d (bound on vcpu 0). No-op if unbound. */
void send_guest_vcpu_virq(struct vcpu *v, uint32_t virq);
void send_guest_global_virq(struct domain *d, uint32_t virq);
/* For SCHEDOP_poll: is the port pending (ports >= the 2-level limit are -EINVAL there). */
int evtchn_port_is_pending(struct domain *d, uint32_t port);

/* The upcall: if v has an unmasked pending event and regs is a guest frame, enter v's event
 * callback through a TBF_INTERRUPT bounce (which masks events). Called on every return to the
 * guest with interrupts off. */
void evtchn_check_upcall(struct vcpu *v, struct cpu_user_regs *regs);

/* do_event_channel_op / do_event_channel_op_compat: declared by the hypercall table only. */
#endif
