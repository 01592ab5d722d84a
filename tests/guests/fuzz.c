/* fuzz: a deterministic hostile-guest fuzzer (task H17). Seeded (guest option seed=N, default
 * 1), it issues thousands of hypercalls over every number 0..63, Moat's 56 and random numbers,
 * with hostile arguments, multicall lists made of the same calls, hostile iret frames and
 * privileged instructions in ring 1, then checks a few invariants through the ABI and powers
 * off. Moat passes iff it survives: no panic, no hang, and this guest's clean poweroff.
 *
 * Rules the fuzzer keeps so that what breaks is Moat and never the fuzzer itself (WHY each
 * restriction exists is next to it):
 *   - its code, data, stack, start_info, p2m list and page tables are never the target of a
 *     call that could succeed in changing them: page-table writes aim at the L1 entries of the
 *     "sacrificial" scratch pages, at unused L2 slots and at L3 slots 0-2; frame operations
 *     (pin, clear, copy, machphys, descriptors, vcpu_info) take sacrificial or junk frames;
 *   - "valid" guest buffers are fresh chunks of four scratch pages filled with garbage; a
 *     fifth page after them is unmapped, so buffers can straddle into nothing;
 *   - the guest never stores into Moat's area itself: under TCG segment limits are not
 *     enforced (DESIGN.md), so a ring-1 store there would be a TCG artefact, not a Moat bug;
 *   - state the guest needs (trap table, callbacks, kernel stack, IOPL, I/O bitmap, FPU TS,
 *     GDT) is restored after each call that may have changed it;
 *   - no shutdown, crash, watchdog, vcpu-0 down or NMI; block and hlt only with a timer event
 *     already pending, so they return at once; poll only with a timeout in the past.
 * Events may arrive at any time (a fuzzed call may unmask them): the event callback counts
 * them and returns through HYPERVISOR_iret with IF clear, which sets the mask again.
 *
 * Guest options: seed=N (default 1), iters=N (default 6000); for chasing a failure: trace
 * (every call and instruction, and a line when the tables mapping the image change),
 * skip=MASK (1 iret, 2 block/hlt, 4 instructions, 8 multicall), mcop=N (multicall entries
 * only of hypercall N). Lessons that shaped the rules above, each a crash of the fuzzer that
 * looked like a Moat bug at first: an mmu_update list read from the guest's own page tables
 * rewrites its code (updates of ordinary frames are plain writes); multicall entries past
 * the ones written run stale buffer contents; random 32-bit pointers hit the image; the
 * one-page boot stack overflows; 66/67 prefixes change immediate lengths. */
#include "trap-lib.h"
#include <xen/event_channel.h>
#include <xen/vcpu.h>
#include <xen/version.h>

#define NR_ITER_DEFAULT 6000
#define HYPERVISOR_set_timer_op_raw(lo, hi) hypercall2(15, lo, hi)
#define HYPERVISOR_event_channel_op(cmd, arg) hypercall2(32, cmd, arg)
#define MOAT_AREA  0xF6800000u     /* above the m2p (0xF5800000-0xF6800000) */

/* ---- PRNG (xorshift32): the whole run is a function of the seed ---------------------- */
static uint32_t rng;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}
static uint32_t below(uint32_t n) { return n ? rnd() % n : 0; }
static int chance(unsigned pct) { return below(100) < pct; }

/* ---- result counters ------------------------------------------------------------------ */
static uint32_t calls, mc_lists, iret_tries, insns, restores;
static uint32_t res_zero, res_pos, res_err[140], res_other;
static uint32_t trap_vec[257], trap_none;
static volatile uint32_t events;

static void count_result(long r)
{
    if (r == 0)
        res_zero++;
    else if (r > 0)
        res_pos++;
    else if (r >= -139)
        res_err[-r]++;
    else
        res_other++;
}

/* ---- the guest's own state ------------------------------------------------------------ */
static start_info_t si;              /* private copy: start_info's page may be a target */
static uint32_t hv;                  /* XENVER_platform_parameters virt_start */
static uint32_t l3_mfn, l2_mfn;      /* the initial tables */
static uint32_t max_mfn;
#define NR_SAC 16                    /* sacrificial pages: scratch 10..25 */
static uint32_t sac_va[NR_SAC], sac_mfn[NR_SAC];
static uint32_t buf_va, buf_end;     /* scratch 40..43: garbage buffers */
static uint32_t hole_va;             /* scratch 44: unmapped */
static uint32_t jit_va, hole2_va;    /* scratch 46 (code page), 47 unmapped */
static uint32_t gdt_va, gdt_mfn;     /* scratch 30: read-only, holds a valid GDT page */
static uint32_t vinfo_mfn;           /* scratch 31: only ever offered to register_vcpu_info */
static uint32_t first_free_l2_slot;  /* first slot of the slot-3 L2 not used by the bootstrap */
static uint32_t timer_port = 0xFFFFFFFF;
static struct trap_info table[40];
static uint8_t kstack[8192] __attribute__((aligned(16)));
extern char fuzz_event_entry[], fuzz_landing[];

/* event callback: count, then iret with IF clear (the mask stays set) */
asm(".text\n"
    ".globl fuzz_event_entry\n"
    "fuzz_event_entry:\n"
    "   incl events\n"
    "   andl $~0x200, 8(%esp)\n"
    "   jmp hypercall_page + 23 * 32\n"
    ".globl fuzz_landing\n"
    "fuzz_landing:\n"
    "   ud2\n");

static long hc5(uint32_t nr, uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e)
{
    long r;
    asm volatile("int $0x82" : "=a"(r), "+b"(a), "+c"(b), "+d"(c), "+S"(d), "+D"(e)
                 : "0"(nr) : "memory");
    return r;
}

static int trace;
static void trace_check(const char *what);
static void restore_traps(void)
{
    /* set_trap_table only overwrites the vectors it lists: clear the fuzzed ones first */
    (void)HYPERVISOR_set_trap_table(0);
    long r = HYPERVISOR_set_trap_table(table);
    if (r)
        print("fuzz: restoring the trap table failed: %d\n", r);
    (void)HYPERVISOR_stack_switch(FLAT_RING1_SS, (uint32_t)(uintptr_t)(kstack + sizeof(kstack)));
    (void)HYPERVISOR_set_callbacks(FLAT_RING1_CS, (uint32_t)(uintptr_t)fuzz_event_entry,
                                   FLAT_RING1_CS, (uint32_t)(uintptr_t)trap_failsafe_entry);
    static struct callback_unregister un = { CALLBACKTYPE_nmi, 0 };
    (void)HYPERVISOR_callback_op(CALLBACKOP_unregister, &un);
}
static void restore_io(void)
{
    static struct physdev_set_iopl iopl;
    static struct physdev_set_iobitmap bm;
    iopl.iopl = 0;
    (void)HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl);
    bm.nr_ports = 0;
    (void)HYPERVISOR_physdev_op(PHYSDEVOP_set_iobitmap, &bm);
}
static void restore_all(void)
{
    restores++;
    restore_traps();
    trace_check("restore_traps");
    restore_io();
    trace_check("restore_io");
    (void)HYPERVISOR_fpu_taskswitch(0);
    for (uint32_t t = 0; t < 32; t++)
        (void)HYPERVISOR_vm_assist(VMASST_CMD_disable, t);
    trace_check("vm_assist");
    static uint32_t no_frames[1];
    long g = HYPERVISOR_set_gdt(no_frames, 0);
    if (trace)
        print("fuzz: restore set_gdt -> %d\n", g);
    trace_check("set_gdt");
    (void)mm_ext1(MMUEXT_SET_LDT, 0, 0);
    asm volatile("movw %w0, %%fs; movw %w0, %%gs" :: "r"(0));
}

