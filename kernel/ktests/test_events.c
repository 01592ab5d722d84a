/* Event channels, the virtual interrupt flag, timers and blocking on a PV backend (Xen/Moat).
 *
 * The event source is an IPI event channel bound to this vcpu (EVTCHNOP_bind_ipi + send):
 * it behaves like any other port, and the kernel raises it when the test needs. Natively
 * there are no event channels; the native versions of the masking tests are in
 * test_native_irq.c (a real local-APIC self-IPI). Errors are compared with what real Xen 4.17
 * answers (run-on-xen is the oracle). */
#include <stdint.h>
#include <lib/string.h>
#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/sched.h>
#include <xen/errno.h>
#include "ktest.h"
#include "boot.h"
#include "printk.h"
#include "pv/pvops.h"
#include "pv/xen/xen.h"
#include "pv/xen/hypercall.h"
#include "pv/xen/evtchn.h"

static int on_pv(void) { return strcmp(pv_backend_name(), "xen") == 0; }

#define PV_ONLY()                                                        \
    do {                                                                 \
        if (!on_pv()) {                                                  \
            printk("# skipped natively: no event channels (see test_native_irq.c)\n"); \
            return;                                                      \
        }                                                                \
    } while (0)

static volatile unsigned hits;
static volatile uint64_t hit_time;
static void count_hit(unsigned irq, void *data)
{
    hits++;
    hit_time = sched_clock();
}

static long send_port(unsigned port)
{
    struct evtchn_send s = { .port = port };
    return HYPERVISOR_event_channel_op(EVTCHNOP_send, &s);
}

KERNEL_TEST(event_sent_while_masked_arrives_once)
{
    PV_ONLY();
    int irq = xen_bind_ipi_to_irq(0, count_hit, 0);
    KT_ASSERT(irq >= 0);
    hits = 0;
    irq_disable();
    int sent = xen_send_irq((unsigned)irq) == 0;
    sent = sent && xen_send_irq((unsigned)irq) == 0; /* a second send while pending coalesces */
    unsigned during = hits;
    uint8_t pending = xen_vcpu->evtchn_upcall_pending;
    irq_enable();
    unsigned right_after = hits; /* the very next read: delivery came before it */
    for (int i = 0; i < 3; i++)
        safe_halt(); /* ticks come and go; the event must not come again */
    unsigned later = hits;
    xen_unbind_irq((unsigned)irq);
    KT_ASSERT(sent);
    KT_ASSERT_EQ(during, 0);
    KT_ASSERT_EQ(pending, 1);
    KT_ASSERT_EQ(right_after, 1);
    KT_ASSERT_EQ(later, 1);
}

KERNEL_TEST(port_masked_event_delivered_on_unmask)
{
    PV_ONLY();
    int irq = xen_bind_ipi_to_irq(0, count_hit, 0);
    KT_ASSERT(irq >= 0);
    hits = 0;
    xen_mask_irq((unsigned)irq);
    int sent = xen_send_irq((unsigned)irq) == 0;
    unsigned masked = hits; /* events on: only the port's own mask holds it back */
    int rc = xen_unmask_irq((unsigned)irq);
    unsigned right_after = hits;
    xen_unbind_irq((unsigned)irq);
    KT_ASSERT(sent);
    KT_ASSERT_EQ(masked, 0);
    KT_ASSERT_EQ(rc, 0);
    KT_ASSERT_EQ(right_after, 1);
}

KERNEL_TEST(block_returns_at_once_with_event_pending)
{
    PV_ONLY();
    int irq = xen_bind_ipi_to_irq(0, count_hit, 0);
    KT_ASSERT(irq >= 0);
    hits = 0;
    irq_disable();
    xen_send_irq((unsigned)irq);
    uint64_t t0 = sched_clock();
    safe_halt(); /* SCHEDOP_block: unmasks, sees the pending event, does not sleep */
    uint64_t t1 = sched_clock();
    unsigned seen = hits;
    xen_unbind_irq((unsigned)irq);
    KT_ASSERT_EQ(seen, 1);
    KT_ASSERT(t1 - t0 < xen_tick_ns()); /* did not wait for the next tick */
}

static volatile unsigned timer_hits;
static volatile uint64_t timer_hit_time;
static void test_timer(unsigned irq, void *data)
{
    timer_hits++;
    timer_hit_time = sched_clock();
}

/* Arms a one-shot timer `delta` ns ahead on VIRQ_TIMER (taking it from the tick for the test)
 * and blocks until it fires; returns lateness in ns (negative = early), and the blocks made. */
static int64_t timer_round(uint64_t delta, unsigned *blocks, uint64_t *deadline_out)
{
    int tirq = xen_virq_irq(VIRQ_TIMER, 0);
    if (tirq < 0)
        return INT64_MIN;
    irq_disable();
    xen_irq_handler_fn old = xen_irq_set_handler((unsigned)tirq, test_timer, 0);
    xen_clear_irq_pending((unsigned)tirq); /* a tick that was already due is not ours */
    timer_hits = 0;
    uint64_t deadline = sched_clock() + delta;
    HYPERVISOR_set_timer_op(deadline);
    unsigned n = 0;
    while (!timer_hits && n < 100) {
        safe_halt(); /* block: events on, sleep until one comes */
        irq_disable();
        n++;
    }
    xen_irq_set_handler((unsigned)tirq, old, 0);
    HYPERVISOR_set_timer_op(sched_clock() + xen_tick_ns()); /* the tick goes on */
    irq_enable();
    *blocks = n;
    *deadline_out = deadline;
    return timer_hits ? (int64_t)(timer_hit_time - deadline) : INT64_MIN;
}

