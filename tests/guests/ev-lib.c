/* Helpers of the ev-* guests (see ev-lib.h). */
#include "ev-lib.h"

struct shared_info *ev_shared;
struct vcpu_info *ev_vcpu;
volatile unsigned ev_upcalls;
volatile unsigned ev_port_count[1024];
volatile uint32_t ev_last_eip, ev_last_eflags;
volatile uint64_t ev_last_ns;
volatile uint64_t ev_first_ns[1024];

extern char ev_upcall_entry[], ev_failsafe_entry[];

uint64_t ev_rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* xen.h: system_time + ((((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul) >> 32),
 * read under the version protocol. */
uint64_t ev_now(void)
{
    volatile struct vcpu_time_info *t = &ev_vcpu->time;
    uint32_t v;
    uint64_t ns;
    do {
        v = t->version;
        asm volatile("" ::: "memory");
        uint64_t d = ev_rdtsc() - t->tsc_timestamp;
        int8_t shift = t->tsc_shift;
        uint32_t mul = t->tsc_to_system_mul;
        if (shift < 0)
            d >>= -shift;
        else
            d <<= shift;
        ns = t->system_time + (d >> 32) * mul + (((d & 0xFFFFFFFFu) * mul) >> 32);
        asm volatile("" ::: "memory");
    } while ((v & 1) || v != t->version);
    return ns;
}

void ev_spin_until(uint64_t ns)
{
    while (ev_now() < ns)
        ;
}

long ev_xen_version(void) { return HYPERVISOR_xen_version(XENVER_version, 0); }

void ev_mask(void)
{
    ev_vcpu->evtchn_upcall_mask = 1;
    asm volatile("" ::: "memory");
}

void ev_unmask(void)
{
    asm volatile("" ::: "memory");
    ev_vcpu->evtchn_upcall_mask = 0;
    asm volatile("" ::: "memory");
    if (ev_vcpu->evtchn_upcall_pending)
        ev_xen_version();
}

void ev_scan(struct vcpu_info *vi, int (*accept)(unsigned port), void (*got)(unsigned port))
{
    while (vi->evtchn_upcall_pending) {
        vi->evtchn_upcall_pending = 0;
        uint32_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
        while (sel) {
            unsigned w = __builtin_ctz(sel);
            sel &= sel - 1;
            uint32_t bits = ev_shared->evtchn_pending[w] & ~ev_shared->evtchn_mask[w];
            while (bits) {
                unsigned b = __builtin_ctz(bits);
                bits &= bits - 1;
                unsigned port = w * 32 + b;
                if (accept && !accept(port))
                    continue;
                __atomic_fetch_and(&ev_shared->evtchn_pending[w], ~(1u << b), __ATOMIC_SEQ_CST);
                got(port);
            }
        }
    }
}

static uint64_t upcall_now; /* the time of the upcall being handled, for count_port */

static void count_port(unsigned port)
{
    if (!ev_port_count[port])
        ev_first_ns[port] = upcall_now;
    ev_port_count[port]++;
}

/* Called from ev_upcall_entry with events masked. frame: eip, cs, eflags. */
void ev_upcall(uint32_t *frame)
{
    uint64_t now = ev_now();
    ev_upcalls++;
    ev_last_eip = frame[0];
    ev_last_eflags = frame[2];
    ev_last_ns = now;
    upcall_now = now;
    ev_scan(ev_vcpu, 0, count_port);
}

void ev_failsafe(void)
{
    print("ev: failsafe callback entered\n");
    shutdown(SHUTDOWN_crash);
}

void ev_init(const char *name)
{
    mm_init(name);
    uint32_t va = mm_scratch_va(99);
    long rc = mm_remap(va, start_info->shared_info >> 12, PG_P | PG_RW | PG_A | PG_D);
    if (rc) {
        print("%s: cannot map shared_info (machine 0x%x): %d\n", name, start_info->shared_info, rc);
        shutdown(SHUTDOWN_crash);
    }
    ev_shared = (struct shared_info *)va;
    ev_vcpu = &ev_shared->vcpu_info[0];
    rc = HYPERVISOR_set_callbacks(FLAT_RING1_CS, (unsigned long)ev_upcall_entry, FLAT_RING1_CS,
                                  (unsigned long)ev_failsafe_entry);
    print("%s: shared_info mapped at 0x%x, set_callbacks %d, upcall mask %u pending %u\n", name,
          va, rc, ev_vcpu->evtchn_upcall_mask, ev_vcpu->evtchn_upcall_pending);
}

int ev_alloc_unbound(domid_t dom, domid_t remote)
{
    struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a);
    return rc ? (int)rc : (int)a.port;
}

int ev_bind_interdomain(domid_t rdom, uint32_t rport)
{
    struct evtchn_bind_interdomain b = { .remote_dom = rdom, .remote_port = rport };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &b);
    return rc ? (int)rc : (int)b.local_port;
}

int ev_bind_virq(uint32_t virq, uint32_t vcpu)
{
    struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &b);
    return rc ? (int)rc : (int)b.port;
}

int ev_bind_ipi(uint32_t vcpu)
{
    struct evtchn_bind_ipi b = { .vcpu = vcpu };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &b);
    return rc ? (int)rc : (int)b.port;
}

long ev_send(uint32_t port)
{
    struct evtchn_send s = { .port = port };
    return HYPERVISOR_event_channel_op(EVTCHNOP_send, &s);
}

long ev_close(uint32_t port)
{
    struct evtchn_close c = { .port = port };
    return HYPERVISOR_event_channel_op(EVTCHNOP_close, &c);
}

long ev_unmask_port(uint32_t port)
{
    struct evtchn_unmask u = { .port = port };
    return HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &u);
}

long ev_status(uint32_t port, struct evtchn_status *st)
{
    st->dom = DOMID_SELF;
    st->port = port;
    return HYPERVISOR_event_channel_op(EVTCHNOP_status, st);
}

void ev_mask_port(uint32_t port)
{
    __atomic_fetch_or(&ev_shared->evtchn_mask[port / 32], 1u << (port % 32), __ATOMIC_SEQ_CST);
}

int ev_port_pending(uint32_t port)
{
    return (ev_shared->evtchn_pending[port / 32] >> (port % 32)) & 1;
}

long ev_set_timer(uint64_t abs_ns)
{
    return HYPERVISOR_set_timer_op_raw((uint32_t)abs_ns, (uint32_t)(abs_ns >> 32));
}

long ev_singleshot(uint64_t abs_ns, uint32_t flags)
{
    struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = abs_ns, .flags = flags };
    return HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t);
}

long ev_block(void) { return HYPERVISOR_sched_op(SCHEDOP_block, 0); }

long ev_poll(evtchn_port_t *ports, unsigned n, uint64_t timeout_abs_ns)
{
    struct sched_poll p;
    set_xen_guest_handle(p.ports, ports);
    p.nr_ports = n;
    p.timeout = timeout_abs_ns;
    return HYPERVISOR_sched_op(SCHEDOP_poll, &p);
}
