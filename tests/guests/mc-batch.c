/* mc-batch: a multicall of N entries gives exactly the results of the same N direct calls,
 * written back in order, and costs ONE hypercall trap (Moat's counters); N direct calls cost N.
 * Also: nr_calls 0, an mmu_update inside a multicall, and the moat_op interface's own rules
 * (reset, short buffer, bad buffer, unknown sub-op). */
#include "mc-lib.h"

#define N 8
#define D(s1, s0, f) ((long)((s1).f - (s0).f))

static multicall_entry_t mc[N];
static xen_extraversion_t ev_direct, ev_mc;
static char msg[] = "mc-batch: console write from a multicall entry\n";
static struct moat_stats s0, s1;

static void direct_calls(long *r)
{
    r[0] = HYPERVISOR_xen_version(XENVER_version, 0);
    r[1] = HYPERVISOR_xen_version(XENVER_extraversion, ev_direct);
    r[2] = HYPERVISOR_xen_version(999, 0);
    r[3] = HYPERVISOR_console_io(CONSOLEIO_write, sizeof(msg) - 1, msg);
    r[4] = HYPERVISOR_vm_assist(VMASST_CMD_enable, 31);
    r[5] = HYPERVISOR_sched_op(99, 0);
    r[6] = hypercall_raw(45, 0, 0, 0);
    r[7] = HYPERVISOR_xen_version(XENVER_pagesize, 0);
}

static void fill_batch(void)
{
    mc_set(&mc[0], __HYPERVISOR_xen_version, XENVER_version, 0, 0);
    mc_set(&mc[1], __HYPERVISOR_xen_version, XENVER_extraversion, (uint32_t)ev_mc, 0);
    mc_set(&mc[2], __HYPERVISOR_xen_version, 999, 0, 0);
    mc_set(&mc[3], __HYPERVISOR_console_io, CONSOLEIO_write, sizeof(msg) - 1, (uint32_t)msg);
    mc_set(&mc[4], __HYPERVISOR_vm_assist, VMASST_CMD_enable, 31, 0);
    mc_set(&mc[5], __HYPERVISOR_sched_op, 99, 0, 0);
    mc_set(&mc[6], 45, 0, 0, 0);
    mc_set(&mc[7], __HYPERVISOR_xen_version, XENVER_pagesize, 0, 0);
}