KERNEL_TEST(timer_fires_at_deadline_and_wakes_block)
{
    PV_ONLY();
    unsigned blocks;
    uint64_t deadline;
    int64_t late = timer_round(3000000, &blocks, &deadline); /* 3 ms */
    KT_ASSERT(late != INT64_MIN);
    printk("# timer: set for +3000000 ns, fired %lld ns late, after %u block(s)\n", late, blocks);
    KT_ASSERT(late >= 0);            /* never early */
    KT_ASSERT(late < 50000000);     /* sanity only: the exact bound is checked under --icount */
    KT_ASSERT(blocks >= 1 && blocks <= 3); /* block slept and the timer woke it */
}

KERNEL_TEST(poll_times_out_and_returns_on_pending)
{
    PV_ONLY();
    int irq = xen_bind_ipi_to_irq(0, count_hit, 0);
    KT_ASSERT(irq >= 0);
    evtchn_port_t port = (evtchn_port_t)xen_irq_to_port((unsigned)irq);
    hits = 0;
    irq_disable();
    struct sched_poll p = { .nr_ports = 1 };
    set_xen_guest_handle(p.ports, &port);
    uint64_t t0 = sched_clock();
    p.timeout = t0 + 2000000; /* absolute system time: 2 ms from now */
    long rc1 = HYPERVISOR_sched_op(SCHEDOP_poll, &p);
    uint64_t t1 = sched_clock();
    xen_send_irq((unsigned)irq);
    p.timeout = sched_clock() + 1000000000ull; /* 1 s, but the port is pending already */
    long rc2 = HYPERVISOR_sched_op(SCHEDOP_poll, &p);
    uint64_t t2 = sched_clock();
    unsigned masked_hits = hits;
    irq_enable();
    unsigned after = hits;
    xen_unbind_irq((unsigned)irq);
    printk("# poll: timed out after %llu ns (timeout 2000000), pending port returned after %llu ns\n",
           t1 - t0, t2 - t1);
    KT_ASSERT_EQ(rc1, 0);
    KT_ASSERT(t1 >= t0 + 2000000);
    KT_ASSERT(t1 - t0 < 2000000 + 50000000); /* sanity; exact under --icount (system test) */
    KT_ASSERT_EQ(rc2, 0);
    KT_ASSERT(t2 - t1 < 100000000ull);
    KT_ASSERT_EQ(masked_hits, 0); /* poll does not deliver: events stayed masked */
    KT_ASSERT_EQ(after, 1);
}

KERNEL_TEST(event_channel_errors_match_xen)
{
    PV_ONLY();
    int irq = xen_bind_ipi_to_irq(0, count_hit, 0);
    KT_ASSERT(irq >= 0);
    unsigned port = (unsigned)xen_irq_to_port((unsigned)irq);
    xen_unbind_irq((unsigned)irq); /* closes the port */
    long closed = send_port(port);
    long beyond = send_port(100000);
    struct evtchn_close c = { .port = port };
    long close_again = HYPERVISOR_event_channel_op(EVTCHNOP_close, &c);
    struct evtchn_unmask u = { .port = 100000 };
    long unmask_bad = HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &u);
    struct evtchn_bind_virq bv = { .virq = NR_VIRQS + 5, .vcpu = 0 };
    long bad_virq = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bv);
    struct evtchn_bind_virq again = { .virq = VIRQ_TIMER, .vcpu = 0 };
    long timer_again = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &again);
    struct evtchn_bind_ipi bad_vcpu = { .vcpu = 1000 };
    long ipi_bad_vcpu = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &bad_vcpu);
    struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
    long status_rc = HYPERVISOR_event_channel_op(EVTCHNOP_status, &st);
    printk("# evtchn errors: send closed %ld, send beyond %ld, close closed %ld, unmask beyond %ld, "
           "bind bad virq %ld, bind VIRQ_TIMER twice %ld, bind_ipi bad vcpu %ld, status closed %ld/%u\n",
           closed, beyond, close_again, unmask_bad, bad_virq, timer_again, ipi_bad_vcpu, status_rc, st.status);
    KT_ASSERT_EQ(closed, -XEN_EINVAL);
    KT_ASSERT_EQ(beyond, -XEN_EINVAL);
    KT_ASSERT_EQ(close_again, -XEN_EINVAL);
    KT_ASSERT_EQ(unmask_bad, -XEN_EINVAL);
    KT_ASSERT_EQ(bad_virq, -XEN_EINVAL);
    KT_ASSERT_EQ(timer_again, -XEN_EEXIST);
    KT_ASSERT_EQ(ipi_bad_vcpu, -XEN_ENOENT);
    KT_ASSERT_EQ(status_rc, 0);
    KT_ASSERT_EQ(st.status, EVTCHNSTAT_closed);
}

KERNEL_TEST(console_read_without_input_is_empty)
{
    PV_ONLY();
    char buf[16];
    long n = HYPERVISOR_console_io(CONSOLEIO_read, sizeof buf, buf);
    KT_ASSERT_EQ(n, 0); /* the initial domain may read; nothing was typed */
}
