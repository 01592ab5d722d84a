/* smp-ctx: VCPUOP with hostile input - bad vcpu ids, bad contexts for VCPUOP_initialise,
 * contexts Xen accepts but the CPU cannot run, and fast up/down loops. 4 vcpus (Moat:
 * vcpus=4; Xen: run-on-xen --smp 4). Every expectation was checked on real Xen 4.17; where
 * Moat is stricter the line says "(Moat M)" and the check accepts Xen's answer too.
 *
 * Rules (vcpu_up.c; log lines name them):
 *   CTX-ID      a vcpu id the domain does not have is -ENOENT for every VCPUOP
 *   CTX-ORDER   up before initialise -EINVAL; initialise twice -EEXIST; up while up 0;
 *               down while down 0
 *   CTX-CR3     ctrlreg[3] must name an L3 of ours that validates: an L1, an L2, a data page,
 *               Moat's frame, a frame beyond RAM, a mis-encoded cr3 are -EINVAL
 *   CTX-GDT     every gdt frame a descriptor page of ours: Moat's frame, a frame beyond RAM,
 *               a page table, the second frame of 513 entries -EINVAL; with gdt_ents 0 the
 *               frame list is ignored
 *   CTX-NOAPPLY a refused context leaves the vcpu exactly uninitialised (up still -EINVAL)
 *   CTX-SEL     selectors are not refused (RPL 0 becomes 1, as Xen); a code selector the CPU
 *               will not load (ring-0 code) ends in the guest's failsafe callback, not in Moat
 *   CTX-FLAGS   eflags VM/NT/IOPL and reserved MXCSR bits never reach the hardware
 *   CTX-EIP     an eip in the hypervisor's area is the guest's fault, delivered to it
 *   CTX-INFO    register_vcpu_info for another vcpu: -EINVAL while it is up, 0 once it is
 *               down, -EINVAL the second time
 *   CTX-M       (Moat M) trap handlers or an LDT in Moat's area, debug registers: -EINVAL
 *               (Xen 4.17 accepts them; only run on Moat)
 *   CTX-LOOP    200 down/up cycles of a vcpu that downs itself: every up answered, exactly
 *               200 resumes */
#include "smp-lib.h"

static struct vcpu_guest_context ctx;
static volatile uint32_t sink_vector[SMP_MAX_V], sink_eip[SMP_MAX_V], sink_hits[SMP_MAX_V];
static volatile uint32_t rep_eflags[SMP_MAX_V], rep_mxcsr[SMP_MAX_V], rep_done[SMP_MAX_V];
static volatile uint32_t loop_count[SMP_MAX_V];
static volatile uint32_t sink_release[SMP_MAX_V];     /* the sink spins (up) until set */

/* Fault and failsafe sinks for vcpus started with hostile contexts: record what arrived,
 * then take the vcpu down (and down again if it is brought up). sp[0] is the vector pushed by
 * the entry, the frame starts at sp[1]. */
void ctx_sink(uint32_t *sp);
#define SINK(v) "ctx_sink_" #v ": pushl $" #v "\n  jmp ctx_common\n"
asm(".text\n"
    SINK(0) SINK(1) SINK(3) SINK(4) SINK(5) SINK(6) SINK(7) SINK(10) SINK(11) SINK(12) SINK(13)
    SINK(14) SINK(16) SINK(17) SINK(19) SINK(256)
    "ctx_common:\n"
    "  pushl %esp\n"
    "  call ctx_sink\n"
    "1: jmp 1b\n");
extern char ctx_sink_0[], ctx_sink_1[], ctx_sink_3[], ctx_sink_4[], ctx_sink_5[], ctx_sink_6[],
    ctx_sink_7[], ctx_sink_10[], ctx_sink_11[], ctx_sink_12[], ctx_sink_13[], ctx_sink_14[],
    ctx_sink_16[], ctx_sink_17[], ctx_sink_19[], ctx_sink_256[];
