/* smp-vcpus: a PV guest brings its other vcpus up and down through VCPUOP, as Linux's Xen
 * SMP code does, and checks every answer against Xen 4.17 (run-on-xen --smp 4; on Moat the
 * guest command line says vcpus=4).
 *
 *   - refusals before any vcpu runs: up on an uninitialised vcpu (-XEN_EINVAL), initialise on
 *     vcpu 0 (-XEN_EEXIST), from an unreadable address (-XEN_EFAULT), a vcpu that does not exist
 *     (-XEN_ENOENT), bad contexts (-XEN_EINVAL, and the vcpu stays uninitialised): ctrlreg[3] not an
 *     L3 of ours / not a frame at all, LDT base unaligned / too many entries, too many GDT
 *     entries, a GDT frame that is a writable data page;
 *   - vcpus 1..3 initialised with their own stacks and the initial page tables; 20 rounds of:
 *     up (is_up says 1 at once), each vcpu prints, increments a shared counter with a locked
 *     instruction, waits with events enabled (SCHEDOP_block) for its IPI (an event channel
 *     from EVTCHNOP_bind_ipi, sent by vcpu 0), then takes itself down (VCPUOP_down); vcpu 0
 *     waits until is_up says 0 for all of them. Counter and IPI counts must be exact;
 *   - TLB shootdown: vcpu 1 keeps reading a page through a mapping vcpu 0 then changes - by
 *     update_va_mapping(UVMF_INVLPG|UVMF_ALL), and by mmu_update followed by MMUEXT
 *     TLB_FLUSH_ALL / INVLPG_ALL / TLB_FLUSH_MULTI / INVLPG_MULTI - and must see the new page
 *     right after the call returns (QEMU's TLBs are per vcpu: a missing remote flush shows);
 *   - get_runstate_info: a down vcpu is offline, the caller is running;
 *   - register_vcpu_info: vcpu 0's vcpu_info moves to a page of ours, arrives with every event
 *     marked pending, and an IPI to vcpu 0 is seen there; a second move is refused. */
#include "ev-lib.h"
#include <xen/vcpu.h>

#define MAX_V 4
#define STACK 8192
#define ROUNDS 20

static uint8_t stacks[MAX_V][STACK] __attribute__((aligned(STACK)));
static struct vcpu_guest_context ctxt;
static volatile uint32_t counter;                /* incremented with lock xadd by every vcpu */
static volatile uint32_t arrivals[MAX_V];        /* rounds each vcpu has started */
static volatile uint32_t ipis[MAX_V];            /* IPIs each vcpu's upcall consumed */
static volatile uint32_t upcalls[MAX_V];
static volatile int port_owner[1024];            /* vcpu an IPI port notifies, -1: none */
static int ipi_port[MAX_V];
static struct vcpu_info *vinfo[MAX_V];
static unsigned nr_vcpus;

/* TLB shootdown phase: vcpu 1 reads *tlb_va in a loop (tlb_reads counts), and when tlb_step
 * changes records what it read right after into tlb_seen[step]. */
static volatile int tlb_mode;
static volatile uint32_t tlb_va, tlb_step, tlb_reads;
static volatile uint32_t tlb_seen[8];

extern char smp_upcall_entry[], ev_failsafe_entry[];
asm(".text\n"
    ".globl smp_upcall_entry\n"
    "smp_upcall_entry:\n"
    "  pushal\n"
    "  cld\n"
    "  call smp_upcall\n"
    "  popal\n"
    "  jmp hypercall_page + 23 * 32\n");

static unsigned my_vcpu(void)
{
    uint32_t sp = (uint32_t)__builtin_frame_address(0);
    uint32_t base = (uint32_t)stacks;
    return sp >= base && sp < base + sizeof(stacks) ? (sp - base) / STACK : 0;
}

/* Consumes the pending ports this vcpu owns (the 2-level scan on its own vcpu_info). */
static int my_port(unsigned port) { return port_owner[port] == (int)my_vcpu(); }
static void count_ipi(unsigned port) { (void)port; __atomic_fetch_add(&ipis[my_vcpu()], 1, __ATOMIC_SEQ_CST); }

void smp_upcall(void)
{
    unsigned me = my_vcpu();
    upcalls[me]++;
    ev_scan(vinfo[me], my_port, count_ipi);
}