/* ---- hostile values ------------------------------------------------------------------- */
/* A random 32-bit value that may be used as a pointer: one landing in the guest's own image,
 * stack, p2m or start_info would let a hypercall's output corrupt the fuzzer (about once per
 * 30000 draws), so those become the hole. The buffers and the read-only page tables stay. */
static uint32_t rnd_ptr(void)
{
    uint32_t p = rnd();
    if (p >= 0xC0000000u && p < si.pt_base + si.nr_pt_frames * 4096 + 0x200000u &&
        !(p >= si.pt_base && p < si.pt_base + si.nr_pt_frames * 4096) && !(p >= buf_va && p < buf_end))
        p = hole_va + (p & 0xFFF);
    return p;
}

static uint32_t buf_next;
static void buf_reset(void) { buf_next = buf_va; }
/* A fresh chunk of garbage of len bytes, or 0 when the buffers are used up. */
static uint32_t buf_alloc(uint32_t len)
{
    buf_next = (buf_next + 7) & ~7u;
    if (len > buf_end - buf_va || buf_next + len > buf_end)
        return 0;
    uint32_t p = buf_next;
    buf_next += len;
    for (uint32_t i = 0; i < len; i += 4)
        *(volatile uint32_t *)(p + i) = rnd_ptr();
    return p;
}

/* A guest pointer for an object of len bytes: usually valid garbage (*valid = 1), else one
 * of the hostile kinds. */
static uint32_t gp(uint32_t len, int *valid)
{
    int dummy;
    if (!valid)
        valid = &dummy;
    *valid = 0;
    switch (below(16)) {
    case 0: return 0;
    case 1: return 1 + below(4096);
    case 2: return hole_va - 1 - below(len ? len : 1);        /* straddles into the hole */
    case 3: return hole_va + below(4096);
    case 4: return si.pt_base + below(si.nr_pt_frames * 4096); /* read-only page tables */
    case 5: return MACH2PHYS_VIRT_START + below(0x01000000);   /* the read-only m2p */
    case 6: return MOAT_AREA + below(0x09800000);              /* Moat's own area */
    case 7: return 0xFFFFFFFFu - below(64);                    /* wraps */
    case 8: return HYPERVISOR_VIRT_START - 1 - below(len ? len : 1); /* reaches the area */
    case 9: return below(0xC0000000u);                         /* unmapped low half */
    case 10: return rnd_ptr();
    default: {
        uint32_t p = buf_alloc(len ? len : 4);
        if (p)
            *valid = 1;
        return p ? p : hole_va;
    }
    }
}

/* An address to run code at: the landing pad, a handler, or somewhere that must fault. Never
 * the buffers or the page tables (their bytes would run as code) and never Moat's area (under
 * TCG no segment limit would stop ring 1 from running Moat's code). */
static uint32_t gcode(void)
{
    switch (below(7)) {
    case 0: case 1: return (uint32_t)(uintptr_t)fuzz_landing;
    case 2: return trap_handler(below(32));
    case 3: return below(4096);
    case 4: return hole_va + below(4096);
    case 5: return hole2_va + below(4096);
    default: return 0xFFFFFFFFu - below(16);
    }
}

static uint32_t gv(void)
{
    switch (below(10)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return 0xFFFFFFFFu;
    case 3: return below(16);
    case 4: return 0x7FFFFFFFu + below(3);
    case 5: return gp(64, 0);
    case 6: return DOMID_SELF + below(16);
    case 7: return 1u << below(32);
    default: return rnd_ptr();
    }
}

/* A frame number that is safe to be made anything: sacrificial, a page table (refusals),
 * the read-only GDT page, or junk. */
static uint32_t gm(void)
{
    switch (below(8)) {
    case 0: case 1: case 2: return sac_mfn[below(NR_SAC)];
    case 3: return below(2) ? l3_mfn : l2_mfn;
    case 4: return gdt_mfn;
    case 5: return max_mfn + below(16);
    case 6: return below(256);                                 /* low memory: Moat's / I/O */
    default: return rnd() >> below(20);
    }
}

static uint64_t gpte(void)
{
    if (chance(10))
        return ((uint64_t)rnd() << 32) | rnd();
    uint64_t f = rnd() & 0xFFF;
    if (chance(60))
        f = (f & ~0x80ull) | PG_P;
    if (chance(5))
        f |= 1ull << 63;
    if (chance(5))
        f |= (uint64_t)below(2048) << 52;
    return ((uint64_t)gm() << 12) | f;
}

/* ---- one hypercall: number and arguments, with the guest memory it points at ---------- */
struct call { uint32_t nr, a[5]; int restore; };

static uint64_t gptr_mmu(void)
{
    uint32_t k = below(8);
    if (k < 3) {                                                 /* a sacrificial L1 entry */
        return mm_l1e_ma(sac_va[below(NR_SAC)]) | (chance(85) ? 0 : below(4));
    }
    if (k < 5) {                                                 /* an unused or Moat L2 slot */
        uint32_t slot = first_free_l2_slot + below(512 - first_free_l2_slot);
        return (((uint64_t)l2_mfn << 12) + slot * 8) | (chance(90) ? 0 : below(4));
    }
    if (k == 5)                                                  /* L3 slots 0..3 */
        return ((uint64_t)l3_mfn << 12) + below(4) * 8 + (chance(90) ? 0 : below(8));
    if (k == 6)                                                  /* MMU_MACHPHYS_UPDATE */
        return ((uint64_t)gm() << 12) | MMU_MACHPHYS_UPDATE;
    return ((uint64_t)rnd() << (below(2) * 32)) ^ rnd();         /* junk */
}

static void gen_mmu_update(struct call *c)
{
    uint32_t n = chance(80) ? 1 + below(8) : gv();
    int valid;
    uint32_t len = (n < 64 ? n : 64) * sizeof(struct mmu_update);
    uint32_t p = gp(len, &valid);
    /* Requests read from the guest's own page tables are its own PTEs: (ptr, val) pairs whose
     * ptr names its own frames (the low bits 3 = MMU_PT_UPDATE_NO_TRANSLATE), and an update
     * of an ordinary frame is a plain write (as on Xen) - the fuzzer would overwrite its own
     * code. Read-only page tables as a request list are left out. */
    if (p >= si.pt_base && p < si.pt_base + si.nr_pt_frames * 4096)
        p = hole_va + (p & 0xFFF);
    if (valid)
        for (uint32_t i = 0; i * sizeof(struct mmu_update) < len; i++) {
            struct mmu_update *u = (struct mmu_update *)(p + i * sizeof(*u));
            u->ptr = gptr_mmu();
            u->val = (u->ptr & 3) == MMU_MACHPHYS_UPDATE ? (chance(50) ? below(si.nr_pages + 8) : rnd()) : gpte();
        }
    c->a[0] = p;
    c->a[1] = n;
    c->a[2] = chance(50) ? 0 : gp(4, 0);
    c->a[3] = chance(85) ? DOMID_SELF : gv();
}

static int mmuext_safe(uint32_t cmd, uint32_t arg1)
{
    /* never a new base (it would have to be a valid L3 the fuzzer did not build), never
     * unpinning the guest's own tables */
    if (cmd == MMUEXT_NEW_BASEPTR || cmd == MMUEXT_NEW_USER_BASEPTR)
        return arg1 == l3_mfn || arg1 > max_mfn;
    if (cmd == MMUEXT_UNPIN_TABLE)
        return arg1 != l3_mfn && arg1 != l2_mfn;
    return 1;
}