static const struct { unsigned vec; const char *entry; } sinks[] = {
    { 0, ctx_sink_0 }, { 1, ctx_sink_1 }, { 3, ctx_sink_3 }, { 4, ctx_sink_4 }, { 5, ctx_sink_5 },
    { 6, ctx_sink_6 }, { 7, ctx_sink_7 }, { 10, ctx_sink_10 }, { 11, ctx_sink_11 },
    { 12, ctx_sink_12 }, { 13, ctx_sink_13 }, { 14, ctx_sink_14 }, { 16, ctx_sink_16 },
    { 17, ctx_sink_17 }, { 19, ctx_sink_19 },
};

void ctx_sink(uint32_t *sp)
{
    unsigned me = smp_me();
    uint32_t vec = sp[0];
    /* frames: [error code,] eip, cs, eflags; failsafe (x86_32): ds es fs gs eip cs ... */
    int err = vec == 10 || vec == 11 || vec == 12 || vec == 13 || vec == 14 || vec == 17;
    sink_vector[me] = vec;
    sink_eip[me] = vec == 256 ? sp[5] : err ? sp[2] : sp[1];
    __atomic_fetch_add(&sink_hits[me], 1, __ATOMIC_SEQ_CST);
    while (!sink_release[me])
        ;
    for (;;)
        smp_vcpu_op(VCPUOP_down, me, 0);
}

/* vcpu 2's entry: report the eflags and MXCSR it really runs with, then go down. */
static void reporter(void) __attribute__((noreturn, used));
static void reporter(void)
{
    unsigned me = smp_me();
    uint32_t fl, mx;
    asm volatile("pushfl; popl %0" : "=r"(fl));
    asm volatile("stmxcsr %0" : "=m"(mx));
    rep_eflags[me] = fl;
    rep_mxcsr[me] = mx;
    __atomic_store_n(&rep_done[me], 1, __ATOMIC_SEQ_CST);
    for (;;) {
        smp_vcpu_op(VCPUOP_down, me, 0);
        __atomic_fetch_add(&loop_count[me], 1, __ATOMIC_SEQ_CST);   /* brought up again */
    }
}

static void base(unsigned n, void (*entry)(void))
{
    smp_context(&ctx, n, entry);
    for (unsigned i = 0; i < sizeof(sinks) / sizeof(sinks[0]); i++)
        ctx.trap_ctxt[sinks[i].vec] = (struct trap_info){ sinks[i].vec, 0, FLAT_RING1_CS,
                                                          (unsigned long)sinks[i].entry };
    ctx.failsafe_callback_eip = (unsigned long)ctx_sink_256;
}

static long init(unsigned n) { return smp_vcpu_op(VCPUOP_initialise, n, &ctx); }

static void ids(void)
{
    static const uint32_t bad[] = { 4, 8, 31, 32, 1000, 0x7FFFFFFFu, 0xFFFFFFFFu };
    struct vcpu_runstate_info rs;
    struct vcpu_register_vcpu_info ri = { 0, 0, 0 };
    struct vcpu_set_periodic_timer pt = { 10000000ull };
    unsigned bad_answers = 0;
    base(1, reporter);
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        long r[7] = {
            smp_vcpu_op(VCPUOP_initialise, bad[i], &ctx), smp_vcpu_op(VCPUOP_up, bad[i], 0),
            smp_vcpu_op(VCPUOP_down, bad[i], 0), smp_vcpu_op(VCPUOP_is_up, bad[i], 0),
            smp_vcpu_op(VCPUOP_get_runstate_info, bad[i], &rs),
            smp_vcpu_op(VCPUOP_register_vcpu_info, bad[i], &ri),
            smp_vcpu_op(VCPUOP_set_periodic_timer, bad[i], &pt),
        };
        for (unsigned k = 0; k < 7; k++)
            if (r[k] != -XEN_ENOENT) {
                print("smp-ctx: vcpu id %u op %u: %d\n", bad[i], k, r[k]);
                bad_answers++;
            }
    }
    MM_EXPECT(bad_answers, 0, "rule CTX-ID: 7 bad vcpu ids x 7 VCPUOPs all -ENOENT");
}

