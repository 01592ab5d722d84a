/* The irq layer of the Xen PV backend: event channels mapped to kernel irqs.
 *
 * An irq is a small number the kernel hands out; behind it is one event-channel port bound to
 * a VIRQ (per vcpu: each vcpu has its own VIRQ_TIMER port), an IPI, or an existing port. The
 * upcall (evtchn_do_upcall) scans the two-level pending bitmap and calls each irq's handler
 * with events masked.
 *
 * Errors are Xen's (negative <xen/errno.h> values), passed through unchanged. */
#ifndef KERNEL_PV_XEN_EVTCHN_H
#define KERNEL_PV_XEN_EVTCHN_H
#include <stdint.h>
#include "trap.h"

#define XEN_NR_IRQS 64
typedef void (*xen_irq_handler_fn)(unsigned irq, void *data);

int xen_bind_virq_to_irq(unsigned virq, unsigned cpu, xen_irq_handler_fn fn, void *data);
int xen_bind_ipi_to_irq(unsigned cpu, xen_irq_handler_fn fn, void *data);
int xen_bind_evtchn_to_irq(unsigned port, xen_irq_handler_fn fn, void *data);
/* Unbinds the irq; closes its port when the layer opened it (VIRQ, IPI). */
void xen_unbind_irq(unsigned irq);
/* Replaces the handler (tests); returns the old one. */
xen_irq_handler_fn xen_irq_set_handler(unsigned irq, xen_irq_handler_fn fn, void *data);
int xen_irq_to_port(unsigned irq);                   /* -1 if unbound */
int xen_virq_irq(unsigned virq, unsigned cpu);       /* the irq bound to it, or -1 */
/* Per-port mask in shared_info (the port stays bound; events are remembered as pending). */
void xen_mask_irq(unsigned irq);
void xen_clear_irq_pending(unsigned irq);           /* drops a pending event (tests) */
int xen_unmask_irq(unsigned irq);                    /* EVTCHNOP_unmask: re-raises if pending */
int xen_send_irq(unsigned irq);                      /* EVTCHNOP_send on its port */
unsigned long xen_irq_count(unsigned irq);           /* handler calls so far */
unsigned long xen_irq_count_on(unsigned irq, unsigned cpu); /* ... on that vcpu */
/* H15 (issue 10): the vcpu an irq is bound to (-1 unbound), and moving a plain port or a
 * global VIRQ (VIRQ_CONSOLE) to another vcpu (EVTCHNOP_bind_vcpu, masked across the move;
 * per-vcpu VIRQs and IPIs: -EINVAL). */
int xen_irq_cpu(unsigned irq);
int xen_irq_bind_vcpu(unsigned irq, unsigned cpu);

/* The upcall: called from the trap path (pseudo-vector XEN_UPCALL_VECTOR). */
int xen_evtchn_do_upcall(struct trap_frame *f);

/* Pure part of the fair scan (host-tested): the next pending port at or after position
 * (word, bit) in round-robin order over the words whose selector bit is set, or -1. */
int xen_evtchn_next(uint32_t sel, const uint32_t *pending, const uint32_t *mask, unsigned word, unsigned bit);

#endif