unsigned int guest_main(void)
{
    long direct[N];
    mm_init("mc-batch");
    int moat = mc_on_moat("mc-batch");

    direct_calls(direct);
    fill_batch();
    if (moat)
        mc_stats(&s0);
    long rc = HYPERVISOR_multicall(mc, N);
    if (moat)
        mc_stats(&s1);                 /* before any print: a print is a console_io trap */
    MM_EXPECT(rc, 0, "a multicall of 8 entries returns 0");
    int same = 1;
    for (int i = 0; i < N; i++) {
        if ((long)mc[i].result != direct[i]) {
            print("mc-batch: entry %d: result %d, direct call %d\n", i, (long)mc[i].result, direct[i]);
            same = 0;
        }
    }
    mm_check(same, "every entry's result equals the direct call's, in order", 0);
    MM_EXPECT(mc[0].result, (4 << 16) | 17, "entry 0: xen_version 4.17");
    MM_EXPECT((long)mc[2].result, -XEN_ENOSYS, "entry 2: xen_version 999 -ENOSYS");
    MM_EXPECT((long)mc[4].result, -XEN_EINVAL, "entry 4: vm_assist type 31 -EINVAL");
    MM_EXPECT((long)mc[6].result, -XEN_ENOSYS, "entry 6: unassigned hypercall 45 -ENOSYS");
    MM_EXPECT(mc[7].result, 4096, "entry 7: XENVER_pagesize 4096");
    mm_check(mem_eq(ev_mc, ev_direct, sizeof(ev_mc)), "entry 1 wrote the same extraversion", 0);
    MM_EXPECT(mc[0].op, __HYPERVISOR_xen_version, "op fields untouched");

    if (moat) {
        /* the second snapshot's own call is included: one trap, one hypercall */
        MM_EXPECT(D(s1, s0, domain.hypercall_traps), 2, "the multicall cost ONE trap (+1: get_stats)");
        MM_EXPECT(D(s1, s0, vcpu.hypercall_traps), 2, "... on this vcpu");
        MM_EXPECT(D(s1, s0, domain.multicall_entries), N, "8 multicall entries counted");
        MM_EXPECT(D(s1, s0, domain.hypercalls), N + 2, "8 entries + the multicall + get_stats = 10 hypercalls");
        MM_EXPECT(D(s1, s0, hypercall_count[__HYPERVISOR_xen_version]), 4, "xen_version counted 4 times");
        MM_EXPECT(D(s1, s0, hypercall_count[__HYPERVISOR_multicall]), 1, "multicall counted once");
        MM_EXPECT(D(s1, s0, hypercall_count[45]), 1, "unassigned 45 counted by number");
        MM_EXPECT(D(s1, s0, domain.exceptions), 0, "no exception");

        mc_stats(&s0);
        direct_calls(direct);
        mc_stats(&s1);
        MM_EXPECT(D(s1, s0, domain.hypercall_traps), N + 1, "the same 8 as direct calls cost 8 traps (+1)");
        MM_EXPECT(D(s1, s0, domain.multicall_entries), 0, "... and no multicall entry");
        print("mc-batch: traps for 8 calls: multicall 1, direct 8\n");
    }

    MM_EXPECT(HYPERVISOR_multicall(mc, 0), 0, "nr_calls 0 returns 0");

    /* an mmu_update (2 harmless m2p rewrites) inside a multicall */
    static struct mmu_update req[2];
    static uint32_t done;
    uint32_t m = mm_scratch_mfn(0), pfn = (mm_scratch_va(0) - MM_VIRT_BASE) >> 12;
    for (int i = 0; i < 2; i++) {
        req[i].ptr = ((uint64_t)m << 12) | MMU_MACHPHYS_UPDATE;
        req[i].val = pfn;
    }
    mc_set(&mc[0], __HYPERVISOR_mmu_update, (uint32_t)req, 2, (uint32_t)&done);
    mc[0].args[3] = DOMID_SELF;
    if (moat)
        mc_stats(&s0);
    rc = HYPERVISOR_multicall(mc, 1);
    if (moat)
        mc_stats(&s1);
    MM_EXPECT(rc, 0, "multicall of one mmu_update returns 0");
    MM_EXPECT(mc[0].result, 0, "its mmu_update returned 0");
    MM_EXPECT(done, 2, "and applied 2 requests");
    if (moat)
        MM_EXPECT(D(s1, s0, domain.mmu_update_entries), 2, "2 mmu_update entries counted");

    if (moat) {
        rc = HYPERVISOR_moat_op(MOATOP_reset_stats, 0);
        mc_stats(&s1);
        MM_EXPECT(rc, 0, "MOATOP_reset_stats returns 0");
        MM_EXPECT(s1.domain.hypercall_traps, 1, "after reset only get_stats' own trap is counted");
        MM_EXPECT(s1.domain.hypercalls, 1, "... and its hypercall");
        MM_EXPECT(s1.hypercall_count[__HYPERVISOR_moat_op], 1, "... by number");
        MM_EXPECT(s1.hypercall_count[__HYPERVISOR_xen_version], 0, "other numbers are 0");
        MM_EXPECT(s1.domid, 0, "snapshot names domain 0");
        mm_check(s1.tsc > s1.tsc_boot, "snapshot tsc is after Moat's boot tsc", 0);
        s0.size = 8;
        MM_EXPECT(HYPERVISOR_moat_op(MOATOP_get_stats, &s0), -XEN_EINVAL, "get_stats with size 8 is -EINVAL");
        MM_EXPECT(HYPERVISOR_moat_op(MOATOP_get_stats, 0), -XEN_EFAULT, "get_stats into NULL is -EFAULT");
        MM_EXPECT(HYPERVISOR_moat_op(MOATOP_get_stats, 0xF5800000u), -XEN_EFAULT,
                  "get_stats into Moat's area is -EFAULT");
        MM_EXPECT(HYPERVISOR_moat_op(99, 0), -XEN_ENOSYS, "moat_op sub-op 99 is -ENOSYS");
        /* a short (old-layout) buffer: Moat writes only what fits */
        static struct { struct moat_stats s; uint32_t guard; } g;
        g.guard = 0x600DF00Du;
        g.s.size = 32;
        g.s.domain.hypercalls = 0x1234;
        MM_EXPECT(HYPERVISOR_moat_op(MOATOP_get_stats, &g.s), 0, "get_stats with size 32 returns 0");
        MM_EXPECT(g.s.size, 32, "... says it wrote 32 bytes");
        MM_EXPECT(g.s.domain.hypercalls, 0x1234, "... and wrote nothing past them");
    }
    mm_check_alive();
    return mm_finish("mc-batch");
}