static void refusals(void)
{
    uint32_t l1 = (uint32_t)((mm_read_l2e(0xC0000000u) >> 12) & 0xFFFFFF);
    uint32_t l2 = mm_l2_mfn(0xC0000000u), l3 = mm_l3_mfn();
    MM_EXPECT(smp_vcpu_op(VCPUOP_up, 1, 0), -XEN_EINVAL, "rule CTX-ORDER: up before initialise");
    MM_EXPECT(smp_vcpu_op(VCPUOP_down, 1, 0), 0, "rule CTX-ORDER: down of a vcpu never up");
    static const struct { uint32_t cr3; const char *what; } cr3s[] = {
        { 0, "rule CTX-CR3: ctrlreg[3] an L1 of ours" },
        { 0, "rule CTX-CR3: ctrlreg[3] the slot-3 L2 of ours" },
        { 0, "rule CTX-CR3: ctrlreg[3] Moat's (Xen's) frame at 1 MB" },
        { 0, "rule CTX-CR3: ctrlreg[3] a frame beyond RAM" },
        { 0, "rule CTX-CR3: ctrlreg[3] our L3 mis-encoded (low bits set)" },
        { 0, "rule CTX-CR3: ctrlreg[3] zero" },
    };
    uint32_t vals[6] = { xen_pfn_to_cr3(l1), xen_pfn_to_cr3(l2), xen_pfn_to_cr3(0x100),
                         xen_pfn_to_cr3(0xFFFFF), xen_pfn_to_cr3(l3) | 0x800, 0 };
    for (unsigned i = 0; i < 6; i++) {
        base(1, reporter);
        ctx.ctrlreg[3] = vals[i];
        MM_EXPECT(init(1), -XEN_EINVAL, cr3s[i].what);
    }
    static const char *const gdts[] = {
        "rule CTX-GDT: a gdt frame of Moat's (Xen's) at 1 MB",
        "rule CTX-GDT: a gdt frame beyond RAM",
        "rule CTX-GDT: a gdt frame that is an L1 page table",
        "rule CTX-GDT: the second gdt frame of 513 entries bad",
    };
    for (unsigned i = 0; i < 4; i++) {
        base(1, reporter);
        ctx.gdt_ents = i == 3 ? 513 : 512;
        ctx.gdt_frames[0] = i == 0 ? 0x100 : i == 1 ? 0xFFFFF : l1;
        if (i == 3) {
            ctx.gdt_frames[0] = mm_scratch_mfn(50);      /* a read-only zero page: fine */
            ctx.gdt_frames[1] = 0xFFFFF;
        }
        MM_EXPECT(init(1), -XEN_EINVAL, gdts[i]);
    }
    /* the refused 513-entry GDT took (and must have given back) a descriptor use of page 50:
     * mapping it writable again works only if nothing was left behind */
    MM_EXPECT(mm_remap(mm_scratch_va(50), mm_scratch_mfn(50), PG_P | PG_RW | PG_A), 0,
              "rule CTX-NOAPPLY: the good gdt frame of a refused context was released");
    /* Moat M: stricter than Xen 4.17, which accepts all three (checked with run-on-xen: 0,
     * which would initialise the vcpu - so they are only tried on Moat) */
    if (smp_on_moat) {
        base(1, reporter);
        ctx.trap_ctxt[13].address = mm_hv_start() + 0x100;
        MM_EXPECT(init(1), -XEN_EINVAL, "rule CTX-M (Moat M): a trap handler in Moat's area");
        base(1, reporter);
        ctx.debugreg[0] = 0xC0100000u;
        ctx.debugreg[7] = 0x401;
        MM_EXPECT(init(1), -XEN_EINVAL, "rule CTX-M (Moat M): debug registers (no hardware breakpoints)");
        base(1, reporter);
        ctx.ldt_base = mm_hv_start();
        ctx.ldt_ents = 1;
        MM_EXPECT(init(1), -XEN_EINVAL, "rule CTX-M (Moat M): an LDT in Moat's area");
    } else {
        print("smp-ctx: CTX-M cases skipped: Xen accepts them (initialise answers 0)\n");
    }
    MM_EXPECT(smp_vcpu_op(VCPUOP_up, 1, 0), -XEN_EINVAL, "rule CTX-NOAPPLY: vcpu 1 still uninitialised");
    MM_EXPECT(smp_vcpu_op(VCPUOP_is_up, 1, 0), 0, "rule CTX-NOAPPLY: and down");
}