static void gen_mmuext(struct call *c)
{
    uint32_t n = chance(80) ? 1 + below(6) : gv();
    int valid;
    uint32_t len = (n < 32 ? n : 32) * sizeof(struct mmuext_op);
    uint32_t p = gp(len, &valid);
    if (valid)
        for (uint32_t i = 0; i * sizeof(struct mmuext_op) < len; i++) {
            struct mmuext_op *o = (struct mmuext_op *)(p + i * sizeof(*o));
            o->cmd = chance(90) ? below(22) : rnd();
            switch (below(4)) {
            case 0: o->arg1.linear_addr = sac_va[below(NR_SAC)] + (chance(80) ? 0 : below(4096)); break;
            case 1: o->arg1.linear_addr = gp(8, 0); break;
            default: o->arg1.mfn = gm(); break;
            }
            o->arg2.nr_ents = chance(50) ? below(8200) : (chance(50) ? gp(8, 0) : gm());
            if (!mmuext_safe(o->cmd, o->arg1.mfn))
                o->cmd = MMUEXT_TLB_FLUSH_LOCAL;
        }
    c->a[0] = p;
    c->a[1] = n;
    c->a[2] = chance(50) ? 0 : gp(4, 0);
    c->a[3] = chance(85) ? DOMID_SELF : gv();
}

static void gen_update_va(struct call *c)
{
    uint32_t va;
    switch (below(5)) {
    case 0: case 1: va = sac_va[below(NR_SAC)] + (chance(90) ? 0 : below(4096)); break;
    case 2: va = MOAT_AREA + below(0x09800000); break;
    case 3: va = MACH2PHYS_VIRT_START + below(0x01000000); break;
    default: va = below(0xC0000000u); break;
    }
    uint64_t v = gpte();
    c->a[0] = va;
    c->a[1] = (uint32_t)v;
    c->a[2] = (uint32_t)(v >> 32);
    c->a[3] = chance(70) ? below(8) : (chance(50) ? (gp(8, 0) & ~3u) : rnd());
}

static uint64_t gdesc(void)
{
    if (chance(30))
        return ((uint64_t)rnd() << 32) | rnd();
    uint32_t base = chance(50) ? 0 : gv(), limit = rnd() & 0xFFFFF;
    uint64_t d = (uint64_t)(limit & 0xFFFF) | ((uint64_t)(base & 0xFFFFFF) << 16) |
                 ((uint64_t)(below(256)) << 40) | ((uint64_t)((limit >> 16) & 0xF) << 48) |
                 ((uint64_t)below(16) << 52) | ((uint64_t)(base >> 24) << 56);
    return d;
}

static void gen_update_descriptor(struct call *c)
{
    uint64_t ma = ((uint64_t)gm() << 12) + (chance(85) ? below(512) * 8 : below(4096));
    if (chance(10))
        ma = ((uint64_t)rnd() << 32) | rnd();
    uint64_t d = gdesc();
    c->a[0] = (uint32_t)ma;
    c->a[1] = (uint32_t)(ma >> 32);
    c->a[2] = (uint32_t)d;
    c->a[3] = (uint32_t)(d >> 32);
}

static void gen_trap_table(struct call *c)
{
    int valid;
    uint32_t n = 1 + below(40);
    uint32_t p = gp(n * sizeof(struct trap_info), &valid);
    if (valid && chance(70)) {
        struct trap_info *t = (struct trap_info *)p;
        for (uint32_t i = 0; i < n; i++) {
            t[i].vector = (uint8_t)rnd();
            t[i].flags = (uint8_t)rnd();
            t[i].cs = chance(50) ? FLAT_RING1_CS : (uint16_t)rnd();
            t[i].address = chance(20) ? gv() : gcode();
        }
        if (chance(50))
            t[n - 1].address = 0;
    }
    c->a[0] = p;
    c->restore = 1;
}

static void gen_set_gdt(struct call *c)
{
    int valid;
    uint32_t n = 1 + below(16);
    uint32_t p = gp(n * 4, &valid);
    if (valid)
        for (uint32_t i = 0; i < n; i++)
            ((uint32_t *)p)[i] = chance(60) ? gdt_mfn : gm();
    c->a[0] = p;
    c->a[1] = chance(70) ? below(n * 512 + 2) : gv();
    c->restore = 1;
}

static void gen_evtchn_struct(uint32_t p)
{
    /* the small fields that matter: ports, virqs, vcpus, domids */
    uint32_t *w = (uint32_t *)p;
    for (unsigned i = 0; i < 6; i++) {
        switch (below(6)) {
        case 0: w[i] = below(4200); break;
        case 1: w[i] = below(32); break;
        case 2: w[i] = DOMID_SELF | (below(2) << 16); break;
        case 3: w[i] = timer_port; break;
        default: w[i] = gv(); break;
        }
    }
}

static void gen_event_channel(struct call *c)
{
    int valid;
    uint32_t p = gp(32, &valid);
    c->a[0] = chance(90) ? below(16) : rnd();
    if (valid)
        gen_evtchn_struct(p);
    c->a[1] = p;
}

static void gen_event_channel_compat(struct call *c)
{
    int valid;
    uint32_t p = gp(32, &valid);
    if (valid) {
        gen_evtchn_struct(p + 4);
        *(uint32_t *)p = chance(90) ? below(16) : rnd();
    }
    c->a[0] = p;
}

static void gen_sched_op(struct call *c, int compat)
{
    int valid;
    uint32_t cmd;
    do {
        cmd = chance(80) ? below(8) : rnd();
        /* no shutdown, no remote shutdown of itself, no watchdog: they end the fuzz; block is
         * exercised by the safe path (fuzz_block) */
    } while (cmd == SCHEDOP_shutdown || cmd == SCHEDOP_block || cmd == SCHEDOP_remote_shutdown ||
             cmd == SCHEDOP_watchdog);
    c->a[0] = cmd;
    if (compat) {
        c->a[1] = gv();
        return;
    }
    uint32_t p = gp(16, &valid);
    if (valid && cmd == SCHEDOP_poll) {
        struct sched_poll *sp = (struct sched_poll *)p;
        set_xen_guest_handle(sp->ports, (evtchn_port_t *)gp(16, 0));
        sp->nr_ports = chance(70) ? below(4) : gv();
        sp->timeout = 1;            /* in the past: returns at once */
    } else if (cmd == SCHEDOP_shutdown_code) {
        /* only pointers that cannot be read: a recorded code decides the final shutdown reason
         * (as Xen), which would turn a crash of this guest into a "poweroff" or back */
        static const uint32_t bad[] = { 0, HYPERVISOR_VIRT_START - 2, 0xFFFFFFFEu, MOAT_AREA };
        p = below(2) ? bad[below(4)] : hole_va + below(4000);
    } else if (cmd == SCHEDOP_poll) {
        /* a readable argument with a garbage timeout (0 = forever) would block for good,
         * which is the guest's right, not a Moat bug: only unreadable pointers */
        static const uint32_t bad[] = { 0, HYPERVISOR_VIRT_START - 8, 0xFFFFFFF8u, MOAT_AREA };
        p = below(2) ? bad[below(4)] : hole_va + below(4000);
    }
    c->a[1] = p;
}