static long vcpu_op(unsigned cmd, unsigned vcpu, void *arg) { return HYPERVISOR_vcpu_op(cmd, vcpu, arg); }

/* A secondary vcpu's life: every time it is brought up it starts (or resumes) here. */
static void secondary(void) __attribute__((noreturn, used));
static void secondary(void)
{
    unsigned me = my_vcpu();
    for (;;) {
        if (tlb_mode && me == 1) {
            uint32_t step = 0;
            while (tlb_mode) {
                uint32_t v = *(volatile uint32_t *)tlb_va;
                uint32_t now = tlb_step;
                if (now != step) {
                    v = *(volatile uint32_t *)tlb_va;     /* after the flush was announced */
                    tlb_seen[now] = v;
                    step = now;
                }
                __atomic_fetch_add(&tlb_reads, 1, __ATOMIC_SEQ_CST);
            }
            vcpu_op(VCPUOP_down, me, 0);
            continue;
        }
        uint32_t round = arrivals[me];
        if (round == 0)
            print("smp-vcpus: vcpu %u running\n", me);
        __atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST);      /* lock xadd */
        __atomic_store_n(&arrivals[me], round + 1, __ATOMIC_SEQ_CST);
        while (ipis[me] < round + 1) {
            /* block enables events (clears the mask) and returns at once if one is pending */
            HYPERVISOR_sched_op(SCHEDOP_block, 0);
            vinfo[me]->evtchn_upcall_mask = 1;
        }
        long rc = vcpu_op(VCPUOP_down, me, 0);
        if (rc != 0) {
            print("smp-vcpus: vcpu %u: VCPUOP_down on itself returned %d\n", me, rc);
            shutdown(SHUTDOWN_crash);
        }
        /* VCPUOP_up resumes here */
    }
}

static void good_context(unsigned n)
{
    uint8_t *p = (uint8_t *)&ctxt;
    for (unsigned i = 0; i < sizeof(ctxt); i++)
        p[i] = 0;
    ctxt.flags = VGCF_in_kernel;
    ctxt.user_regs.cs = FLAT_RING1_CS;
    ctxt.user_regs.ss = ctxt.user_regs.ds = ctxt.user_regs.es = FLAT_RING1_DS;
    ctxt.user_regs.eip = (unsigned long)secondary;
    ctxt.user_regs.esp = (unsigned long)(stacks[n] + STACK - 16);
    ctxt.user_regs.eflags = 0x2;
    ctxt.kernel_ss = FLAT_RING1_DS;
    ctxt.kernel_sp = ctxt.user_regs.esp;
    ctxt.ctrlreg[3] = xen_pfn_to_cr3(mm_l3_mfn());
    ctxt.event_callback_cs = FLAT_RING1_CS;
    ctxt.event_callback_eip = (unsigned long)smp_upcall_entry;
    ctxt.failsafe_callback_cs = FLAT_RING1_CS;
    ctxt.failsafe_callback_eip = (unsigned long)ev_failsafe_entry;
}

static int wait_for(volatile uint32_t *what, uint32_t want, uint64_t ns)
{
    uint64_t end = ev_now() + ns;
    while (*what < want)
        if (ev_now() > end)
            return 0;
    return 1;
}

