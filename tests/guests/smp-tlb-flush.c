/* smp-tlb-flush: the guest-requested TLB flushes reach the other physical CPU, and bad vcpu
 * masks are refused with Xen's error codes. 2 vcpus on 2 CPUs (Moat: --smp 2 ... vcpus=2;
 * Xen: run-on-xen --smp 2).
 *
 * Each case: X maps page OLD, vcpu 1 reads X in a loop (the translation is hot in CPU 1's
 * TLB) and parks; vcpu 0 re-points X at NEW with a plain mmu_update (which flushes nothing),
 * then runs the flush under test; vcpu 1 reads X once and must see NEW. The calibration case
 * (no flush at all) must still see OLD: it shows a missing remote flush is observable (QEMU
 * keeps a TLB per CPU), so every "sees NEW" check below can fail.
 *
 *   reached:  update_va_mapping UVMF_INVLPG|UVMF_ALL, UVMF_TLB_FLUSH|UVMF_ALL,
 *             UVMF_INVLPG|UVMF_MULTI(vcpu 1), UVMF_TLB_FLUSH|UVMF_MULTI(vcpus 0,1);
 *             MMUEXT_TLB_FLUSH_MULTI(vcpu 1), INVLPG_MULTI(vcpu 1), TLB_FLUSH_ALL, INVLPG_ALL
 *   noted:    UVMF_LOCAL, a mask of vcpu 0 only, INVLPG_MULTI of another address: what vcpu 1
 *             sees is printed (not needed by the ABI either way)
 *   refused:  MMUEXT_*_MULTI with an unreadable mask or one in Moat's private area: -EINVAL
 *             (Xen's vcpumask_to_pcpumask failure is reported as -EINVAL by mmuext_op);
 *             update_va_mapping UVMF_MULTI with such a mask: -EFAULT, after the entry was
 *             written (as Xen); mask bits for vcpus that do not exist are ignored (0). */
#include "smp-lib.h"

static uint32_t x, page_mfn[3];
static const uint32_t magic[3] = { 0xAAAA0001u, 0xBBBB0002u, 0xCCCC0003u };
static unsigned cur;                            /* page X maps now */
static uint32_t mask_v1 = 2, mask_v01 = 3, mask_v0 = 1, mask_ghosts = 0xFFFFFFFCu, mask_none = 0;

static uint64_t pte_of(unsigned p) { return mm_pte(page_mfn[p], PG_P | PG_RW | PG_A | PG_D); }

static long uva(unsigned p, uint32_t flags)
{
    uint64_t v = pte_of(p);
    return HYPERVISOR_update_va_mapping(x, (uint32_t)v, (uint32_t)(v >> 32), flags);
}

/* X at page p everywhere (flushed on every vcpu), then hot in vcpu 1's TLB. */
static int prepare(unsigned p)
{
    uint32_t r = 0;
    if (uva(p, UVMF_INVLPG | UVMF_ALL) != 0)
        return 0;
    cur = p;
    if (smp_cmd(1, W_HOT_READ, x, 0, &r) != 0 || smp_cmd(1, W_PARK, 0, 0, 0) != 0)
        return 0;
    return r == magic[p];
}

static long mmu_repoint(unsigned p)
{
    uint32_t done;
    return mm_update1(mm_l1e_ma(x) | MMU_NORMAL_PT_UPDATE, pte_of(p), &done);
}

enum how { NONE, UVA_INVLPG_ALL, UVA_FLUSH_ALL, UVA_INVLPG_MULTI1, UVA_FLUSH_MULTI01,
           EXT_FLUSH_MULTI, EXT_INVLPG_MULTI, EXT_FLUSH_ALL, EXT_INVLPG_ALL,
           UVA_LOCAL, EXT_FLUSH_MULTI0, EXT_INVLPG_OTHER };
static const char *const names[] = {
    "no flush at all", "update_va_mapping UVMF_INVLPG|UVMF_ALL",
    "update_va_mapping UVMF_TLB_FLUSH|UVMF_ALL", "update_va_mapping UVMF_INVLPG|UVMF_MULTI {1}",
    "update_va_mapping UVMF_TLB_FLUSH|UVMF_MULTI {0,1}", "MMUEXT_TLB_FLUSH_MULTI {1}",
    "MMUEXT_INVLPG_MULTI {1}", "MMUEXT_TLB_FLUSH_ALL", "MMUEXT_INVLPG_ALL",
    "update_va_mapping UVMF_INVLPG (local)", "MMUEXT_TLB_FLUSH_MULTI {0}",
    "MMUEXT_INVLPG_MULTI {1} of another address",
};

