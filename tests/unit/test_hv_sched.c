/* Host tests of the scheduler and the guest timers (hv/core/sched.c, vcpu_op.c) on the real
 * timer queues (timer.c) and event channels (event_channel.c, event_2l.c): run queues and
 * round-robin slices with several vcpus on one CPU, block/poll/yield as Xen 4.17 answers them,
 * the idle path, the periodic tick that runs only while its vcpu runs.
 *
 * The machine is faked: NOW() is a variable, the one-shot timer hardware is recorded, and
 * vcpu_run() - which never returns on Moat - longjmps back to the test with the vcpu it was
 * asked to run. idle_wait() (the sti; hlt) is the test's chance to "take an interrupt". */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/vcpu.h>
#include <xen/sched.h>
#include <xen/event_channel.h>
#include "domain.h"
#include "extable.h"
#include "guest_window.h"

long do_event_channel_op(uint32_t cmd, uint32_t arg);
long do_set_timer_op(uint32_t lo, uint32_t hi);
long do_vcpu_op(uint32_t cmd, uint32_t vcpuid, uint32_t arg);

#define GWIN_SIZE 0x1000u
uint8_t gmem[GWIN_SIZE];
const uint32_t gwin_size = GWIN_SIZE;
static struct domain dom;
static struct vcpu va, vb;
static struct shared_info si;
static struct cpu cpu0;
struct cpu *host_test_cpu = &cpu0;
struct domain *domains[MOAT_MAX_DOMAINS];
const struct extable_entry __ex_table_start[1], __ex_table_end[1];


static s_time_t now_ns;
s_time_t NOW(void) { return now_ns; }
static s_time_t hw_deadline;
void timer_hw_program(s_time_t deadline, s_time_t now) { (void)now; hw_deadline = deadline; }
void time_publish_vcpu(struct vcpu *v) { (void)v; }
void time_publish_wallclock(struct domain *d) { (void)d; }
static int idle_msgs;
void log_printf(int level, const char *fmt, ...) { (void)level; (void)fmt; idle_msgs++; }

static jmp_buf back;
static struct vcpu *ran;
void vcpu_run(struct vcpu *v)
{
    ran = v;
    cpu0.current = v;
    longjmp(back, 1);
}

/* idle_wait: advance the clock to the next timer and run it, like the PIT interrupt would;
 * with nothing armed, leave the scheduler (the test then checks it was idle). */
static int idles;
static jmp_buf idle_back;
void idle_wait(void)
{
    idles++;
    s_time_t next = timer_next_deadline(0);
    if (!next || idles > 20)
        longjmp(idle_back, 1);
    if (next > now_ns)
        now_ns = next;
    timer_interrupt(0, now_ns);
}

static struct cpu_user_regs frame;

/* Runs `code` (which ends in a vcpu switch) and returns the vcpu that was run, or NULL if the
 * CPU went idle with nothing armed. */
#define SWITCH(code) ({                              \
    ran = NULL;                                      \
    if (!setjmp(back) && !setjmp(idle_back)) {       \
        code;                                        \
        fail_msg("no switch happened");              \
    }                                                \
    ran; })

static int setup(void **s)
{
    (void)s;
    memset(&dom, 0, sizeof(dom));
    memset(&si, 0, sizeof(si));
    memset(&cpu0, 0, sizeof(cpu0));
    struct vcpu *vs[2] = { &va, &vb };
    dom.state = DOM_RUNNING;
    dom.is_initial = 1;
    dom.nr_vcpus = 2;
    dom.shared_info = &si;
    for (int i = 0; i < 2; i++) {
        memset(vs[i], 0, sizeof(*vs[i]));
        vs[i]->domain = &dom;
        vs[i]->vcpu_id = i;
        vs[i]->online = 1;
        vs[i]->vcpu_info = &si.vcpu_info[i];
        si.vcpu_info[i].evtchn_upcall_mask = 1;
        dom.vcpu[i] = vs[i];
    }
    domains[0] = &dom;
    cpu0.current = &va;
    now_ns = 1000000;
    idles = idle_msgs = 0;
    memset(&frame, 0, sizeof(frame));
    memset(gmem, 0, sizeof(gmem));
    sched_init_domain(&dom);
    return 0;
}