static void refusals(void)
{
    MM_EXPECT(vcpu_op(VCPUOP_up, 1, 0), -XEN_EINVAL, "up on an uninitialised vcpu");
    good_context(1);
    MM_EXPECT(vcpu_op(VCPUOP_initialise, 0, &ctxt), -XEN_EEXIST, "initialise vcpu 0 (already)");
    MM_EXPECT(vcpu_op(VCPUOP_initialise, 1, (void *)0x1000), -XEN_EFAULT, "initialise from an unmapped address");
    MM_EXPECT(vcpu_op(VCPUOP_initialise, nr_vcpus, &ctxt), -XEN_ENOENT, "initialise a vcpu that does not exist");
    MM_EXPECT(vcpu_op(VCPUOP_is_up, 1000, 0), -XEN_ENOENT, "is_up on vcpu 1000");

    good_context(1);
    ctxt.ctrlreg[3] = xen_pfn_to_cr3(mm_scratch_mfn(3));     /* a writable data page */
    MM_EXPECT(vcpu_op(VCPUOP_initialise, 1, &ctxt), -XEN_EINVAL, "ctrlreg[3] a writable page");
    good_context(1);
    ctxt.ctrlreg[3] = xen_pfn_to_cr3(0xFFFFFu);               /* no such frame */
    MM_EXPECT(vcpu_op(VCPUOP_initialise, 1, &ctxt), -XEN_EINVAL, "ctrlreg[3] not a frame of ours");
    good_context(1);
    ctxt.ldt_base = mm_scratch_va(4) + 8;
    ctxt.ldt_ents = 1;
    MM_EXPECT(vcpu_op(VCPUOP_initialise, 1, &ctxt), -XEN_EINVAL, "unaligned LDT base");
    good_context(1);
    ctxt.ldt_base = mm_scratch_va(4);
    ctxt.ldt_ents = 8193;
    MM_EXPECT(vcpu_op(VCPUOP_initialise, 1, &ctxt), -XEN_EINVAL, "8193 LDT entries");
    good_context(1);
    ctxt.gdt_ents = 14 * 512 + 1;
    MM_EXPECT(vcpu_op(VCPUOP_initialise, 1, &ctxt), -XEN_EINVAL, "GDT entries into the reserved area");
    good_context(1);
    ctxt.gdt_ents = 512;
    ctxt.gdt_frames[0] = mm_scratch_mfn(5);                   /* mapped writable */
    MM_EXPECT(vcpu_op(VCPUOP_initialise, 1, &ctxt), -XEN_EINVAL, "GDT frame that is writable");
    MM_EXPECT(vcpu_op(VCPUOP_up, 1, 0), -XEN_EINVAL, "still uninitialised after the refusals");
    MM_EXPECT(vcpu_op(VCPUOP_is_up, 1, 0), 0, "vcpu 1 is down");
}

static void runstate_checks(void)
{
    struct vcpu_runstate_info r;
    MM_EXPECT(vcpu_op(VCPUOP_get_runstate_info, 1, &r), 0, "runstate of vcpu 1");
    MM_EXPECT(r.state, RUNSTATE_offline, "vcpu 1 is offline");
    MM_EXPECT(vcpu_op(VCPUOP_get_runstate_info, 0, &r), 0, "runstate of vcpu 0");
    MM_EXPECT(r.state, RUNSTATE_running, "vcpu 0 is running");
    MM_EXPECT(r.time[RUNSTATE_running] > 0, 1, "vcpu 0 has run");
    MM_EXPECT(vcpu_op(VCPUOP_get_runstate_info, 0, (void *)0x1000), -XEN_EFAULT, "runstate to an unmapped address");
}