static void gen_vcpu_op(struct call *c)
{
    int valid;
    uint32_t cmd = chance(85) ? below(16) : rnd();
    uint32_t vcpu = chance(60) ? 0 : (chance(50) ? below(8) : rnd());
    /* vcpu 0 going down or taking an NMI would end the fuzz */
    if ((cmd == VCPUOP_down || cmd == VCPUOP_send_nmi) && vcpu == 0)
        vcpu = 0xFFFF;
    uint32_t p = gp(sizeof(struct vcpu_guest_context), &valid);
    if (valid && cmd == VCPUOP_register_vcpu_info) {
        struct vcpu_register_vcpu_info *ri = (struct vcpu_register_vcpu_info *)p;
        /* only a page nothing else writes, or frames Moat must refuse: a fuzzed clear/copy
         * of a sacrificial page holding the vcpu_info would clear upcall_pending under a
         * port that stays pending, and the next block would sleep for good (the guest's own
         * doing, as on Xen) */
        static const uint32_t k[] = { 0, 1, 2 };
        switch (k[below(3)]) {
        case 0: ri->mfn = vinfo_mfn; break;
        case 1: ri->mfn = below(2) ? l3_mfn : l2_mfn; break;
        default: ri->mfn = max_mfn + below(16); break;
        }
        ri->offset = chance(50) ? below(64) * 64 : rnd();
        ri->rsvd = chance(80) ? 0 : rnd();
    }
    if (valid && (cmd == VCPUOP_set_singleshot_timer || cmd == VCPUOP_set_periodic_timer) && chance(50))
        *(uint64_t *)p = below(2) ? 1 : 1000000;
    c->a[0] = cmd;
    c->a[1] = vcpu;
    c->a[2] = p;
}

static void gen_console(struct call *c)
{
    uint32_t cmd = chance(80) ? below(3) : rnd();
    uint32_t p, n;
    if (cmd == CONSOLEIO_write && chance(60)) {
        n = below(24);
        p = buf_alloc(n + 1);
        for (uint32_t i = 0; p && i < n; i++)
            ((char *)p)[i] = "fuzz-console "[i % 13];
        if (p && n)
            ((char *)p)[n - 1] = '\n';
    } else if (cmd == CONSOLEIO_write) {
        int valid;
        n = gv();
        p = gp(16, &valid);
        if (valid)                  /* a valid buffer prints: keep the console readable */
            p = 0;
    } else {
        n = gv();
        p = gp(64, 0);
    }
    c->a[0] = cmd;
    c->a[1] = n;
    c->a[2] = p;
}

static void gen_raw(struct call *c)
{
    for (int i = 0; i < 5; i++)
        c->a[i] = chance(40) ? gp(64, 0) : gv();
}

/* set_callbacks, stack_switch and friends: their addresses may run before the restore (an
 * event delivered on the way out), so code addresses come from gcode(). */
static void gen_raw_state(struct call *c)
{
    for (int i = 0; i < 5; i++)
    {
        uint32_t v = chance(30) ? gcode() : (chance(30) ? (uint32_t)FLAT_RING1_CS : gv());
        c->a[i] = v >= buf_va && v < hole_va ? gcode() : v;
    }
    if (c->nr == __HYPERVISOR_callback_op && chance(60)) {
        int valid;
        uint32_t p = gp(16, &valid);
        if (valid) {
            struct callback_register *cb = (struct callback_register *)p;
            cb->type = below(8);
            cb->flags = chance(50) ? 0 : rnd();
            cb->address.cs = chance(70) ? FLAT_RING1_CS : (uint16_t)rnd();
            cb->address.eip = gcode();
        }
        c->a[0] = below(4);
        c->a[1] = p;
    }
}

static uint32_t pick_nr(void)
{
    if (chance(8))
        return rnd() >> below(32);
    if (chance(5))
        return __HYPERVISOR_moat_op;
    return below(64);
}

static void gen_multicall(struct call *c, int depth);
static uint32_t mc_only = 0xFFFF;

/* Fills c for hypercall nr. Returns 0 when nr must not run in this context (iret, block). */
static int gen_call(struct call *c, uint32_t nr, int depth)
{
    c->nr = nr;
    c->restore = 0;
    for (int i = 0; i < 5; i++)
        c->a[i] = 0;
    switch (nr) {
    case __HYPERVISOR_set_trap_table: gen_trap_table(c); break;
    case __HYPERVISOR_mmu_update: gen_mmu_update(c); break;
    case __HYPERVISOR_set_gdt: gen_set_gdt(c); break;
    case __HYPERVISOR_update_va_mapping: gen_update_va(c); break;
    case __HYPERVISOR_mmuext_op: gen_mmuext(c); break;
    case __HYPERVISOR_update_descriptor: gen_update_descriptor(c); break;
    case __HYPERVISOR_multicall: gen_multicall(c, depth + 1); break;
    case __HYPERVISOR_event_channel_op: gen_event_channel(c); break;
    case __HYPERVISOR_event_channel_op_compat: gen_event_channel_compat(c); break;
    case __HYPERVISOR_sched_op: gen_sched_op(c, 0); break;
    case __HYPERVISOR_sched_op_compat: gen_sched_op(c, 1); break;
    case __HYPERVISOR_vcpu_op: gen_vcpu_op(c); break;
    case __HYPERVISOR_console_io: gen_console(c); break;
    case __HYPERVISOR_iret:
        return depth > 0;           /* inside a multicall: refused (-EINVAL); else fuzz_iret */
    case __HYPERVISOR_stack_switch: case __HYPERVISOR_set_callbacks:
    case __HYPERVISOR_fpu_taskswitch: case __HYPERVISOR_callback_op:
    case __HYPERVISOR_physdev_op: case __HYPERVISOR_vm_assist:
        gen_raw_state(c);
        c->restore = 1;
        break;
    case __HYPERVISOR_update_va_mapping_otherdomain:
        gen_update_va(c);
        c->a[4] = gv();
        break;
    default:
        gen_raw(c);
        break;
    }
    return 1;
}

static void gen_multicall(struct call *c, int depth)
{
    int valid;
    uint32_t n = chance(85) ? 1 + below(12) : gv();
    uint32_t len = (n < 16 ? n : 16) * sizeof(multicall_entry_t);
    uint32_t p = gp(len, &valid);
    if (valid)
        for (uint32_t i = 0; i * sizeof(multicall_entry_t) < len; i++) {
            multicall_entry_t *e = (multicall_entry_t *)(p + i * sizeof(*e));
            struct call sub;
            uint32_t nr = depth > 2 ? __HYPERVISOR_xen_version : pick_nr();
            if (mc_only != 0xFFFF && nr != mc_only)   /* mcop=N: bisecting aid */
                nr = __HYPERVISOR_xen_version;
            if (!gen_call(&sub, nr, depth)) {
                nr = __HYPERVISOR_xen_version;
                gen_call(&sub, nr, depth);
            }
            e->op = nr;
            e->result = rnd();
            for (int k = 0; k < 5; k++)
                e->args[k] = sub.a[k];
            e->args[5] = gv();
            c->restore |= sub.restore;
        }
    /* Moat reads entries until nr or the first unreadable one: whatever follows the list in
     * the buffers (later structs, stale data of earlier iterations) would run as hypercalls
     * the fuzzer never vetted (an update_va_mapping of its own code, a shutdown...). So a list
     * with more entries claimed than written ends right at the unmapped page, and a pointer
     * into the buffers that is not a fresh list gets its readable part filled with entries
     * of an unknown number (-ENOSYS). */
    uint32_t written = valid ? len / (uint32_t)sizeof(multicall_entry_t) : 0;
    if (valid && n > written) {
        uint32_t to = hole_va - len;
        if (to >= buf_next) {
            for (uint32_t i = 0; i < len; i += 4)
                *(volatile uint32_t *)(to + i) = *(volatile uint32_t *)(p + i);
            p = to;
        } else {
            n = written;
        }
    } else if (!valid && p >= buf_va && p < hole_va) {
        for (uint32_t a = p & ~3u; a < hole_va; a += 4)
            *(volatile uint32_t *)a = 0xFFFFFFFFu;
    }
    c->a[0] = p;
    c->a[1] = n;
    /* entries may have changed anything a call can - also through a straddling or stale
     * list, whose readable part holds entries of earlier iterations */
    c->restore = 1;
    mc_lists++;
}