/* Re-points X at the next page with `how`; returns what vcpu 1 then reads (0: a problem). */
static uint32_t one_case(enum how how, long *rc_out)
{
    unsigned next = (cur + 1) % 3;
    long rc = 0;
    if (!prepare(cur)) {
        *rc_out = -1;
        return 0;
    }
    switch (how) {
    case UVA_INVLPG_ALL: rc = uva(next, UVMF_INVLPG | UVMF_ALL); break;
    case UVA_FLUSH_ALL: rc = uva(next, UVMF_TLB_FLUSH | UVMF_ALL); break;
    case UVA_INVLPG_MULTI1: rc = uva(next, UVMF_INVLPG | (uint32_t)&mask_v1); break;
    case UVA_FLUSH_MULTI01: rc = uva(next, UVMF_TLB_FLUSH | (uint32_t)&mask_v01); break;
    case UVA_LOCAL: rc = uva(next, UVMF_INVLPG | UVMF_LOCAL); break;
    default:
        rc = mmu_repoint(next);
        if (rc)
            break;
        if (how == EXT_FLUSH_MULTI) rc = mm_ext1(MMUEXT_TLB_FLUSH_MULTI, 0, (uint32_t)&mask_v1);
        if (how == EXT_INVLPG_MULTI) rc = mm_ext1(MMUEXT_INVLPG_MULTI, x, (uint32_t)&mask_v1);
        if (how == EXT_FLUSH_ALL) rc = mm_ext1(MMUEXT_TLB_FLUSH_ALL, 0, 0);
        if (how == EXT_INVLPG_ALL) rc = mm_ext1(MMUEXT_INVLPG_ALL, x, 0);
        if (how == EXT_FLUSH_MULTI0) rc = mm_ext1(MMUEXT_TLB_FLUSH_MULTI, 0, (uint32_t)&mask_v0);
        if (how == EXT_INVLPG_OTHER) rc = mm_ext1(MMUEXT_INVLPG_MULTI, x + 0x1000, (uint32_t)&mask_v1);
        break;
    }
    uint32_t seen = 0;
    int f = smp_cmd(1, W_READ_ONCE, x, 0, &seen);
    *rc_out = f ? -2 : rc;
    print("smp-tlb-flush: %s: rc %d; vcpu 1 reads 0x%x (%s)\n", names[how], rc, seen,
          seen == magic[next] ? "the new page" : seen == magic[cur] ? "the OLD page" : "?");
    uint32_t was = cur;
    cur = next;
    return seen == magic[next] ? 1 : seen == magic[was] ? 2 : 0;
}

static void reached(void)
{
    long rc;
    /* up to 3 tries (a timer interrupt on CPU 1 could evict the entry by chance) */
    uint32_t stale = 0;
    for (unsigned t = 0; t < 3 && stale != 2; t++)
        stale = one_case(NONE, &rc);
    MM_EXPECT(stale, 2, "calibration: with no flush vcpu 1 still sees the old page");
    static const char *const what[] = {
        0, "rule SMP-FLUSH: UVMF_INVLPG|UVMF_ALL reaches vcpu 1",
        "rule SMP-FLUSH: UVMF_TLB_FLUSH|UVMF_ALL reaches vcpu 1",
        "rule SMP-FLUSH: UVMF_INVLPG|UVMF_MULTI {1} reaches vcpu 1",
        "rule SMP-FLUSH: UVMF_TLB_FLUSH|UVMF_MULTI {0,1} reaches vcpu 1",
        "rule SMP-FLUSH: MMUEXT_TLB_FLUSH_MULTI {1} reaches vcpu 1",
        "rule SMP-FLUSH: MMUEXT_INVLPG_MULTI {1} reaches vcpu 1",
        "rule SMP-FLUSH: MMUEXT_TLB_FLUSH_ALL reaches vcpu 1",
        "rule SMP-FLUSH: MMUEXT_INVLPG_ALL reaches vcpu 1",
    };
    for (unsigned h = UVA_INVLPG_ALL; h <= EXT_INVLPG_ALL; h++) {
        uint32_t r = one_case((enum how)h, &rc);
        mm_check(r == 1 && rc == 0, what[h], rc ? rc : (long)r);
    }
    /* noted, not required: the ABI lets these leave vcpu 1's TLB alone */
    for (unsigned h = UVA_LOCAL; h <= EXT_INVLPG_OTHER; h++) {
        uint32_t r = one_case((enum how)h, &rc);
        mm_check(rc == 0 && r != 0, names[h], rc);
    }
}