/* CTX-INFO: register_vcpu_info for another vcpu only while it is down, once. */
static void vcpu_info_rules(unsigned n)
{
    struct vcpu_register_vcpu_info ri = { mm_scratch_mfn(60), 0, 0 };
    MM_EXPECT(smp_vcpu_op(VCPUOP_is_up, n, 0), 1, "rule CTX-INFO: vcpu 1 is up (spinning in its sink)");
    MM_EXPECT(smp_vcpu_op(VCPUOP_register_vcpu_info, n, &ri), -XEN_EINVAL,
              "rule CTX-INFO: register_vcpu_info for another vcpu that is up");
    sink_release[n] = 1;
    uint64_t end = ev_now() + 5 * SMP_SECOND;
    while (smp_vcpu_op(VCPUOP_is_up, n, 0) != 0 && ev_now() < end)
        ;
    MM_EXPECT(smp_vcpu_op(VCPUOP_register_vcpu_info, n, &ri), 0,
              "rule CTX-INFO: register_vcpu_info for another vcpu that is down");
    ri.mfn = mm_scratch_mfn(61);
    MM_EXPECT(smp_vcpu_op(VCPUOP_register_vcpu_info, n, &ri), -XEN_EINVAL, "rule CTX-INFO: a second time");
}

static void wait_sink(unsigned n, uint32_t hits, const char *what)
{
    smp_wait(&sink_hits[n], hits, 5 * SMP_SECOND);
    if (n == 1)
        vcpu_info_rules(n);
    sink_release[n] = 1;
    uint64_t end = ev_now() + 5 * SMP_SECOND;
    while (smp_vcpu_op(VCPUOP_is_up, n, 0) != 0 && ev_now() < end)
        ;
    print("smp-ctx: vcpu %u: %u sink hits, vector %u at eip 0x%x, is_up %d\n", n, sink_hits[n],
          sink_vector[n], sink_eip[n], smp_vcpu_op(VCPUOP_is_up, n, 0));
    mm_check(sink_hits[n] >= hits, what, sink_hits[n]);
}

