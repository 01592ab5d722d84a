/* The irq layer of the Xen PV backend (see evtchn.h): port <-> irq tables, per-vcpu VIRQs,
 * binding and unbinding through EVTCHNOP, and the upcall that scans the pending bitmap fairly.
 *
 * Invariants:
 *  - port_to_irq and irq_info agree: a bound irq's port maps back to it, and an unbound port
 *    maps to -1 (a stray event on it is cleared and counted, never dispatched).
 *  - The upcall clears evtchn_upcall_pending BEFORE taking evtchn_pending_sel, and clears a
 *    port's pending bit BEFORE calling its handler, as Xen's set order (pending bit, selector,
 *    upcall_pending) requires: an event that arrives meanwhile re-sets them and is not lost.
 *  - Handlers run with events masked and inside xen_upcall_depth (multicall.c): they never
 *    touch the interrupted context's hypercall batch. */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/errno.h>
#include "pv/xen/xen.h"
#include "pv/xen/hypercall.h"
#include "pv/xen/evtchn.h"
#include "printk.h"

#define NR_PORTS (sizeof(xen_ulong_t) * 8 * sizeof(xen_ulong_t) * 8)
#define NR_VIRQ_SLOTS NR_VIRQS

enum irq_kind { IRQ_UNBOUND, IRQ_VIRQ, IRQ_IPI, IRQ_PORT };

static struct irq_info {
    enum irq_kind kind;
    unsigned port, cpu, virq;
    unsigned virq_cpu;              /* the vcpu it was bound for (its virq_to_irq row) */
    unsigned long count_on[XEN_MAX_CPUS];   /* handler calls per vcpu (each writes its own) */
    xen_irq_handler_fn fn;
    void *data;
    unsigned long count;
} irqs[XEN_NR_IRQS];

static int16_t port_to_irq[NR_PORTS];
static int8_t virq_to_irq[XEN_MAX_CPUS][NR_VIRQ_SLOTS];
static int tables_ready;
/* Per vcpu: where its next scan starts, just after the last port it served. */
static unsigned scan_word_of[XEN_MAX_CPUS], scan_bit_of[XEN_MAX_CPUS];
#define scan_word (scan_word_of[me])
#define scan_bit (scan_bit_of[me])
/* H15 (issue 10): the ports bound to each vcpu other than 0, and their union. A vcpu's upcall
 * serves only its own ports (vcpu 0: every port not bound to another vcpu): a pending port
 * of another vcpu shares its bitmap word, and serving it here would run that vcpu's handler
 * (its timer re-arm, its IPI) on the wrong one. With one vcpu both are empty. */
#define NR_PORT_WORDS (NR_PORTS / 32)
static uint32_t ap_ports[XEN_MAX_CPUS][NR_PORT_WORDS], any_ap_ports[NR_PORT_WORDS];
static int ap_ports_used;

static int unmask_port(unsigned port);

/* Atomic bit updates: the balancer's move of the console port (vcpu 0's tick, under
 * irq_route's lock) may interrupt a hotplug binding another port of the same word. */
static void port_set_cpu(unsigned port, unsigned cpu)
{
    unsigned w = port / 32;
    uint32_t bit = 1u << (port % 32);
    if (cpu > 0 && cpu < XEN_MAX_CPUS) {
        __atomic_fetch_or(&ap_ports[cpu][w], bit, __ATOMIC_SEQ_CST);
        __atomic_fetch_or(&any_ap_ports[w], bit, __ATOMIC_SEQ_CST);
        ap_ports_used = 1;
    } else {
        __atomic_fetch_and(&any_ap_ports[w], ~bit, __ATOMIC_SEQ_CST);
    }
    for (unsigned c = 1; c < XEN_MAX_CPUS; c++)
        if (c != cpu)
            __atomic_fetch_and(&ap_ports[c][w], ~bit, __ATOMIC_SEQ_CST);
}

/* Xen's rule (virq_is_global): these VIRQs exist once per vcpu; every other one is global,
 * delivered to the one vcpu its port is bound to, and may be moved. */
static int virq_is_global(unsigned virq)
{
    return virq != VIRQ_TIMER && virq != VIRQ_DEBUG && virq != VIRQ_XENOPROF && virq != VIRQ_XENPMU &&
           virq < VIRQ_ARCH_0;
}

/* EVTCHNOP_bind_vcpu for a plain port or a global VIRQ (a device event: the console): the
 * balancer's placement and the fixup of CPU hotplug. Per-vcpu VIRQs and IPIs cannot move
 * (Xen refuses: -EINVAL). The port is masked across the move and unmasked after it: an event
 * that was pending meanwhile is re-raised by EVTCHNOP_unmask on the NEW vcpu (whose upcall
 * now serves the port), not left for the old one, which no longer looks at it.
 * Callers serialize moves (smp/irq_route.c's route_lock; hotplug's lock). */
