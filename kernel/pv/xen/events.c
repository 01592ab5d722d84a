/* Xen PV ABI backend: virtual interrupt flag, event channels, timer and clocks.
 *
 * Invariants:
 *  - The virtual IF is the per-vcpu evtchn_upcall_mask byte (1 = masked). Unmasking always
 *    re-checks evtchn_upcall_pending and, if an event arrived while masked, forces its delivery
 *    with a cheap hypercall (the hypervisor delivers pending upcalls on every return to the
 *    guest), so no event is left waiting.
 *  - Until shared_info is mapped, xen_vcpu points at a private placeholder that says "masked",
 *    so irq save/restore work from the first printk on.
 *  - Exceptions and upcalls enter with events masked; iret cannot restore the virtual IF, so
 *    the trap path calls xen_iret_prepare() with the interrupted context's EFLAGS.IF (which the
 *    hypervisor sets from the mask byte when it builds the frame). */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include "pv/xen/xen.h"
#include "pv/xen/hypercall.h"
#include "pv/xen/evtchn.h"
#include "console.h"
#include "smp_irq.h"
#include "boot.h"
#include "printk.h"

static struct vcpu_info placeholder_vcpu = { .evtchn_upcall_mask = 1 };
struct vcpu_info *xen_vcpu_of[XEN_MAX_CPUS] = { [0 ... XEN_MAX_CPUS - 1] = &placeholder_vcpu };
struct shared_info *xen_shared_info;

static int timer_port = -1, console_virq_bound;
static uint64_t tick_ns;

#define barrier() asm volatile("" : : : "memory")

unsigned long xen_save_fl(void) { return xen_vcpu->evtchn_upcall_mask ? 0 : X86_EFLAGS_IF; }

void xen_irq_disable(void)
{
    xen_vcpu->evtchn_upcall_mask = 1;
    barrier();
}

/* Out of line: the hypercall needs a stack frame and saved registers, which the common
 * (nothing pending) path of every unmask should not pay for. */
static void __attribute__((noinline)) xen_force_event_check(void)
{
    HYPERVISOR_xen_version(XENVER_version, 0);
}

void xen_irq_enable(void)
{
    struct vcpu_info *vi = xen_vcpu;
    vi->evtchn_upcall_mask = 0;
    barrier(); /* unmask before checking pending, or an event could slip in between */
    if (vi->evtchn_upcall_pending)
        xen_force_event_check();
}

void xen_restore_fl(unsigned long f)
{
    if (f & X86_EFLAGS_IF)
        xen_irq_enable();
    else
        xen_irq_disable();
}

/* SCHEDOP_block unmasks events and checks for pending ones atomically before blocking. */
void xen_safe_halt(void) { HYPERVISOR_sched_op(SCHEDOP_block, 0); }

void xen_halt(void)
{
    unsigned long f = xen_save_fl();
    xen_safe_halt();
    xen_restore_fl(f);
}

void xen_iret_prepare(uint32_t saved_eflags)
{
    if (saved_eflags & X86_EFLAGS_IF)
        xen_irq_enable();
}

/* ---- clocks (vcpu_time_info / shared_info wallclock, version-protected) ---- */

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

uint64_t xen_sched_clock(void)
{
    volatile struct vcpu_time_info *t = &xen_vcpu->time;
    uint32_t version, mul;
    uint64_t ts, sys;
    int8_t shift;
    do {
        version = t->version;
        barrier();
        ts = t->tsc_timestamp;
        sys = t->system_time;
        mul = t->tsc_to_system_mul;
        shift = t->tsc_shift;
        barrier();
    } while ((version & 1) || version != t->version);
    uint64_t delta = rdtsc() - ts;
    if (shift >= 0)
        delta <<= shift;
    else
        delta >>= -shift;
    /* (delta * mul) >> 32 without a 128-bit product. */
    uint64_t scaled = (((delta & 0xffffffffu) * mul) >> 32) + (delta >> 32) * mul;
    return sys + scaled;
}

uint32_t xen_get_wallclock(void)
{
    if (!xen_shared_info)
        return 0;
    volatile struct shared_info *s = xen_shared_info;
    uint32_t version, sec;
    do {
        version = s->wc_version;
        barrier();
        sec = s->wc_sec;
        barrier();
    } while ((version & 1) || version != s->wc_version);
    return sec + (uint32_t)(xen_sched_clock() / 1000000000u);
}

/* ---- the tick and console input, on the irq layer (evtchn.c) ---- */

/* The tick is a single-shot timer re-armed on every expiry: a PV vcpu's periodic timer is
 * paused while the vcpu is blocked, so it could never wake an idle (SCHEDOP_block) kernel. */
static void timer_event(unsigned irq, void *data)
{
    smp_irq_count(irq);
    HYPERVISOR_set_timer_op(xen_sched_clock() + tick_ns);
    timer_tick();
    if (!console_virq_bound)
        xen_console_poll(); /* no VIRQ_CONSOLE: console input is polled on the tick */
    smp_irq_tick();     /* the periodic irq-balance pass (smp/irq_route.c) */
}

/* May run on any vcpu (the balancer places VIRQ_CONSOLE): xen_console_poll has its own lock. */
static void console_event(unsigned irq, void *data)
{
    smp_irq_count(irq);
    xen_console_poll();
}

static int failsafe(struct trap_frame *f)
{
    printk(KERN_EMERG "xen: failsafe callback: the hypervisor could not reload a segment or iret\n");
    return 0; /* dump and crash */
}

void xen_events_init(void)
{
    trap_set_handler(XEN_UPCALL_VECTOR, xen_evtchn_do_upcall);
    trap_set_handler(XEN_FAILSAFE_VECTOR, failsafe);
}

uint64_t xen_tick_ns(void) { return tick_ns; }

void xen_timer_init(unsigned hz)
{
    tick_ns = 1000000000u / hz;
    int irq = xen_bind_virq_to_irq(VIRQ_TIMER, 0, timer_event, 0);
    if (irq < 0) {
        printk(KERN_ERR "xen: cannot bind VIRQ_TIMER (%d): no timer ticks\n", irq);
        return;
    }
    timer_port = xen_irq_to_port((unsigned)irq);
    /* Xen gives PV vcpus a default periodic timer; ours replaces it (refusal is harmless). */
    HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, 0);
    long rc = HYPERVISOR_set_timer_op(xen_sched_clock() + tick_ns);
    if (rc)
        printk(KERN_ERR "xen: set_timer_op failed (%ld): no timer ticks\n", rc);
    else
        timer_running = 1;
    if (timer_running)
        printk(KERN_INFO "xen: timer on event channel %d, single-shot re-armed, %u Hz\n", timer_port, hz);
    /* Console input: VIRQ_CONSOLE says "input arrived" (Xen, Moat); without it, the tick polls. */
    int cirq = xen_bind_virq_to_irq(VIRQ_CONSOLE, 0, console_event, 0);
    console_virq_bound = cirq >= 0;
    console_set_input(xen_console_getc);
    printk(KERN_INFO "xen: console input %s\n", console_virq_bound ? "on VIRQ_CONSOLE" : "polled on the tick");
}