static void refused(void)
{
    /* the top page: Moat's private data on Moat (its direct map), no guest mapping on Xen */
    uint32_t hv = 0xFFFFF000u;
    MM_EXPECT(mm_ext1(MMUEXT_TLB_FLUSH_MULTI, 0, 0x1000), -XEN_EINVAL,
              "rule SMP-MASK: TLB_FLUSH_MULTI with an unmapped mask");
    MM_EXPECT(mm_ext1(MMUEXT_INVLPG_MULTI, x, 0x1000), -XEN_EINVAL,
              "rule SMP-MASK: INVLPG_MULTI with an unmapped mask");
    MM_EXPECT(mm_ext1(MMUEXT_TLB_FLUSH_MULTI, 0, hv), -XEN_EINVAL,
              "rule SMP-MASK: TLB_FLUSH_MULTI with a mask in the hypervisor's area");
    /* The read-only m2p is guest-readable: Xen reads a mask there (0); Moat refuses every
     * guest pointer into its area, m2p included (-EINVAL): a documented difference. */
    long m2p = mm_ext1(MMUEXT_TLB_FLUSH_MULTI, 0, mm_m2p_base());
    print("smp-tlb-flush: TLB_FLUSH_MULTI with a mask in the read-only m2p: %d\n", m2p);
    mm_check(m2p == 0 || m2p == -XEN_EINVAL, "a mask in the read-only m2p: read (Xen) or refused (Moat)", m2p);
    MM_EXPECT(mm_ext1(MMUEXT_INVLPG_MULTI, x, 0xFFFFFFFEu), -XEN_EINVAL,
              "rule SMP-MASK: INVLPG_MULTI with a mask that wraps the address space");
    MM_EXPECT(mm_ext1(MMUEXT_TLB_FLUSH_MULTI, 0, (uint32_t)&mask_ghosts), 0,
              "rule SMP-MASK: mask bits of vcpus that do not exist are ignored");
    MM_EXPECT(mm_ext1(MMUEXT_INVLPG_MULTI, x, (uint32_t)&mask_none), 0, "rule SMP-MASK: an empty mask");

    unsigned next = (cur + 1) % 3;
    MM_EXPECT(uva(next, UVMF_INVLPG | 0x1000), -XEN_EFAULT,
              "rule SMP-MASK: update_va_mapping UVMF_MULTI with an unmapped mask: -EFAULT");
    mm_ext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
    MM_EXPECT(*(volatile uint32_t *)x, magic[next], "  ... after the entry was written (as Xen)");
    cur = next;
    next = (cur + 1) % 3;
    MM_EXPECT(uva(next, UVMF_TLB_FLUSH | hv), -XEN_EFAULT,
              "rule SMP-MASK: update_va_mapping UVMF_MULTI with a mask in the hypervisor's area");
    cur = next;
    MM_EXPECT(uva(cur, UVMF_INVLPG | (uint32_t)&mask_ghosts), 0,
              "rule SMP-MASK: update_va_mapping with only vcpus that do not exist");
    long r3 = uva(cur, UVMF_TLB_FLUSH | UVMF_INVLPG);
    print("smp-tlb-flush: update_va_mapping with both flush-type bits: %d\n", r3);
    MM_EXPECT(r3, 0, "update_va_mapping flush type 3 (no flush) accepted");
}

unsigned int guest_main(void)
{
    if (!smp_init("smp-tlb-flush", 2))
        return SHUTDOWN_crash;
    x = mm_scratch_va(40);
    for (unsigned i = 0; i < 3; i++) {
        page_mfn[i] = mm_scratch_mfn(41 + i);
        *(volatile uint32_t *)mm_scratch_va(41 + i) = magic[i];
    }
    MM_EXPECT(smp_start_worker(1), 1, "vcpu 1 up, running the worker");
    cur = 0;
    reached();
    refused();
    MM_EXPECT(smp_cmd(1, W_READ_ONCE, x, 0, 0), 0, "vcpu 1 still alive");
    mm_check_alive();
    return mm_finish("smp-tlb-flush");
}