int xen_irq_bind_vcpu(unsigned irq, unsigned cpu)
{
    if (irq >= XEN_NR_IRQS || cpu >= XEN_MAX_CPUS)
        return -XEN_EINVAL;
    if (irqs[irq].kind != IRQ_PORT && !(irqs[irq].kind == IRQ_VIRQ && virq_is_global(irqs[irq].virq)))
        return -XEN_EINVAL;
    if (irqs[irq].cpu == cpu)
        return 0;
    struct shared_info *s = xen_shared_info;
    unsigned port = irqs[irq].port;
    uint32_t bit = 1u << (port % 32);
    int was_masked = s ? (__atomic_fetch_or(&((uint32_t *)s->evtchn_mask)[port / 32], bit, __ATOMIC_SEQ_CST) & bit) != 0 : 1;
    struct evtchn_bind_vcpu b = { .port = port, .vcpu = cpu };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_vcpu, &b);
    if (rc == 0) {
        irqs[irq].cpu = cpu;
        port_set_cpu(port, cpu);
    }
    if (!was_masked)
        unmask_port(port);
    return (int)rc;
}

int xen_irq_cpu(unsigned irq) { return irq < XEN_NR_IRQS && irqs[irq].kind != IRQ_UNBOUND ? (int)irqs[irq].cpu : -1; }
unsigned long xen_stray_events;

static void tables_init(void)
{
    if (tables_ready)
        return;
    for (unsigned p = 0; p < NR_PORTS; p++)
        port_to_irq[p] = -1;
    for (unsigned c = 0; c < XEN_MAX_CPUS; c++)
        for (unsigned v = 0; v < NR_VIRQ_SLOTS; v++)
            virq_to_irq[c][v] = -1;
    tables_ready = 1;
}

static int new_irq(enum irq_kind kind, unsigned port, xen_irq_handler_fn fn, void *data)
{
    tables_init();
    if (port >= NR_PORTS)
        return -XEN_EINVAL;
    for (unsigned i = 0; i < XEN_NR_IRQS; i++) {
        if (irqs[i].kind != IRQ_UNBOUND)
            continue;
        irqs[i] = (struct irq_info){ .kind = kind, .port = port, .fn = fn, .data = data };
        port_to_irq[port] = (int16_t)i;
        return (int)i;
    }
    return -XEN_ENOSPC;
}

static void close_port(unsigned port)
{
    struct evtchn_close c = { .port = port };
    HYPERVISOR_event_channel_op(EVTCHNOP_close, &c);
}

static int unmask_port(unsigned port)
{
    struct evtchn_unmask u = { .port = port };
    return (int)HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &u);
}

int xen_bind_virq_to_irq(unsigned virq, unsigned cpu, xen_irq_handler_fn fn, void *data)
{
    tables_init();
    if (virq >= NR_VIRQ_SLOTS || cpu >= XEN_MAX_CPUS)
        return -XEN_EINVAL;
    if (virq_to_irq[cpu][virq] >= 0)
        return -XEN_EEXIST;
    struct evtchn_bind_virq b = { .virq = virq, .vcpu = cpu };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &b);
    if (rc)
        return (int)rc;
    int irq = new_irq(IRQ_VIRQ, b.port, fn, data);
    if (irq < 0) {
        close_port(b.port);
        return irq;
    }
    irqs[irq].cpu = cpu;
    port_set_cpu(b.port, cpu);
    irqs[irq].virq = virq;
    irqs[irq].virq_cpu = cpu;
    virq_to_irq[cpu][virq] = (int8_t)irq;
    unmask_port(b.port);
    return irq;
}

int xen_bind_ipi_to_irq(unsigned cpu, xen_irq_handler_fn fn, void *data)
{
    struct evtchn_bind_ipi b = { .vcpu = cpu };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &b);
    if (rc)
        return (int)rc;
    int irq = new_irq(IRQ_IPI, b.port, fn, data);
    if (irq < 0) {
        close_port(b.port);
        return irq;
    }
    irqs[irq].cpu = cpu;
    port_set_cpu(b.port, cpu);
    unmask_port(b.port);
    return irq;
}

int xen_bind_evtchn_to_irq(unsigned port, xen_irq_handler_fn fn, void *data)
{
    tables_init();
    if (port >= NR_PORTS)
        return -XEN_EINVAL;
    if (port_to_irq[port] >= 0)
        return -XEN_EEXIST;
    int irq = new_irq(IRQ_PORT, port, fn, data);
    if (irq >= 0)
        unmask_port(port);
    return irq;
}