/* trace mode: a checksum of the L1 entries that map the guest's own image, to find the call
 * that changed them */
static volatile uint64_t *image_l1;
static uint64_t image_sum(void)
{
    uint64_t sum = 0;
    for (unsigned i = 0x100; i < 0x140; i++)
        sum = sum * 31 + (image_l1[i] & ~0x60ull);
    volatile uint64_t *l3 = (volatile uint64_t *)si.pt_base;
    volatile uint64_t *l2 = (volatile uint64_t *)mm_mfn_va(l2_mfn);
    for (unsigned i = 0; i < 4; i++)
        sum = sum * 31 + (l3[i] & ~0x60ull) + (l2[i] & ~0x60ull) * 7;
    uint32_t cr3;
    asm volatile("movl %%cr3, %0" : "=r"(cr3));
    return sum * 31 + cr3;
}
static uint64_t image_sum_before;
static void trace_check(const char *what)
{
    if (!trace || !image_l1)
        return;
    uint64_t now = image_sum();
    if (now != image_sum_before) {
        uint32_t cr3;
        asm volatile("movl %%cr3, %0" : "=r"(cr3));
        volatile uint64_t *l3 = (volatile uint64_t *)si.pt_base;
        volatile uint64_t *l2 = (volatile uint64_t *)mm_mfn_va(l2_mfn);
        print("fuzz: TRACE: the image's L1/L2/L3 entries or cr3 changed after %s: cr3 %x l3 %x %x %x %x l2 %x %x %x %x\n",
              what, cr3, (uint32_t)l3[0], (uint32_t)l3[1], (uint32_t)l3[2], (uint32_t)l3[3],
              (uint32_t)l2[0], (uint32_t)l2[1], (uint32_t)l2[2], (uint32_t)l2[3]);
        for (unsigned i = 0x100; i < 0x140; i++)
            print("%x:%x ", i, (uint32_t)image_l1[i]);
        print("\n");
        image_sum_before = now;
    }
}
static void run_call(struct call *c)
{
    if (trace)
        print("fuzz: call %u (%x %x %x %x %x)\n", c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4]);
    if (trace && c->nr == __HYPERVISOR_mmu_update && c->a[0] >= si.pt_base &&
        c->a[0] < si.pt_base + si.nr_pt_frames * 4096 - 64)
        for (unsigned i = 0; i < 4; i++) {
            volatile struct mmu_update *u = (volatile struct mmu_update *)c->a[0] + i;
            print("fuzz:   req %u: ptr %x:%x val %x:%x\n", i, (uint32_t)(u->ptr >> 32),
                  (uint32_t)u->ptr, (uint32_t)(u->val >> 32), (uint32_t)u->val);
        }
    long r = hc5(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4]);
    if (trace)
        print("fuzz:  -> %d\n", r);
    calls++;
    count_result(r);
    trace_check("the call");
    if (c->restore)
        restore_all();
    trace_check("restore_all");
}

/* ---- block and hlt with an event already pending -------------------------------------- */
static int timer_port_ok(void)
{
    static struct evtchn_status st;
    if (timer_port == 0xFFFFFFFF)
        return 0;
    st.dom = DOMID_SELF;
    st.port = timer_port;
    return HYPERVISOR_event_channel_op(EVTCHNOP_status, &st) == 0 &&
           st.status == EVTCHNSTAT_virq && st.u.virq == VIRQ_TIMER;
}
static int arm_pending_timer(void)
{
    if (!timer_port_ok()) {
        static struct evtchn_bind_virq bv;
        bv.virq = VIRQ_TIMER;
        bv.vcpu = 0;
        if (HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bv) != 0)
            return 0;
        timer_port = bv.port;
    }
    static struct evtchn_unmask um;
    um.port = timer_port;
    (void)HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &um);
    if (HYPERVISOR_set_timer_op_raw(1, 0) != 0)      /* in the past: fires at once */
        return 0;
    return 1;
}
static void do_block(uint32_t compat)
{
    long r = compat ? hypercall2(6, SCHEDOP_block, 0) : HYPERVISOR_sched_op(SCHEDOP_block, 0);
    count_result(r);
}
static void do_hlt(uint32_t x) { (void)x; asm volatile("hlt"); }

/* ---- hostile iret frames -------------------------------------------------------------- */
static uint32_t iret_sp;
static void do_iret(uint32_t x)
{
    (void)x;
    asm volatile("movl %0, %%esp\n\t"
                 "movl $0xfeed, %%eax\n\t"
                 "jmp hypercall_page + 23 * 32" :: "r"(iret_sp) : "eax", "memory");
}
static void fuzz_iret(void)
{
    uint32_t f = buf_alloc(64);
    if (!f)
        return;
    uint32_t *w = (uint32_t *)(f + 8);            /* eax is pushed at w[-1] by the stub */
    /* RPL 0 is left out: Moat (by design, docs in hv/core/iret.c) crashes a domain whose iret
     * frame returns to ring 0, which would end the run */
    static const uint16_t sels[] = { FLAT_RING1_CS, FLAT_RING3_CS, FLAT_RING1_DS, 0xe009, 0xe011,
                                     0x03, 0x0b, 0x09, 0xe01b, 0xe02b & ~1 };
    w[0] = gcode();
    w[1] = chance(80) ? sels[below(sizeof(sels) / 2)] : rnd();
    if ((w[1] & 3) == 0)
        w[1] |= 1 + below(3);
    w[2] = chance(50) ? (0x202 | (rnd() & 0x3000)) : rnd();
    w[3] = gv();
    w[4] = chance(60) ? FLAT_RING3_DS : rnd();
    iret_sp = f + 8;
    int r = trap_catch(do_iret, 0);
    trace_check("an iret");
    iret_tries++;
    if (r >= 0 && r <= 256)
        trap_vec[r]++;
    else
        trap_none++;
    asm volatile("movw %w0, %%fs; movw %w0, %%gs" :: "r"(0));
}

/* ---- privileged and odd instructions in ring 1 ---------------------------------------- */
static uint8_t *jit_at;
static uint32_t jit_saved_esp;
static void run_jit(uint32_t x) { (void)x; ((void (*)(void))(uintptr_t)jit_at)(); }

static unsigned emit32(uint8_t *p, uint8_t op, uint32_t v)
{
    p[0] = op;
    p[1] = (uint8_t)v; p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)(v >> 16); p[4] = (uint8_t)(v >> 24);
    return 5;
}

static const uint32_t msrs[] = { 0x10, 0x1b, 0x3a, 0x8b, 0xc1, 0x174, 0x175, 0x176, 0x179, 0x1a0,
                                 0x1d9, 0x277, 0x2ff, 0x400, 0x48b, 0x600, 0x6e0, 0x802, 0x80f,
                                 0xC0000080u, 0xC0000081u, 0xC0000082u, 0xC0000100u, 0xC0000101u,
                                 0xC0000102u, 0xCE, 0x140, 0x1a4 };