static void accepted(void)
{
    /* CTX-SEL: a ring-0 code selector. RPL 0 -> 1 (as Xen), the CPU refuses the DPL-0 segment
     * on the way into the guest: the failsafe callback gets it. */
    base(1, reporter);
    ctx.user_regs.cs = 0xe008;
    ctx.kernel_ss = 0xe010;                             /* ring-0 data as the kernel stack */
    MM_EXPECT(init(1), 0, "rule CTX-SEL: ring-0 cs and kernel_ss accepted (RPL raised, as Xen)");
    MM_EXPECT(smp_vcpu_op(VCPUOP_initialise, 1, &ctx), -XEN_EEXIST, "rule CTX-ORDER: initialise twice");
    MM_EXPECT(smp_vcpu_op(VCPUOP_up, 1, 0), 0, "rule CTX-SEL: up");
    wait_sink(1, 1, "rule CTX-SEL: the unloadable cs ends in the guest's failsafe/#GP, Moat fine");

    /* CTX-FLAGS: eflags with VM, NT, IOPL 3 and every other bit; MXCSR with reserved bits */
    base(2, reporter);
    ctx.user_regs.eflags = 0xFFFFFFFFu & ~0x100u;       /* everything but TF */
    ctx.flags |= VGCF_I387_VALID;
    uint32_t mx = 0xFFFFFFFFu;
    uint8_t *fx = (uint8_t *)&ctx.fpu_ctxt;
    for (unsigned i = 0; i < 4; i++)
        fx[24 + i] = (uint8_t)(mx >> (8 * i));
    fx[0] = 0x7F;                                       /* a sane FCW */
    fx[1] = 0x03;
    MM_EXPECT(init(2), 0, "rule CTX-FLAGS: hostile eflags and MXCSR accepted");
    MM_EXPECT(smp_vcpu_op(VCPUOP_up, 2, 0), 0, "rule CTX-FLAGS: up");
    smp_wait(&rep_done[2], 1, 5 * SMP_SECOND);
    print("smp-ctx: vcpu 2 runs with eflags 0x%x, mxcsr 0x%x\n", rep_eflags[2], rep_mxcsr[2]);
    mm_check(rep_done[2] == 1 && !(rep_eflags[2] & 0x00020000u) && (rep_eflags[2] & 0x200),
             "rule CTX-FLAGS: no VM in the real eflags, IF on", rep_eflags[2]);
    mm_check(!smp_on_moat || !(rep_eflags[2] & 0x4000), "rule CTX-FLAGS: no NT (Moat M; Xen keeps it)",
             rep_eflags[2]);
    mm_check((rep_eflags[2] & 0x3000) == 0, "rule CTX-FLAGS: IOPL 3 is virtual (hardware IOPL 0)",
             rep_eflags[2]);
    /* Xen under QEMU TCG loads the image as given (TCG's fxrstor does not fault on reserved
     * bits; real hardware would): only Moat's clearing is checked */
    mm_check(rep_done[2] == 1 && (!smp_on_moat || (rep_mxcsr[2] >> 16) == 0),
             "rule CTX-FLAGS: reserved MXCSR bits cleared (Moat M)", rep_mxcsr[2]);

    /* CTX-EIP: start in the hypervisor's area */
    base(3, reporter);
    ctx.user_regs.eip = mm_hv_start() + 0x100;
    long r = init(3);
    print("smp-ctx: initialise with eip 0x%x: %d\n", ctx.user_regs.eip, r);
    MM_EXPECT(r, 0, "rule CTX-EIP: eip in the hypervisor's area accepted (as Xen)");
    MM_EXPECT(smp_vcpu_op(VCPUOP_up, 3, 0), 0, "rule CTX-EIP: up");
    wait_sink(3, 1, "rule CTX-EIP: it faults into the guest's own handler, nothing runs there");
}

static void loops(void)
{
    /* vcpu 2's reporter resumes after its VCPUOP_down each time it is brought up, counts,
     * and downs itself again: 200 cycles must give exactly 200 resumes */
    unsigned bad = 0;
    uint32_t before = loop_count[2];
    for (unsigned i = 0; i < 200; i++) {
        uint64_t end = ev_now() + 5 * SMP_SECOND;
        while (smp_vcpu_op(VCPUOP_is_up, 2, 0) != 0 && ev_now() < end)
            ;
        if (smp_vcpu_op(VCPUOP_is_up, 2, 0) != 0 || smp_vcpu_op(VCPUOP_up, 2, 0) != 0)
            bad++;
    }
    uint64_t end = ev_now() + 5 * SMP_SECOND;
    while (smp_vcpu_op(VCPUOP_is_up, 2, 0) != 0 && ev_now() < end)
        ;
    MM_EXPECT(bad, 0, "rule CTX-LOOP: 200 down/up cycles, every up answered 0");
    MM_EXPECT(loop_count[2] - before, 200, "rule CTX-LOOP: the vcpu resumed exactly 200 times");
    MM_EXPECT(smp_vcpu_op(VCPUOP_down, 2, 0), 0, "rule CTX-ORDER: down while down");
    MM_EXPECT(smp_vcpu_op(VCPUOP_is_up, 2, 0), 0, "rule CTX-ORDER: still down");
}

unsigned int guest_main(void)
{
    if (!smp_init("smp-ctx", 4))
        return SHUTDOWN_crash;
    MM_EXPECT(mm_remap(mm_scratch_va(50), mm_scratch_mfn(50), PG_P | PG_A), 0, "page 50 read-only");
    mm_zero_page(mm_scratch_va(51));
    ids();
    refusals();
    accepted();
    loops();
    mm_check_alive();
    return mm_finish("smp-ctx");
}