void xen_unbind_irq(unsigned irq)
{
    if (irq >= XEN_NR_IRQS || irqs[irq].kind == IRQ_UNBOUND)
        return;
    struct irq_info *i = &irqs[irq];
    if (i->kind == IRQ_VIRQ)
        virq_to_irq[i->virq_cpu][i->virq] = -1;
    if (i->kind != IRQ_PORT)
        close_port(i->port);
    port_to_irq[i->port] = -1;
    port_set_cpu(i->port, 0);
    i->kind = IRQ_UNBOUND;
}

xen_irq_handler_fn xen_irq_set_handler(unsigned irq, xen_irq_handler_fn fn, void *data)
{
    if (irq >= XEN_NR_IRQS)
        return 0;
    unsigned long f = xen_save_fl();
    xen_irq_disable();
    xen_irq_handler_fn old = irqs[irq].fn;
    irqs[irq].fn = fn;
    irqs[irq].data = data;
    xen_restore_fl(f);
    return old;
}

int xen_irq_to_port(unsigned irq) { return irq < XEN_NR_IRQS && irqs[irq].kind != IRQ_UNBOUND ? (int)irqs[irq].port : -1; }

int xen_virq_irq(unsigned virq, unsigned cpu)
{
    tables_init();
    return virq < NR_VIRQ_SLOTS && cpu < XEN_MAX_CPUS ? virq_to_irq[cpu][virq] : -1;
}

unsigned long xen_irq_count(unsigned irq) { return irq < XEN_NR_IRQS ? irqs[irq].count : 0; }
unsigned long xen_irq_count_on(unsigned irq, unsigned cpu)
{
    return irq < XEN_NR_IRQS && cpu < XEN_MAX_CPUS ? irqs[irq].count_on[cpu] : 0;
}

void xen_mask_irq(unsigned irq)
{
    int port = xen_irq_to_port(irq);
    if (port >= 0 && xen_shared_info)
        __atomic_fetch_or(&xen_shared_info->evtchn_mask[port / 32], 1ul << (port % 32), __ATOMIC_SEQ_CST);
}

void xen_clear_irq_pending(unsigned irq)
{
    int port = xen_irq_to_port(irq);
    if (port >= 0 && xen_shared_info)
        __atomic_fetch_and(&xen_shared_info->evtchn_pending[port / 32], ~(1ul << (port % 32)), __ATOMIC_SEQ_CST);
}

int xen_unmask_irq(unsigned irq)
{
    int port = xen_irq_to_port(irq);
    return port < 0 ? -XEN_EINVAL : unmask_port((unsigned)port);
}

int xen_send_irq(unsigned irq)
{
    int port = xen_irq_to_port(irq);
    if (port < 0)
        return -XEN_EINVAL;
    struct evtchn_send s = { .port = (unsigned)port };
    return (int)HYPERVISOR_event_channel_op(EVTCHNOP_send, &s);
}

static void dispatch(unsigned port)
{
    int irq = port < NR_PORTS ? port_to_irq[port] : -1;
    if (irq < 0 || !irqs[irq].fn) {
        xen_stray_events++;
        return;
    }
    irqs[irq].count++;
    unsigned me = xen_smp_cpu();
    if (me < XEN_MAX_CPUS)
        irqs[irq].count_on[me]++;
    irqs[irq].fn((unsigned)irq, irqs[irq].data);
}

int xen_evtchn_do_upcall(struct trap_frame *f)
{
    struct shared_info *s = xen_shared_info;
    if (!s)
        return 1;
    tables_init();
    unsigned me = xen_smp_cpu();
    xen_upcall_depth++;
    uint32_t *pending = (uint32_t *)s->evtchn_pending, *mask = (uint32_t *)s->evtchn_mask;
    uint32_t mine_mask[NR_PORT_WORDS]; /* the shared mask plus every port that is not ours */
    uint32_t sel = 0;
    do {
        xen_vcpu->evtchn_upcall_pending = 0;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        sel |= __atomic_exchange_n(&xen_vcpu->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
        int port;
        for (;;) {
            const uint32_t *m = mask;
            if (ap_ports_used) {
                for (unsigned w = 0; w < NR_PORT_WORDS; w++)
                    mine_mask[w] = mask[w] | (me ? ~ap_ports[me][w] : any_ap_ports[w]);
                m = mine_mask;
            }
            if ((port = xen_evtchn_next(sel, pending, m, scan_word, scan_bit)) < 0)
                break;
            __atomic_fetch_and(&pending[port / 32], ~(1u << (port % 32)), __ATOMIC_SEQ_CST);
            unsigned next = ((unsigned)port + 1) % NR_PORTS;
            scan_word = next / 32;
            scan_bit = next % 32;
            dispatch((unsigned)port);
        }
        sel = 0; /* every selected word is scanned empty (masked ports come back on unmask) */
    } while (xen_vcpu->evtchn_upcall_pending);
    xen_upcall_depth--;
    return 1;
}