static int teardown(void **s)
{
    (void)s;
    sched_domain_stopped(&dom);      /* leave no timer of this test on the queue */
    for (unsigned c = 0; c < MOAT_MAX_CPUS; c++)
        while (timer_next_deadline(c))
            timer_interrupt(c, timer_next_deadline(c));
    return 0;
}

static int bind_virq_timer(struct vcpu *v)
{
    cpu0.current = v;
    struct evtchn_bind_virq b = { .virq = VIRQ_TIMER, .vcpu = v->vcpu_id };
    memcpy(gmem, &b, sizeof(b));
    assert_int_equal(do_event_channel_op(EVTCHNOP_bind_virq, GWIN), 0);
    memcpy(&b, gmem, sizeof(b));
    return (int)b.port;
}

static void test_start_runs_vcpu0_and_slices_with_two(void **s)
{
    (void)s;
    assert_ptr_equal(SWITCH(sched_start()), &va);
    assert_int_equal(va.sched.runstate, RUNSTATE_running);
    assert_int_equal(vb.sched.runstate, RUNSTATE_runnable);
    /* the periodic 100 Hz tick is armed (first at system time 10 ms, as Xen counts from a
     * last tick at 0), and since another vcpu waits, a 10 ms slice ends after it */
    assert_true(timer_is_active(&va.timers.periodic));
    assert_int_equal(timer_next_deadline(0), MILLISECS(10));
    assert_false(timer_is_active(&vb.timers.periodic));
    /* before the slice ends the current vcpu keeps the CPU */
    frame.eip = 0x1234;
    sched_return_check(&va, &frame);
    /* slice over: the exit path switches, saving the frame */
    now_ns += SCHED_SLICE_NS;
    timer_interrupt(0, now_ns);
    assert_ptr_equal(SWITCH(sched_return_check(&va, &frame)), &vb);
    assert_int_equal(va.regs.eip, 0x1234);
    assert_int_equal(va.sched.runstate, RUNSTATE_runnable);
    assert_int_equal(vb.sched.runstate, RUNSTATE_running);
    /* and back again after vb's slice: round robin */
    now_ns += SCHED_SLICE_NS;
    timer_interrupt(0, now_ns);
    assert_ptr_equal(SWITCH(sched_return_check(&vb, &frame)), &va);
}

static void test_yield_switches_only_if_someone_waits(void **s)
{
    (void)s;
    assert_ptr_equal(SWITCH(sched_start()), &va);
    assert_int_equal(vcpu_yield(), 0);
    assert_ptr_equal(SWITCH(sched_return_check(&va, &frame)), &vb);
    /* va is queued; vb yields: back to va */
    assert_int_equal(vcpu_yield(), 0);
    assert_ptr_equal(SWITCH(sched_return_check(&vb, &frame)), &va);
    /* now take vb off the CPU (block it), and yield alone: no switch */
    cpu0.current = &vb;
    vb.sched.runstate = RUNSTATE_running;
}

static void test_block_sleeps_until_event_and_clears_mask(void **s)
{
    (void)s;
    assert_ptr_equal(SWITCH(sched_start()), &va);
    assert_int_equal(si.vcpu_info[0].evtchn_upcall_mask, 1);
    assert_int_equal(vcpu_block_enable_events(), 0);
    assert_int_equal(si.vcpu_info[0].evtchn_upcall_mask, 0);     /* Xen: block unmasks */
    assert_true(va.sched.blocked);
    assert_ptr_equal(SWITCH(sched_return_check(&va, &frame)), &vb);
    assert_int_equal(va.sched.runstate, RUNSTATE_blocked);
    assert_false(va.sched.on_runq);
    /* an IPI to va (sent by vb) wakes it: runnable again, queued behind vb */
    cpu0.current = &vb;
    struct evtchn_bind_ipi b = { .vcpu = 0 };
    memcpy(gmem, &b, sizeof(b));
    assert_int_equal(do_event_channel_op(EVTCHNOP_bind_ipi, GWIN), 0);
    memcpy(&b, gmem, sizeof(b));
    struct evtchn_send snd = { .port = b.port };
    memcpy(gmem, &snd, sizeof(snd));
    assert_int_equal(do_event_channel_op(EVTCHNOP_send, GWIN), 0);
    assert_false(va.sched.blocked);
    assert_int_equal(va.sched.runstate, RUNSTATE_runnable);
    assert_true(va.sched.on_runq);
    assert_int_equal(si.vcpu_info[0].evtchn_upcall_pending, 1);
}