/* Builds one instruction (with random prefixes sometimes) into ins[]; returns its length. */
static unsigned gen_insn(uint8_t *ins, uint32_t *eax, uint32_t *ecx, uint32_t *edx, int *uses_io)
{
    unsigned n = 0;
    unsigned kind = below(24);
    *uses_io = -1;
    /* no prefixes before an immediate operand: 66/67 change its length and the rest of it
     * would run as instructions */
    if (chance(10) && kind != 14 && kind != 21) {
        /* no lock prefix: QEMU 7.2's TCG aborts (tcg.c:3243 fatal error) on some lock-prefixed
         * register forms (seen with 66 f0 f0 2e 36 f0 67 36 f3 0f b3 c0): a QEMU bug */
        static const uint8_t pfx[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf2, 0xf3 };
        unsigned k = 1 + below(15);
        while (n < k)
            ins[n++] = pfx[below(sizeof(pfx))];
    }
    switch (kind) {
    case 0: case 1: case 2: {                        /* in/out, all forms */
        static const uint8_t io[] = { 0xe4, 0xe5, 0xe6, 0xe7, 0xec, 0xed, 0xee, 0xef,
                                      0x6c, 0x6d, 0x6e, 0x6f };
        if (chance(30))
            ins[n++] = 0x66;
        uint8_t op = io[below(sizeof(io))];
        *uses_io = (int)n;          /* index of the opcode */
        ins[n++] = op;
        if (op >= 0xe4 && op < 0xe8)
            ins[n++] = (uint8_t)rnd();
        *edx = chance(50) ? below(0x400) : rnd();
        *eax = rnd();
        *edx = (*edx & 0xFFFF0000u) | (*edx & 0xFFFF);
        break;
    }
    case 3: ins[n++] = 0x0f; ins[n++] = 0x22; ins[n++] = (uint8_t)(0xc0 | (below(8) << 3) | below(3)); break; /* mov to crN */
    case 4: ins[n++] = 0x0f; ins[n++] = 0x20; ins[n++] = (uint8_t)(0xc0 | (below(8) << 3) | below(3)); break; /* mov from crN */
    case 5: ins[n++] = 0x0f; ins[n++] = (uint8_t)(0x21 + 2 * below(2)); ins[n++] = (uint8_t)(0xc0 | (below(8) << 3) | below(3)); break; /* dr */
    case 6: ins[n++] = 0x0f; ins[n++] = 0x01; ins[n++] = (uint8_t)(0x10 | (below(2) << 3)); *eax = gp(8, 0); break; /* lgdt/lidt (%eax) */
    case 7: ins[n++] = 0x0f; ins[n++] = 0x00; ins[n++] = (uint8_t)(0xd0 | (below(2) << 3)); *eax = gv(); break; /* lldt/ltr %ax */
    case 8: ins[n++] = 0x0f; ins[n++] = 0x01; ins[n++] = 0xf0; break;             /* lmsw %ax */
    case 9: { static const uint8_t z[] = { 0x06, 0x08, 0x09, 0x31, 0x33, 0x34, 0x35, 0x05, 0x07, 0x0b, 0xaa, 0xa2 };
              ins[n++] = 0x0f; ins[n++] = z[below(sizeof(z))]; break; }           /* clts invd wbinvd rdtsc rdpmc sysenter... */
    case 10: ins[n++] = 0x0f; ins[n++] = 0x01; ins[n++] = 0x38; *eax = gp(4, 0); break; /* invlpg (%eax) */
    case 11: case 12:                                /* rdmsr/wrmsr */
        ins[n++] = 0x0f; ins[n++] = below(2) ? 0x30 : 0x32;
        *ecx = chance(60) ? msrs[below(sizeof(msrs) / 4)] : rnd();
        break;
    case 13: { static const uint8_t one[] = { 0xfa, 0xfb, 0xce, 0xcc, 0x9b, 0x90 };
               ins[n++] = one[below(sizeof(one))]; break; }                      /* cli sti into int3 */
    case 14: n += emit32(ins + n, 0x68, rnd() & ~0x100u); ins[n++] = 0x9d; break; /* push imm; popf */
    case 15: {                                       /* int N (not the hypercall gate) */
        uint8_t v;
        do v = (uint8_t)rnd(); while (v == 0x82);
        ins[n++] = 0xcd; ins[n++] = v; break;
    }
    case 16: ins[n++] = 0x8e; ins[n++] = below(2) ? 0xe0 : 0xe8; *eax = chance(50) ? below(0x100) : gv(); break; /* mov %ax,%fs/%gs */
    case 17: { static const uint8_t g[] = { 0xd1, 0xc8, 0xc9, 0xc1, 0xf8, 0xf9, 0xca, 0xcb, 0xd0 };
               ins[n++] = 0x0f; ins[n++] = 0x01; ins[n++] = g[below(sizeof(g))]; break; } /* xsetbv monitor mwait vmcall swapgs rdtscp clac stac xgetbv */
    case 18: ins[n++] = 0x0f; ins[n++] = 0x0b; ins[n++] = 'x'; ins[n++] = 'e'; ins[n++] = 'n';
             ins[n++] = 0x0f; ins[n++] = 0xa2; *eax = chance(50) ? below(0x20) : rnd(); *ecx = below(4); break; /* PV cpuid */
    case 19: ins[n++] = 0x0f; ins[n++] = 0x02 + below(2); ins[n++] = 0xc0; *eax = gv(); break; /* lar/lsl */
    case 20: ins[n++] = 0x0f; ins[n++] = 0x00; ins[n++] = (uint8_t)(0xe0 | (below(2) << 3)); *eax = gv(); break; /* verr/verw */
    case 21: {                                       /* far jmp through a random selector */
        ins[n++] = 0xea;
        uint32_t off = gcode();
        for (int i = 0; i < 4; i++) ins[n++] = (uint8_t)(off >> (8 * i));
        uint16_t sel = chance(30) ? FLAT_RING1_CS : (uint16_t)rnd();
        ins[n++] = (uint8_t)sel; ins[n++] = (uint8_t)(sel >> 8);
        break;
    }
    default: {                                       /* random bytes after 0f */
        /* an opcode that takes a ModRM byte, register operands eax/ecx/edx only: a memory
         * operand, a jump or an opcode without ModRM (whose "ModRM" would run as the next
         * instruction) would wreck the fuzzer, not Moat */
        uint8_t op;
        do
            op = (uint8_t)rnd();
        while ((op >= 0x04 && op <= 0x0f) || (op >= 0x30 && op <= 0x3f) || op == 0x77 ||
               (op >= 0x80 && op <= 0x8f) || (op >= 0xa0 && op <= 0xa2) ||
               (op >= 0xa8 && op <= 0xaa) || op >= 0xc8 || op == 0x00 || op == 0x01 ||
               op == 0xa4 || op == 0xac || op == 0xba || op == 0xc2 || op == 0xc4 ||
               op == 0xc5 || op == 0xc6 || op == 0x70 || op == 0x71 || op == 0x72 || op == 0x73 ||
               op == 0x78 || op == 0x79 || op == 0x7a || op == 0x7b || op == 0x24 || op == 0x26 ||
               op == 0x25 || op == 0x27);   /* also those with an immediate */
        ins[n++] = 0x0f;
        ins[n++] = op;
        ins[n++] = (uint8_t)(0xc0 | (below(3) << 3) | below(3));
        break;
    }
    }
    return n;
}