static void tlb_shootdown(void)
{
    /* three pages in rotation, so a stale translation never happens to be right */
    uint32_t x = mm_scratch_va(12);
    uint32_t page[3] = { mm_scratch_mfn(10), mm_scratch_mfn(11), mm_scratch_mfn(13) };
    uint32_t magic[3] = { 0xAAAA0000u, 0xBBBB0000u, 0xCCCC0000u };
    *(volatile uint32_t *)mm_scratch_va(10) = magic[0];
    *(volatile uint32_t *)mm_scratch_va(11) = magic[1];
    *(volatile uint32_t *)mm_scratch_va(13) = magic[2];
    MM_EXPECT(mm_remap(x, page[0], PG_P | PG_RW | PG_A | PG_D), 0, "tlb: map X to page A");
    tlb_va = x;
    tlb_mode = 1;
    MM_EXPECT(vcpu_op(VCPUOP_up, 1, 0), 0, "tlb: vcpu 1 up to read X");
    static const char *what[5] = {
        "tlb: vcpu 1 sees the new page after update_va_mapping INVLPG|ALL",
        "tlb: ... after mmu_update + MMUEXT_TLB_FLUSH_ALL",
        "tlb: ... after mmu_update + MMUEXT_INVLPG_ALL",
        "tlb: ... after mmu_update + MMUEXT_TLB_FLUSH_MULTI",
        "tlb: ... after mmu_update + MMUEXT_INVLPG_MULTI",
    };
    unsigned long mask = (1ul << MAX_V) - 1;
    for (uint32_t s = 0; s < 5; s++) {
        uint32_t to = (s + 1) % 3;
        /* vcpu 1 must have the old translation in its TLB: let it read a while */
        uint32_t r0 = tlb_reads;
        wait_for(&tlb_reads, r0 + 1000, 5000000000ull);
        uint64_t pte = mm_pte(page[to], PG_P | PG_RW | PG_A | PG_D);
        long rc;
        uint32_t done;
        if (s == 0) {
            rc = HYPERVISOR_update_va_mapping(x, (uint32_t)pte, (uint32_t)(pte >> 32), UVMF_INVLPG | UVMF_ALL);
        } else {
            /* the update alone flushes nothing: the flush op is what must reach vcpu 1 */
            rc = mm_update1(mm_l1e_ma(x) | MMU_NORMAL_PT_UPDATE, pte, &done);
            if (rc == 0) {
                if (s == 1)
                    rc = mm_ext1(MMUEXT_TLB_FLUSH_ALL, 0, 0);
                else if (s == 2)
                    rc = mm_ext1(MMUEXT_INVLPG_ALL, x, 0);
                else if (s == 3)
                    rc = mm_ext1(MMUEXT_TLB_FLUSH_MULTI, 0, (uint32_t)&mask);
                else
                    rc = mm_ext1(MMUEXT_INVLPG_MULTI, x, (uint32_t)&mask);
            }
        }
        tlb_seen[s + 1] = 0;
        __atomic_store_n(&tlb_step, s + 1, __ATOMIC_SEQ_CST);
        uint64_t end = ev_now() + 5000000000ull;
        while (tlb_seen[s + 1] == 0 && ev_now() < end)
            ;
        mm_check(rc == 0 && tlb_seen[s + 1] == magic[to], what[s], (long)tlb_seen[s + 1]);
    }
    tlb_mode = 0;
    uint64_t end = ev_now() + 5000000000ull;
    while (vcpu_op(VCPUOP_is_up, 1, 0) != 0 && ev_now() < end)
        ;
    MM_EXPECT(vcpu_op(VCPUOP_is_up, 1, 0), 0, "tlb: vcpu 1 down again");
}

static void move_vcpu_info(void)
{
    struct vcpu_register_vcpu_info reg = { .mfn = mm_scratch_mfn(6), .offset = 4096 - 63 };
    MM_EXPECT(vcpu_op(VCPUOP_register_vcpu_info, 0, &reg), -XEN_ENXIO, "vcpu_info across the page end");
    reg.offset = 128;
    reg.mfn = 0xFFFFFu;
    MM_EXPECT(vcpu_op(VCPUOP_register_vcpu_info, 0, &reg), -XEN_EINVAL, "vcpu_info in a frame not ours");
    reg.mfn = mm_scratch_mfn(6);
    struct vcpu_info *ni = (struct vcpu_info *)(mm_scratch_va(6) + 128);
    uint8_t mask_before = vinfo[0]->evtchn_upcall_mask;
    MM_EXPECT(vcpu_op(VCPUOP_register_vcpu_info, 0, &reg), 0, "move vcpu 0's vcpu_info");
    MM_EXPECT(ni->evtchn_upcall_mask, mask_before, "the mask moved with it");
    MM_EXPECT(ni->evtchn_upcall_pending, 1, "everything marked pending after the move");
    MM_EXPECT(ni->evtchn_pending_sel, 0xFFFFFFFFu, "every selector bit set");
    ni->evtchn_upcall_pending = 0;
    ni->evtchn_pending_sel = 0;
    int p = ev_bind_ipi(0);
    MM_EXPECT(p > 0, 1, "bind_ipi to vcpu 0");
    MM_EXPECT(ev_send(p), 0, "send it");
    MM_EXPECT(ni->evtchn_upcall_pending, 1, "seen at the new vcpu_info");
    MM_EXPECT((ni->evtchn_pending_sel >> (p / 32)) & 1, 1, "its selector bit at the new place");
    MM_EXPECT(vinfo[0]->evtchn_upcall_pending, 0, "not at the old one");
    reg.offset = 256;
    MM_EXPECT(vcpu_op(VCPUOP_register_vcpu_info, 0, &reg), -XEN_EINVAL, "a second move");
}