static void test_block_with_event_pending_returns_at_once(void **s)
{
    (void)s;
    assert_ptr_equal(SWITCH(sched_start()), &va);
    si.vcpu_info[0].evtchn_upcall_pending = 1;
    assert_int_equal(vcpu_block_enable_events(), 0);
    assert_false(va.sched.blocked);
    sched_return_check(&va, &frame);              /* no switch: returns */
    assert_int_equal(va.sched.runstate, RUNSTATE_running);
}

static void test_all_blocked_idles_until_the_timer(void **s)
{
    (void)s;
    assert_ptr_equal(SWITCH(sched_start()), &va);
    int port = bind_virq_timer(&va);
    /* vb blocks first (it is queued; take it out by running it and blocking) */
    assert_int_equal(vcpu_yield(), 0);
    assert_ptr_equal(SWITCH(sched_return_check(&va, &frame)), &vb);
    cpu0.current = &vb;
    assert_int_equal(vcpu_block_enable_events(), 0);
    assert_ptr_equal(SWITCH(sched_return_check(&vb, &frame)), &va);
    /* va sets a one-shot 5 ms ahead and blocks: the CPU idles, the timer wakes va */
    cpu0.current = &va;
    s_time_t T = now_ns + MILLISECS(5);
    assert_int_equal(do_set_timer_op((uint32_t)T, (uint32_t)(T >> 32)), 0);
    assert_int_equal(vcpu_block_enable_events(), 0);
    assert_ptr_equal(SWITCH(sched_return_check(&va, &frame)), &va);
    assert_true(idles >= 1);
    assert_true(now_ns >= T);
    assert_true(evtchn_2l_is_pending(&si, (uint32_t)port));
    assert_int_equal(idle_msgs, 0);               /* a timer was armed: no "nothing armed" line */
    /* everyone blocked, nothing armed: Moat says so, and waits */
    assert_int_equal(do_set_timer_op(0, 0), 0);
    si.vcpu_info[0].evtchn_upcall_pending = 0;
    assert_int_equal(vcpu_block_enable_events(), 0);
    assert_null(SWITCH(sched_return_check(&va, &frame)));
    assert_int_equal(idle_msgs, 1);
}

static void test_periodic_tick_runs_only_while_running(void **s)
{
    (void)s;
    assert_ptr_equal(SWITCH(sched_start()), &va);
    int port = bind_virq_timer(&va);
    assert_true(timer_is_active(&va.timers.periodic));
    assert_int_equal(va.timers.periodic_period, MILLISECS(10));   /* Xen's PV default */
    /* switched out (blocked): the periodic timer stops */
    cpu0.current = &va;
    assert_int_equal(vcpu_block_enable_events(), 0);
    assert_ptr_equal(SWITCH(sched_return_check(&va, &frame)), &vb);
    assert_false(timer_is_active(&va.timers.periodic));
    assert_false(evtchn_2l_is_pending(&si, (uint32_t)port));
    /* woken 50 ms later: the overdue tick is delivered at once on switch-in */
    now_ns += MILLISECS(50);
    vcpu_unblock(&va);
    assert_int_equal(vcpu_yield(), 0);
    assert_ptr_equal(SWITCH(sched_return_check(&vb, &frame)), &va);
    assert_true(evtchn_2l_is_pending(&si, (uint32_t)port));
    assert_true(timer_is_active(&va.timers.periodic));
    assert_int_equal(va.timers.periodic.expires, now_ns + MILLISECS(10));
}

