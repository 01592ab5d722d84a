/* Helpers of the smp-* guests (see smp-lib.h). */
#include "smp-lib.h"

uint8_t smp_stacks[SMP_MAX_V][SMP_STACK] __attribute__((aligned(SMP_STACK)));
unsigned smp_nr_vcpus;
int smp_on_moat;
volatile uint32_t smp_faults[SMP_MAX_V];

/* ---- probes and the #PF handler ----------------------------------------------------------
 * Frame on entry (same ring, so no ss:esp): error code, eip, cs, eflags. A fault at one of
 * the two probe instructions resumes after it with eax = 1; any other is a test bug. */
void smp_pf_unexpected(uint32_t eip, uint32_t err);
asm(".text\n"
    ".globl smp_probe_write\n"
    "smp_probe_write:\n"
    "  movl 4(%esp), %edx\n"
    "  movl 8(%esp), %ecx\n"
    "  xorl %eax, %eax\n"
    "smp_probe_w_insn:\n"
    "  movl %ecx, (%edx)\n"
    "smp_probe_w_end:\n"
    "  ret\n"
    ".globl smp_probe_read\n"
    "smp_probe_read:\n"
    "  movl 4(%esp), %edx\n"
    "  xorl %eax, %eax\n"
    "  xorl %ecx, %ecx\n"
    "smp_probe_r_insn:\n"
    "  movl (%edx), %ecx\n"
    "smp_probe_r_end:\n"
    "  movl 8(%esp), %edx\n"
    "  movl %ecx, (%edx)\n"
    "  ret\n"
    ".globl smp_pf_entry\n"
    "smp_pf_entry:\n"
    "  cmpl $smp_probe_w_insn, 4(%esp)\n"
    "  je 1f\n"
    "  cmpl $smp_probe_r_insn, 4(%esp)\n"
    "  je 2f\n"
    "  pushl 0(%esp)\n"
    "  pushl 8(%esp)\n"
    "  call smp_pf_unexpected\n"
    "1: movl $smp_probe_w_end, 4(%esp)\n"
    "  jmp 3f\n"
    "2: movl $smp_probe_r_end, 4(%esp)\n"
    "3: movl $1, %eax\n"
    "  addl $4, %esp\n"
    "  iret\n"
    /* secondaries keep events masked; an upcall (a register_vcpu_info move, say) is just
     * acknowledged */
    ".globl smp_upcall_entry\n"
    "smp_upcall_entry:\n"
    "  pushal\n"
    "  call smp_upcall\n"
    "  popal\n"
    "  jmp hypercall_page + 23 * 32\n");
extern char smp_pf_entry[], smp_upcall_entry[], ev_failsafe_entry[];

void smp_pf_unexpected(uint32_t eip, uint32_t err)
{
    print("smp: unexpected page fault on vcpu %u at eip 0x%x (error %x)\n", smp_me(), eip, err);
    shutdown(SHUTDOWN_crash);
}

void smp_upcall(void)
{
    unsigned me = smp_me();
    if (me < SMP_MAX_V)
        ev_shared->vcpu_info[me].evtchn_upcall_pending = 0;
}

unsigned smp_me(void)
{
    uint32_t sp = (uint32_t)__builtin_frame_address(0);
    uint32_t base = (uint32_t)smp_stacks;
    return sp >= base && sp < base + sizeof(smp_stacks) ? (sp - base) / SMP_STACK : 0;
}

long smp_vcpu_op(unsigned cmd, unsigned vcpu, void *arg) { return HYPERVISOR_vcpu_op(cmd, vcpu, arg); }

int smp_wait(volatile uint32_t *what, uint32_t want, uint64_t ns)
{
    uint64_t end = ev_now() + ns;
    while (*what < want)
        if (ev_now() > end)
            return 0;
    return 1;
}

static struct trap_info vcpu0_traps[2] = { { 14, 0, FLAT_RING1_CS, (unsigned long)smp_pf_entry } };

int smp_init(const char *name, unsigned want)
{
    ev_init(name);
    smp_on_moat = HYPERVISOR_xen_version(XENVER_version, 0) > 0 && hypercall2(56, 0, 0) > 0;
    print("%s: on %s\n", name, smp_on_moat ? "Moat" : "Xen (hypercall 56 is not Moat's)");
    for (smp_nr_vcpus = 1; smp_nr_vcpus < 8; smp_nr_vcpus++)
        if (smp_vcpu_op(VCPUOP_is_up, smp_nr_vcpus, 0) == -XEN_ENOENT)
            break;
    print("%s: %u vcpus\n", name, smp_nr_vcpus);
    MM_EXPECT(HYPERVISOR_set_trap_table(vcpu0_traps), 0, "vcpu 0: #PF handler for the probes");
    if (smp_nr_vcpus < want) {
        print("%s: needs %u vcpus (Moat: vcpus=%u; Xen: --smp %u)\n", name, want, want, want);
        return 0;
    }
    return 1;
}