unsigned int guest_main(void)
{
    ev_init("smp-vcpus");
    for (unsigned i = 0; i < 1024; i++)
        port_owner[i] = -1;
    for (nr_vcpus = 1; nr_vcpus < 8; nr_vcpus++)
        if (vcpu_op(VCPUOP_is_up, nr_vcpus, 0) == -XEN_ENOENT)
            break;
    print("smp-vcpus: %u vcpus\n", nr_vcpus);
    if (nr_vcpus < MAX_V) {
        print("smp-vcpus: needs %u vcpus (Moat: vcpus=%u; Xen: --smp %u)\n", MAX_V, MAX_V, MAX_V);
        return SHUTDOWN_crash;
    }
    for (unsigned n = 0; n < MAX_V; n++)
        vinfo[n] = &ev_shared->vcpu_info[n];
    refusals();
    runstate_checks();

    for (unsigned n = 1; n < MAX_V; n++) {
        ipi_port[n] = ev_bind_ipi(n);
        port_owner[ipi_port[n]] = (int)n;
        good_context(n);
        MM_EXPECT(vcpu_op(VCPUOP_initialise, n, &ctxt), 0, "initialise a secondary vcpu");
    }
    MM_EXPECT(vcpu_op(VCPUOP_initialise, 1, &ctxt), -XEN_EEXIST, "initialise twice");

    unsigned bad = 0;
    for (uint32_t r = 0; r < ROUNDS; r++) {
        for (unsigned n = 1; n < MAX_V; n++) {
            long rc = vcpu_op(VCPUOP_up, n, 0);
            long up = vcpu_op(VCPUOP_is_up, n, 0);
            if (rc != 0 || up != 1) {
                print("smp-vcpus: round %u: up(%u) = %d, is_up = %d\n", r, n, rc, up);
                bad++;
            }
        }
        for (unsigned n = 1; n < MAX_V; n++)
            if (!wait_for(&arrivals[n], r + 1, 5000000000ull)) {
                struct vcpu_runstate_info rs;
                vcpu_op(VCPUOP_get_runstate_info, n, &rs);
                print("smp-vcpus: round %u: vcpu %u never arrived (is_up %d, runstate %d, "
                      "arrivals %u, ipis %u)\n", r, n, vcpu_op(VCPUOP_is_up, n, 0), rs.state,
                      arrivals[n], ipis[n]);
                bad++;
            }
        for (unsigned n = 1; n < MAX_V; n++)
            if (ev_send(ipi_port[n]) != 0)
                bad++;
        for (unsigned n = 1; n < MAX_V; n++) {
            uint64_t end = ev_now() + 5000000000ull;
            while (vcpu_op(VCPUOP_is_up, n, 0) != 0 && ev_now() < end)
                ;
            if (vcpu_op(VCPUOP_is_up, n, 0) != 0) {
                print("smp-vcpus: round %u: vcpu %u did not go down\n", r, n);
                bad++;
            }
        }
    }
    MM_EXPECT(bad, 0, "20 rounds of up / IPI / down without a problem");
    MM_EXPECT(counter, ROUNDS * (MAX_V - 1), "the shared counter (locked increments)");
    for (unsigned n = 1; n < MAX_V; n++) {
        MM_EXPECT(arrivals[n], ROUNDS, "rounds a secondary ran");
        MM_EXPECT(ipis[n], ROUNDS, "IPIs a secondary received (none lost, none twice)");
    }
    MM_EXPECT(vcpu_op(VCPUOP_up, 1, 0), 0, "up once more");
    MM_EXPECT(wait_for(&arrivals[1], ROUNDS + 1, 5000000000ull), 1, "it runs again");
    MM_EXPECT(vcpu_op(VCPUOP_up, 1, 0), 0, "up while up: nothing to do");
    ev_send(ipi_port[1]);
    uint64_t end = ev_now() + 5000000000ull;
    while (vcpu_op(VCPUOP_is_up, 1, 0) != 0 && ev_now() < end)
        ;
    MM_EXPECT(vcpu_op(VCPUOP_is_up, 1, 0), 0, "and down again");
    tlb_shootdown();
    move_vcpu_info();
    return mm_finish("smp-vcpus");
}