static void fuzz_insn(void)
{
    uint8_t ins[40];
    uint32_t eax = rnd(), ecx = rnd(), edx = rnd();
    int io;
    unsigned n = gen_insn(ins, &eax, &ecx, &edx, &io);
    int iopl = io >= 0 && chance(40);
    /* with I/O privilege the ports reach real devices: reads anywhere, writes only to
     * Moat's own ports (which must be dropped); never an ACPI/reset write */
    if (iopl) {
        uint8_t op = ins[io];
        int write = op == 0xe6 || op == 0xe7 || op == 0xee || op == 0xef || op == 0x6e || op == 0x6f;
        if (write) {
            static const uint16_t moats[] = { 0x20, 0x21, 0xa0, 0xa1, 0x40, 0x43, 0x4d0, 0x3f8, 0x3f9,
                                              0x3fb, 0x3fc, 0xf4, 0xcf8, 0xcf9, 0xcfc, 0x64, 0x92 };
            uint16_t port = moats[below(sizeof(moats) / 2)];
            edx = port;
            if (op == 0xe6 || op == 0xe7) {
                if (port > 0xff) { ins[io] = (uint8_t)(op + 8); n--; }   /* the dx form */
                else ins[io + 1] = (uint8_t)port;
            }
        }
        static struct physdev_set_iopl pi;
        pi.iopl = 1;
        (void)HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &pi);
    }
    /* the stub: mov $eax; mov $ecx; mov $edx; insn; ret - at the start of the code page, or
     * ending right at its last byte before the unmapped page */
    /* pushal; mov %esp, jit_saved_esp; ...; mov jit_saved_esp, %esp; popal; ret: whatever
     * register the instruction changes, the caller gets its own back */
    uint8_t code[80];
    unsigned k = 0;
    uint32_t save = (uint32_t)(uintptr_t)&jit_saved_esp;
    code[k++] = 0x60;
    code[k++] = 0x89; code[k++] = 0x25;
    for (int i = 0; i < 4; i++) code[k++] = (uint8_t)(save >> (8 * i));
    k += emit32(code + k, 0xb8, eax);
    k += emit32(code + k, 0xb9, ecx);
    k += emit32(code + k, 0xba, edx);
    unsigned body = k;
    for (unsigned i = 0; i < n; i++)
        code[k++] = ins[i];
    code[k++] = 0x8b; code[k++] = 0x25;
    for (int i = 0; i < 4; i++) code[k++] = (uint8_t)(save >> (8 * i));
    code[k++] = 0x61;
    code[k++] = 0xc3;
    jit_at = (uint8_t *)(uintptr_t)(chance(50) ? jit_va : hole2_va - k);
    for (unsigned i = 0; i < k; i++)
        jit_at[i] = code[i];
    if (trace) {
        print("fuzz: insn at %x:", (uint32_t)(uintptr_t)jit_at);
        for (unsigned i = body; i < body + n; i++)
            print(" %x", code[i]);
        print(" (eax %x ecx %x edx %x)\n", eax, ecx, edx);
    }
    int r = trap_catch(run_jit, 0);
    if (trace)
        print("fuzz:  -> trap %d\n", r);
    trace_check("the instruction");
    insns++;
    if (r >= 0 && r <= 256)
        trap_vec[r]++;
    else
        trap_none++;
    asm volatile("movw %w0, %%fs; movw %w0, %%gs; pushl $0x202; popfl" :: "r"(0) : "cc");
    if (iopl)
        restore_io();
    if (ins[0] == 0x0f && ins[1] == 0x22)       /* mov to cr0 may have set TS */
        (void)HYPERVISOR_fpu_taskswitch(0);
}

/* ---- set-up --------------------------------------------------------------------------- */
static uint32_t parse_seed(void)
{
    const char *s = (const char *)si.cmd_line;
    for (unsigned i = 0; s[i] && i + 5 < sizeof(si.cmd_line); i++) {
        if ((i == 0 || s[i - 1] == ' ') && s[i] == 's' && s[i + 1] == 'e' && s[i + 2] == 'e' &&
            s[i + 3] == 'd' && s[i + 4] == '=') {
            uint32_t v = 0;
            for (unsigned j = i + 5; s[j] >= '0' && s[j] <= '9'; j++)
                v = v * 10 + (uint32_t)(s[j] - '0');
            return v;
        }
    }
    return 1;
}
/* The value of option name= on the command line, or dflt. */
static uint32_t parse_opt(const char *name, uint32_t dflt)
{
    const char *s = (const char *)si.cmd_line;
    size_t n = str_len(name);
    for (unsigned i = 0; s[i] && i + n < sizeof(si.cmd_line); i++)
        if ((i == 0 || s[i - 1] == ' ') && mem_eq(s + i, name, n) && s[i + n] == '=') {
            uint32_t v = 0;
            for (unsigned j = i + n + 1; s[j] >= '0' && s[j] <= '9'; j++)
                v = v * 10 + (uint32_t)(s[j] - '0');
            return v;
        }
    return dflt;
}
static uint32_t parse_iters(void) { return parse_opt("iters", NR_ITER_DEFAULT); }

static void setup(void)
{
    static struct xen_machphys_mapping mm;
    si = *start_info;
    start_info = &si;
    hv = mm_hv_start();
    l3_mfn = mm_l3_mfn();
    l2_mfn = mm_l2_mfn(0xC0000000u);
    (void)HYPERVISOR_memory_op(XENMEM_machphys_mapping, &mm);
    max_mfn = mm.max_mfn;
    for (unsigned i = 0; i < NR_SAC; i++) {
        sac_va[i] = mm_scratch_va(10 + i);
        sac_mfn[i] = mm_scratch_mfn(10 + i);
    }
    buf_va = mm_scratch_va(40);
    buf_end = mm_scratch_va(44);
    hole_va = mm_scratch_va(44);
    jit_va = mm_scratch_va(46);
    hole2_va = mm_scratch_va(47);
    gdt_va = mm_scratch_va(30);
    gdt_mfn = mm_scratch_mfn(30);
    vinfo_mfn = mm_scratch_mfn(31);
    /* the bootstrap region ends well before scratch 100; slots after it are free */
    first_free_l2_slot = ((mm_scratch_va(100) - 0xC0000000u) >> 21) + 1;
    MM_EXPECT(mm_remap(hole_va, mm_scratch_mfn(44), 0), 0, "unmap the page after the buffers");
    MM_EXPECT(mm_remap(hole2_va, mm_scratch_mfn(47), 0), 0, "unmap the page after the code page");
    mm_zero_page(gdt_va);
    volatile uint64_t *g = (volatile uint64_t *)gdt_va;
    g[1] = 0x00cfba000000ffffull & ~(0ull);           /* code, DPL 1, limit truncated by Moat */
    g[2] = 0x00cfb2000000ffffull;                     /* data, DPL 1 */
    MM_EXPECT(mm_remap(gdt_va, gdt_mfn, PG_P | PG_A), 0, "GDT page mapped read-only");

    unsigned n = 0;
    for (unsigned v = 0; v < 32; v++)
        table[n++] = (struct trap_info){ (uint8_t)v, (uint8_t)((v == 3 || v == 4) ? 3 : 0),
                                         FLAT_RING1_CS, trap_handler(v) };
    table[n++] = (struct trap_info){ 0x20, 3, FLAT_RING1_CS, trap_handler(0x20) };
    table[n++] = (struct trap_info){ 0x80, 3, FLAT_RING1_CS, trap_handler(0x80) };
    table[n] = (struct trap_info){ 0, 0, 0, 0 };
    MM_EXPECT(HYPERVISOR_set_trap_table(table), 0, "own trap table installed");
    restore_all();
    MM_EXPECT(arm_pending_timer(), 1, "VIRQ_TIMER bound and a timer event pending");
}

/* ---- after the run: invariants through the ABI ---------------------------------------- */
static uint32_t probe_va;
static void do_store(uint32_t v) { *(volatile uint64_t *)probe_va = v; }
static void do_load(uint32_t v) { (void)v; (void)*(volatile uint32_t *)probe_va; }

/* A hypercall continuation must leave the registers that are not the call's arguments alone
 * (the fuzzer's first run died on an ebp zeroed by a set_trap_table continuation). */