void smp_context(struct vcpu_guest_context *c, unsigned n, void (*entry)(void))
{
    uint8_t *p = (uint8_t *)c;
    for (unsigned i = 0; i < sizeof(*c); i++)
        p[i] = 0;
    c->flags = VGCF_in_kernel;
    c->user_regs.cs = FLAT_RING1_CS;
    c->user_regs.ss = c->user_regs.ds = c->user_regs.es = FLAT_RING1_DS;
    c->user_regs.eip = (unsigned long)entry;
    c->user_regs.esp = (unsigned long)(smp_stacks[n] + SMP_STACK - 16);
    c->user_regs.eflags = 0x2;
    c->kernel_ss = FLAT_RING1_DS;
    c->kernel_sp = c->user_regs.esp;
    c->ctrlreg[3] = xen_pfn_to_cr3(mm_l3_mfn());
    c->event_callback_cs = FLAT_RING1_CS;
    c->event_callback_eip = (unsigned long)smp_upcall_entry;
    c->failsafe_callback_cs = FLAT_RING1_CS;
    c->failsafe_callback_eip = (unsigned long)ev_failsafe_entry;
    c->trap_ctxt[14] = (struct trap_info){ 14, 0, FLAT_RING1_CS, (unsigned long)smp_pf_entry };
}

/* ---- the worker ------------------------------------------------------------------------- */
struct worker {
    volatile uint32_t seq, op, va, val;     /* written by vcpu 0, seq last */
    volatile uint32_t ack, result, read;    /* written by the worker, ack last */
};
static struct worker workers[SMP_MAX_V];
static struct vcpu_guest_context wctx;

static void worker_main(void) __attribute__((noreturn, used));
static void worker_main(void)
{
    unsigned me = smp_me();
    struct worker *w = &workers[me];
    uint32_t done = w->ack;
    for (;;) {
        uint32_t seq = w->seq;
        if (seq == done)
            continue;                       /* W_PARK: only this word is read */
        uint32_t op = w->op, va = w->va, val = w->val, r = 0;
        switch (op) {
        case W_HOT_WRITE:
        case W_HOT_READ:
            for (uint32_t i = 0; w->seq == seq; i++) {
                if (op == W_HOT_WRITE)
                    *(volatile uint32_t *)va = 0;
                else
                    r = *(volatile uint32_t *)va;
                if (i == 1000) {
                    w->read = r;
                    __atomic_store_n(&w->ack, seq, __ATOMIC_SEQ_CST);
                }
            }
            done = seq;
            continue;                       /* the next command is already there */
        case W_WRITE_ONCE:
            w->result = (uint32_t)smp_probe_write(va, val);
            break;
        case W_READ_ONCE:
            w->result = (uint32_t)smp_probe_read(va, &r);
            w->read = r;
            break;
        case W_NEW_BASE: {
            struct mmuext_op o = { .cmd = MMUEXT_NEW_BASEPTR, .arg1.mfn = val };
            w->result = (uint32_t)HYPERVISOR_mmuext_op(&o, 1, 0, DOMID_SELF);
            done = seq;
            __atomic_store_n(&w->ack, seq, __ATOMIC_SEQ_CST);
            continue;
        }
        case W_DOWN:
            done = seq;
            __atomic_store_n(&w->ack, seq, __ATOMIC_SEQ_CST);
            smp_vcpu_op(VCPUOP_down, me, 0);
            continue;                       /* VCPUOP_up resumes here: park */
        default:
            break;
        }
        if (w->result)
            smp_faults[me]++;
        done = seq;
        __atomic_store_n(&w->ack, seq, __ATOMIC_SEQ_CST);
    }
}

int smp_start_worker(unsigned n)
{
    smp_context(&wctx, n, worker_main);
    long rc = smp_vcpu_op(VCPUOP_initialise, n, &wctx);
    if (rc != 0 && rc != -XEN_EEXIST) {
        print("smp: initialise vcpu %u: %d\n", n, rc);
        return 0;
    }
    rc = smp_vcpu_op(VCPUOP_up, n, 0);
    if (rc != 0) {
        print("smp: up vcpu %u: %d\n", n, rc);
        return 0;
    }
    return 1;
}

int smp_cmd(unsigned n, enum smp_op op, uint32_t va, uint32_t val, uint32_t *read)
{
    struct worker *w = &workers[n];
    uint32_t seq = w->seq + 1;
    w->op = op;
    w->va = va;
    w->val = val;
    __atomic_store_n(&w->seq, seq, __ATOMIC_SEQ_CST);
    if (!smp_wait(&w->ack, seq, 5 * SMP_SECOND)) {
        print("smp: worker %u did not answer command %u (op %u)\n", n, seq, op);
        return -1000;
    }
    if (read)
        *read = w->read;
    return op == W_WRITE_ONCE || op == W_READ_ONCE || op == W_NEW_BASE ? (int)w->result : 0;
}