static long poll(evtchn_port_t *ports, uint32_t n, uint64_t timeout)
{
    /* struct sched_poll at GWIN, the port list right after it */
    struct sched_poll p;
    uint32_t list = GWIN + 64;
    memcpy(gmem + 64, ports, n * sizeof(*ports) < GWIN_SIZE - 64 ? n * sizeof(*ports) : 0);
    set_xen_guest_handle(p.ports, (evtchn_port_t *)(uintptr_t)list);
    p.nr_ports = n;
    p.timeout = timeout;
    memcpy(gmem, &p, sizeof(p));
    return vcpu_poll(GWIN);
}

static void test_poll_answers_and_timeout(void **s)
{
    (void)s;
    assert_ptr_equal(SWITCH(sched_start()), &va);
    int port = bind_virq_timer(&va);
    evtchn_port_t ports[4] = { (evtchn_port_t)port };
    assert_int_equal(poll(ports, 129, 0), -XEN_EINVAL);
    assert_false(va.sched.blocked);
    ports[1] = 64;                                         /* past the allocated bucket */
    assert_int_equal(poll(ports, 2, 0), -XEN_EINVAL);
    assert_false(va.sched.blocked);
    assert_int_equal(dom.evtchn.poll_mask, 0);
    assert_int_equal(vcpu_poll(0), -XEN_EFAULT);
    struct sched_poll p = { .nr_ports = 1 };
    set_xen_guest_handle(p.ports, (evtchn_port_t *)0x10u);  /* unmapped list */
    memcpy(gmem, &p, sizeof(p));
    assert_int_equal(vcpu_poll(GWIN), -XEN_EFAULT);
    set_xen_guest_handle(p.ports, (evtchn_port_t *)0xF5800000u);  /* Moat's area */
    memcpy(gmem, &p, sizeof(p));
    assert_int_equal(vcpu_poll(GWIN), -XEN_EFAULT);
    assert_false(va.sched.blocked);
    /* a pending port: 0 at once */
    send_guest_vcpu_virq(&va, VIRQ_TIMER);
    assert_int_equal(poll(ports, 1, 0), 0);
    assert_false(va.sched.blocked);
    /* an unmasked deliverable event: 0 at once too */
    evtchn_2l_clear_pending(&si, (uint32_t)port);
    si.vcpu_info[0].evtchn_upcall_mask = 0;
    assert_int_equal(poll(ports, 1, 0), 0);
    assert_false(va.sched.blocked);
    /* quiet port with a timeout: blocks; the poll timer wakes it */
    si.vcpu_info[0].evtchn_upcall_pending = 0;
    si.vcpu_info[0].evtchn_upcall_mask = 1;
    s_time_t T = now_ns + MILLISECS(3);
    assert_int_equal(poll(ports, 1, (uint64_t)T), 0);
    assert_true(va.sched.blocked);
    assert_int_equal(va.evt.poll_port, port);
    assert_int_equal(dom.evtchn.poll_mask, 1);
    assert_ptr_equal(SWITCH(sched_return_check(&va, &frame)), &vb);
    now_ns = T;
    timer_interrupt(0, now_ns);
    assert_false(va.sched.blocked);
    assert_int_equal(dom.evtchn.poll_mask, 0);
    assert_int_equal(va.sched.runstate, RUNSTATE_runnable);
    /* polled port raised (masked vcpu): wakes without the timeout */
    assert_int_equal(vcpu_yield(), 0);
    assert_ptr_equal(SWITCH(sched_return_check(&vb, &frame)), &va);
    cpu0.current = &va;
    assert_int_equal(poll(ports, 1, 0), 0);
    assert_true(va.sched.blocked);
    send_guest_vcpu_virq(&va, VIRQ_TIMER);
    assert_false(va.sched.blocked);
    assert_false(timer_is_active(&va.timers.poll));
}