static void check_continuation_registers(void)
{
    static struct trap_info big[301];
    for (unsigned i = 0; i < 300; i++)
        big[i] = table[i % 34];
    big[300].address = 0;
    uint32_t esi = 0x5e5e5e5e, edi = 0xd1d1d1d1;
    static uint32_t ebp_in = 0xbeefcafe, ebp_out;    /* static: not addressed through ebp */
    long r;
    asm volatile("pushl %%ebp\n\t"
                 "movl %[bp], %%ebp\n\t"
                 "int $0x82\n\t"
                 "movl %%ebp, %[bpo]\n\t"
                 "popl %%ebp"
                 : "=a"(r), "+S"(esi), "+D"(edi), [bpo] "=m"(ebp_out)
                 : "0"(__HYPERVISOR_set_trap_table), "b"(big), [bp] "m"(ebp_in)
                 : "ecx", "edx", "memory");
    MM_EXPECT(r, 0, "set_trap_table with 300 entries (continued by Moat)");
    mm_check(esi == 0x5e5e5e5e && edi == 0xd1d1d1d1 && ebp_out == 0xbeefcafe,
             "... esi, edi and ebp survive the continuation", (long)ebp_out);
}

static void final_checks(uint32_t code_mfn, uint32_t code_m2p, uint64_t l3e3)
{
    restore_all();
    check_continuation_registers();
    probe_va = si.pt_base;
    mm_check(trap_catch(do_store, 0) == 14, "a store into the pinned L3 still faults (#PF)", trap_last.vec);
    probe_va = (uint32_t)(uintptr_t)mm_mfn_va(l2_mfn);
    mm_check(trap_catch(do_store, 0) == 14, "a store into the slot-3 L2 still faults", trap_last.vec);
    probe_va = MACH2PHYS_VIRT_START + code_mfn * 4;
    mm_check(trap_catch(do_store, 0) == 14, "a store into the m2p still faults", trap_last.vec);
    mm_check(mm_m2p(code_mfn) == code_m2p, "the m2p entry of the guest's code frame is unchanged",
             (long)mm_m2p(code_mfn));
    mm_check(((volatile uint64_t *)si.pt_base)[3] == l3e3, "L3 slot 3 is unchanged", 0);
    uint32_t done;
    MM_EXPECT(mm_update1(((uint64_t)l3_mfn << 12) + 3 * 8, 0, &done), -XEN_EINVAL,
              "clearing L3 slot 3 is still refused");
    uint64_t w = mm_pte(l3_mfn, PG_P | PG_RW | PG_A);
    MM_EXPECT(HYPERVISOR_update_va_mapping(sac_va[0], (uint32_t)w, (uint32_t)(w >> 32), UVMF_INVLPG),
              -XEN_EBUSY, "mapping the L3 writable is still refused (-EBUSY, as Xen)");
    MM_EXPECT(mm_ext1(MMUEXT_PIN_L3_TABLE, l3_mfn, 0), -XEN_EINVAL, "the L3 is still pinned");
    /* a hypercall, a trap and an emulated instruction still work */
    mm_check(arm_pending_timer() && trap_catch(do_hlt, 0) == TRAP_NONE,
             "hlt with a timer event pending returns (emulated as block)", trap_last.vec);
    static struct physdev_set_iopl pi;
    pi.iopl = 1;
    MM_EXPECT(HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &pi), 0, "set_iopl(1)");
    uint8_t stub[] = { 0xe4, 0x80, 0xc3 };         /* inb $0x80; ret - at the page end */
    jit_at = (uint8_t *)(uintptr_t)(hole2_va - sizeof(stub));
    for (unsigned i = 0; i < sizeof(stub); i++)
        jit_at[i] = stub[i];
    mm_check(trap_catch(run_jit, 0) == TRAP_NONE,
             "inb 0x80 ending at the last byte before an unmapped page is emulated", trap_last.vec);
    restore_io();
    probe_va = 0x1000;
    mm_check(trap_catch(do_load, 0) == 14, "a load from an unmapped low page gives #PF", trap_last.vec);
    mm_check_alive();
}

/* The start-of-day boot stack is one page with the read-only page tables right below it: the
 * fuzzer runs on a stack of its own. */
static uint8_t fuzz_stack[65536] __attribute__((aligned(16)));
static unsigned int fuzz_main(void);

unsigned int guest_main(void)
{
    unsigned int r;
    asm volatile("movl %%esp, %%ebx\n\t"
                 "movl %1, %%esp\n\t"
                 "call *%2\n\t"
                 "movl %%ebx, %%esp"
                 : "=a"(r) : "r"(fuzz_stack + sizeof(fuzz_stack)), "r"(fuzz_main)
                 : "ebx", "ecx", "edx", "memory");
    return r;
}

static unsigned int fuzz_main(void)
{
    mm_init("fuzz");
    setup();
    uint32_t seed = parse_seed(), iters = parse_iters(), skip = parse_opt("skip", 0);
    mc_only = parse_opt("mcop", 0xFFFF);
    for (unsigned i = 0; si.cmd_line[i] && i + 5 < sizeof(si.cmd_line); i++)
        if (mem_eq((const char *)si.cmd_line + i, "trace", 5))
            trace = 1;
    rng = seed ? seed : 0x9e3779b9u;
    for (int i = 0; i < 16; i++)
        (void)rnd();
    print("fuzz: seed %u, %u iterations\n", seed, iters);
    if (trace) {
        image_l1 = (volatile uint64_t *)mm_mfn_va((uint32_t)((mm_read_l2e(0xC0100000u) >> 12) & 0xFFFFFF));
        image_sum_before = image_sum();
    }

    uint32_t code_mfn = mm_va_mfn((uint32_t)(uintptr_t)fuzz_main);
    uint32_t code_m2p = mm_m2p(code_mfn);
    uint64_t l3e3 = ((volatile uint64_t *)si.pt_base)[3];

    for (uint32_t it = 0; it < iters; it++) {
        buf_reset();
        uint32_t kind = below(100);
        /* skip=MASK leaves kinds out (to bisect a failure): 1 iret, 2 block/hlt, 4 insns,
         * 8 multicall; the random stream is the same */
        if (((skip & 1) && kind >= 78 && kind < 80) || ((skip & 2) && kind >= 80 && kind < 82) ||
            ((skip & 4) && kind >= 82) || ((skip & 8) && kind >= 70 && kind < 78))
            continue;
        if (kind < 70) {
            struct call c;
            uint32_t nr = (it < 64 * 4) ? (it & 63) : pick_nr();   /* every number at least 4 times */
            if (!gen_call(&c, nr, 0)) {
                fuzz_iret();
                continue;
            }
            run_call(&c);
        } else if (kind < 78) {
            struct call c;
            gen_call(&c, __HYPERVISOR_multicall, 0);
            run_call(&c);
        } else if (kind < 80) {
            fuzz_iret();
        } else if (kind < 82) {
            if (arm_pending_timer()) {
                int r = below(3) == 0 ? trap_catch(do_hlt, 0) : trap_catch(do_block, below(2));
                if (r >= 0 && r <= 256)
                    trap_vec[r]++;
                else
                    trap_none++;
                calls++;
            }
        } else {
            fuzz_insn();
        }
        if ((it & 1023) == 1023)
            print("fuzz: %u iterations, %u calls, %u events\n", it + 1, calls, events);
    }

    print("fuzz: %u calls, seed %u\n", calls, seed);
    print("fuzz: results: 0: %u, >0: %u, other: %u\n", res_zero, res_pos, res_other);
    for (unsigned e = 1; e < 140; e++)
        if (res_err[e])
            print("fuzz:   -%u: %u\n", e, res_err[e]);
    print("fuzz: %u multicall lists, %u iret frames, %u instructions, %u restores, %u events\n",
          mc_lists, iret_tries, insns, restores, events);
    print("fuzz: traps (iret/instructions/block):");
    for (unsigned v = 0; v < 257; v++)
        if (trap_vec[v])
            print(" %u:%u", v, trap_vec[v]);
    print(" none:%u\n", trap_none);
    final_checks(code_mfn, code_m2p, l3e3);
    return mm_finish("fuzz");
}