static void test_vcpu_op_timer_answers(void **s)
{
    (void)s;
    assert_ptr_equal(SWITCH(sched_start()), &va);
    cpu0.current = &va;
    struct vcpu_set_periodic_timer per = { .period_ns = 999999 };
    memcpy(gmem, &per, sizeof(per));
    assert_int_equal(do_vcpu_op(VCPUOP_set_periodic_timer, 0, GWIN), -XEN_EINVAL);
    per.period_ns = 1ull << 62;
    memcpy(gmem, &per, sizeof(per));
    assert_int_equal(do_vcpu_op(VCPUOP_set_periodic_timer, 0, GWIN), -XEN_EINVAL);
    per.period_ns = MILLISECS(1);
    memcpy(gmem, &per, sizeof(per));
    assert_int_equal(do_vcpu_op(VCPUOP_set_periodic_timer, 0, GWIN), 0);
    assert_int_equal(va.timers.periodic_period, MILLISECS(1));
    assert_int_equal(do_vcpu_op(VCPUOP_set_periodic_timer, 0, 0), -XEN_EFAULT);
    assert_int_equal(do_vcpu_op(VCPUOP_set_periodic_timer, 2, GWIN), -XEN_ENOENT);
    assert_int_equal(do_vcpu_op(VCPUOP_stop_periodic_timer, 1, 0), 0);   /* any own vcpu */
    assert_int_equal(vb.timers.periodic_period, 0);
    struct vcpu_set_singleshot_timer ss = { .timeout_abs_ns = (uint64_t)now_ns + 100, .flags = VCPU_SSHOTTMR_future };
    memcpy(gmem, &ss, sizeof(ss));
    assert_int_equal(do_vcpu_op(VCPUOP_set_singleshot_timer, 1, GWIN), -XEN_EINVAL);  /* not current */
    assert_int_equal(do_vcpu_op(VCPUOP_stop_singleshot_timer, 1, 0), -XEN_EINVAL);
    assert_int_equal(do_vcpu_op(VCPUOP_set_singleshot_timer, 0, GWIN), 0);
    assert_int_equal(va.timers.singleshot.expires, now_ns + 100);
    ss.timeout_abs_ns = 1;                                    /* past + future flag: ignored */
    memcpy(gmem, &ss, sizeof(ss));
    assert_int_equal(do_vcpu_op(VCPUOP_set_singleshot_timer, 0, GWIN), 0);
    assert_int_equal(do_vcpu_op(VCPUOP_is_up, 1, 0), 1);
    assert_int_equal(do_vcpu_op(VCPUOP_initialise, 0, 0), -XEN_ENOSYS);
    assert_int_equal(do_vcpu_op(99, 0, 0), -XEN_ENOSYS);
    /* set_timer_op: 0 stops; negative or > 2^50 ns ahead -> now + 100 ms (Xen's workaround) */
    assert_int_equal(do_set_timer_op(0, 0), 0);
    assert_false(timer_is_active(&va.timers.singleshot));
    assert_int_equal(do_set_timer_op(0, 0x80000000u), 0);
    assert_int_equal(va.timers.singleshot.expires, now_ns + MILLISECS(100));
    s_time_t far = now_ns + (1ll << 51);
    assert_int_equal(do_set_timer_op((uint32_t)far, (uint32_t)(far >> 32)), 0);
    assert_int_equal(va.timers.singleshot.expires, now_ns + MILLISECS(100));
    assert_int_equal(do_set_timer_op(5, 0), 0);                 /* the past: due at once */
    assert_int_equal(va.timers.singleshot.expires, 5);
}

static void test_stopped_domain_leaves_queue_and_timers(void **s)
{
    (void)s;
    assert_ptr_equal(SWITCH(sched_start()), &va);
    assert_true(vb.sched.on_runq);
    sched_domain_stopped(&dom);
    assert_false(vb.sched.on_runq);
    assert_false(timer_is_active(&va.timers.periodic));
    assert_int_equal(va.sched.runstate, RUNSTATE_offline);
    dom.state = DOM_SHUTDOWN;
    vcpu_unblock(&va);                 /* a late event cannot requeue a dead domain */
    assert_false(va.sched.on_runq);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_start_runs_vcpu0_and_slices_with_two),
        T(test_yield_switches_only_if_someone_waits),
        T(test_block_sleeps_until_event_and_clears_mask),
        T(test_block_with_event_pending_returns_at_once),
        T(test_all_blocked_idles_until_the_timer),
        T(test_periodic_tick_runs_only_while_running),
        T(test_poll_answers_and_timeout),
        T(test_vcpu_op_timer_answers),
        T(test_stopped_domain_leaves_queue_and_timers),
    };
    return cmocka_run_group_tests_name("hv_sched", tests, NULL, NULL);
}
