/* smp-tlb-attack: a hostile 2-vcpu PV guest tries to keep a stale writable translation on
 * vcpu 1 to a frame that vcpu 0 then turns into a page table (or a descriptor page), and to
 * use it to give itself a mapping it must not have. Run with 2 vcpus on 2 physical CPUs
 * (Moat: --smp 2 ... vcpus=2; Xen: run-on-xen --smp 2).
 *
 * Why it could work: a TLB entry outlives the page-table entry it came from until that CPU
 * flushes. vcpu 1 (on CPU 1) writes frame F through VA_F until the translation is hot, then
 * stops touching it; vcpu 0 (on CPU 0) removes the writable mapping WITHOUT asking for a
 * flush (update_va_mapping UVMF_NONE, or mmu_update), which is legal, and makes F a page table
 * - legal too, F has no writable mapping left. If CPU 1 still had its entry, vcpu 1 could
 * write a PTE of its choice into a validated L1: game over. Moat's rule (pagetype.c I9,
 * docs/invariants.md "SMP"): a frame changes role only after every CPU that may hold a
 * translation of the domain flushed (pagetype_type_change_flush -> flush IPI, waited for).
 *
 *   calibration  the same sequence WITHOUT the role change: vcpu 1's write through its old
 *                translation lands (QEMU's per-CPU TLB keeps it; so a missing shootdown is
 *                observable here), and after MMUEXT_TLB_FLUSH_ALL it faults;
 *   attack 1     RW mapping removed by update_va_mapping(UVMF_NONE), F pinned as L1; vcpu 1
 *                writes "map Moat's first image frame" into F: must fault, F stays clean,
 *                and F hooked into the address space maps nothing;
 *   attack 2     RW mapping removed by mmu_update, F made an L1 by hooking it into an L2
 *                entry (no pin); vcpu 1 writes "map our own L3 writable" into F;
 *   attack 3     F becomes a GDT page of vcpu 0 (set_gdt); vcpu 1 writes a descriptor;
 *   CR3 in use   vcpu 1 switches to an L3 of its own (NEW_BASEPTR, on CPU 1); vcpu 0 cannot
 *                map it writable, pin it as another type, or change its Moat slot; once vcpu 1
 *                left it, it is an ordinary frame again. */
#include "smp-lib.h"

#define K 5                                     /* the entry vcpu 1 aims at */

static uint32_t free_l2_va(void)
{
    /* a 2 MB region of slot 3 with no L1, below the hypervisor's area */
    for (uint32_t va = 0xD0000000u; va < mm_hv_start() && va >= 0xD0000000u; va += 0x200000)
        if (!(mm_read_l2e(va) & PG_P))
            return va;
    return 0;
}

static void hot_then_park(uint32_t va, const char *what)
{
    int rc = smp_cmd(1, W_HOT_WRITE, va, 0, 0);
    rc |= smp_cmd(1, W_PARK, 0, 0, 0);
    mm_check(rc == 0, what, rc);
}

static void calibration(void)
{
    uint32_t va = mm_scratch_va(20), mfn = mm_scratch_mfn(20), seen = 0;
    uint64_t rw = mm_pte(mfn, PG_P | PG_RW | PG_A | PG_D), ro = mm_pte(mfn, PG_P | PG_A);
    int f = 1;
    /* Up to 3 tries: a Moat timer interrupt on CPU 1 between "hot" and the write could evict
     * the entry from QEMU's TLB by chance; one stale write that lands is the proof needed. */
    for (unsigned t = 0; t < 3 && f != 0; t++) {
        HYPERVISOR_update_va_mapping(va, (uint32_t)rw, (uint32_t)(rw >> 32), UVMF_INVLPG | UVMF_ALL);
        mm_zero_page(va);
        hot_then_park(va, "calibration: vcpu 1 has a hot writable translation of C");
        MM_EXPECT(HYPERVISOR_update_va_mapping(va, (uint32_t)ro, (uint32_t)(ro >> 32), UVMF_NONE), 0,
                  "calibration: C write-protected without a flush");
        f = smp_cmd(1, W_WRITE_ONCE, va + 4, 0x5A5A0000u, 0);
        seen = ((volatile uint32_t *)va)[1];
        print("smp-tlb-attack: calibration try %u: vcpu 1's write through its old translation %s (C[1] = 0x%x)\n",
              t + 1, f ? "faulted" : "landed", seen);
    }
    mm_check(f == 0 && seen == 0x5A5A0000u,
             "calibration: the stale translation survives (a missing shootdown is observable)", f);
    MM_EXPECT(mm_ext1(MMUEXT_TLB_FLUSH_ALL, 0, 0), 0, "calibration: MMUEXT_TLB_FLUSH_ALL");
    MM_EXPECT(smp_cmd(1, W_WRITE_ONCE, va + 4, 0x5A5A0001u, 0), 1,
              "calibration: after the flush vcpu 1's write faults");
    MM_EXPECT(((volatile uint32_t *)va)[1], 0x5A5A0000u, "calibration: and changed nothing");
}

/* vcpu 1 tries to write `pte` into entry K of F through its stale translation. */
static void strike(uint32_t va, uint64_t pte, const char *rule)
{
    uint32_t before = smp_faults[1];
    int f = smp_cmd(1, W_WRITE_ONCE, va + K * 8, (uint32_t)pte, 0);
    uint32_t lo = ((volatile uint32_t *)va)[K * 2];
    print("smp-tlb-attack: %s: vcpu 1's stale write %s, F[%u] = 0x%x\n", rule,
          f == 1 ? "faulted" : f == 0 ? "LANDED" : "timed out", K, lo);
    mm_check(f == 1 && smp_faults[1] == before + 1, rule, f);
    MM_EXPECT(lo, 0, "  ... and the table is unchanged");
}

static void attack_pin(void)
{
    uint32_t va = mm_scratch_va(21), mfn = mm_scratch_mfn(21);
    uint32_t x = free_l2_va();
    mm_zero_page(va);
    hot_then_park(va, "attack 1: vcpu 1 has a hot writable translation of F");
    uint64_t ro = mm_pte(mfn, PG_P | PG_A);
    MM_EXPECT(HYPERVISOR_update_va_mapping(va, (uint32_t)ro, (uint32_t)(ro >> 32), UVMF_NONE), 0,
              "attack 1: F's writable mapping removed, no flush asked");
    MM_EXPECT(mm_ext1(MMUEXT_PIN_L1_TABLE, mfn, 0), 0, "attack 1: F pinned as an L1");
    /* Moat's first image frame (1 MB) on Moat; a Xen frame (or free) on Xen: never ours */
    strike(va, mm_pte(0x100, PG_P | PG_RW | PG_A | PG_D),
           "rule SMP-TLB1 (pin as L1): the other CPU flushed before F became a table");
    uint32_t done, v;
    mm_check(x != 0, "attack 1: a free 2 MB region to hook F into", x);
    MM_EXPECT(mm_update1(mm_l2e_ma(x) | MMU_NORMAL_PT_UPDATE, mm_pte(mfn, PG_P | PG_RW | PG_A), &done), 0,
              "attack 1: F hooked into an L2 entry");
    MM_EXPECT(smp_probe_read(x + K * 4096, &v), 1, "attack 1: F's entry K maps nothing");
    MM_EXPECT(mm_update1(mm_l2e_ma(x) | MMU_NORMAL_PT_UPDATE, 0, &done), 0, "attack 1: unhooked");
    MM_EXPECT(mm_ext1(MMUEXT_UNPIN_TABLE, mfn, 0), 0, "attack 1: unpinned");
}

static void attack_hook(void)
{
    uint32_t va = mm_scratch_va(22), mfn = mm_scratch_mfn(22);
    uint32_t x = free_l2_va(), done, v;
    mm_zero_page(va);
    hot_then_park(va, "attack 2: vcpu 1 has a hot writable translation of F");
    MM_EXPECT(mm_update1(mm_l1e_ma(va) | MMU_NORMAL_PT_UPDATE, mm_pte(mfn, PG_P | PG_A), &done), 0,
              "attack 2: F's writable mapping removed by mmu_update (no flush)");
    MM_EXPECT(mm_update1(mm_l2e_ma(x) | MMU_NORMAL_PT_UPDATE, mm_pte(mfn, PG_P | PG_RW | PG_A), &done), 0,
              "attack 2: F made an L1 by an L2 entry (no pin)");
    strike(va, mm_pte(mm_l3_mfn(), PG_P | PG_RW | PG_A | PG_D),
           "rule SMP-TLB1 (L2 entry): the other CPU flushed before F became a table");
    MM_EXPECT(smp_probe_read(x + K * 4096, &v), 1, "attack 2: F's entry K maps nothing");
    MM_EXPECT(mm_update1(mm_l2e_ma(x) | MMU_NORMAL_PT_UPDATE, 0, &done), 0, "attack 2: unhooked");
}

static void attack_gdt(void)
{
    uint32_t va = mm_scratch_va(23), mfn = mm_scratch_mfn(23);
    unsigned long frames[16] = { mfn };
    mm_zero_page(va);
    hot_then_park(va, "attack 3: vcpu 1 has a hot writable translation of F");
    uint64_t ro = mm_pte(mfn, PG_P | PG_A);
    MM_EXPECT(HYPERVISOR_update_va_mapping(va, (uint32_t)ro, (uint32_t)(ro >> 32), UVMF_NONE), 0,
              "attack 3: F's writable mapping removed, no flush asked");
    MM_EXPECT(HYPERVISOR_set_gdt(frames, 512), 0, "attack 3: F is vcpu 0's GDT");
    /* a ring-0 code descriptor, flat: 0x00CF9A00_0000FFFF (low word first) */
    strike(va, 0x00CF9A000000FFFFull, "rule SMP-TLB1 (GDT page): the other CPU flushed before F became a descriptor page");
    MM_EXPECT(HYPERVISOR_set_gdt(frames, 0), 0, "attack 3: vcpu 0 back to no GDT of its own");
}

/* ---- a vcpu whose L3 is CR3 on the other CPU ---- */
static void cr3_in_use(void)
{
    uint32_t l3va = mm_scratch_va(30), l3 = mm_scratch_mfn(30);
    uint32_t l2va = mm_scratch_va(31), l2 = mm_scratch_mfn(31);
    volatile uint64_t *cur3 = (volatile uint64_t *)start_info->pt_base;
    volatile uint64_t *cur2 = mm_mfn_va(mm_l2_mfn(0xC0000000u));
    volatile uint64_t *n3 = (volatile uint64_t *)l3va, *n2 = (volatile uint64_t *)l2va;
    unsigned first_hv = mm_hv_first_l2_slot();
    for (unsigned i = 0; i < 512; i++)
        n2[i] = i < first_hv ? cur2[i] : 0;
    for (unsigned i = 0; i < 512; i++)
        n3[i] = i < 3 ? cur3[i] : 0;
    n3[3] = mm_pte(l2, PG_P);
    MM_EXPECT(mm_remap(l2va, l2, PG_P | PG_A), 0, "cr3: the copy of the slot-3 L2 read-only");
    MM_EXPECT(mm_remap(l3va, l3, PG_P | PG_A), 0, "cr3: the new L3 read-only");
    MM_EXPECT(mm_ext1(MMUEXT_PIN_L3_TABLE, l3, 0), 0, "cr3: new L3 pinned");
    MM_EXPECT(smp_cmd(1, W_NEW_BASE, 0, l3, 0), 0, "cr3: vcpu 1 switched to the new L3 (NEW_BASEPTR on CPU 1)");
    MM_EXPECT(mm_ext1(MMUEXT_UNPIN_TABLE, l3, 0), 0, "cr3: unpinned by vcpu 0: only vcpu 1's CR3 holds it");
    uint64_t rw = mm_pte(l3, PG_P | PG_RW | PG_A | PG_D);
    MM_EXPECT(HYPERVISOR_update_va_mapping(l3va, (uint32_t)rw, (uint32_t)(rw >> 32), UVMF_INVLPG), -XEN_EBUSY,
              "rule SMP-CR3: another CPU's CR3 cannot be mapped writable");
    MM_EXPECT(mm_ext1(MMUEXT_PIN_L2_TABLE, l3, 0), -XEN_EINVAL, "rule SMP-CR3: nor pinned as an L2");
    MM_EXPECT(mm_ext1(MMUEXT_PIN_L1_TABLE, l3, 0), -XEN_EINVAL, "rule SMP-CR3: nor pinned as an L1");
    uint32_t done;
    MM_EXPECT(mm_update1(((uint64_t)l3 << 12) + 3 * 8, mm_pte(mm_l2_mfn(0xC0000000u), PG_P), &done), -XEN_EINVAL,
              "rule SMP-CR3: its slot 3 cannot be replaced");
    MM_EXPECT(smp_cmd(1, W_READ_ONCE, mm_scratch_va(20), 0, 0), 0, "cr3: vcpu 1 still runs on it");
    MM_EXPECT(smp_cmd(1, W_NEW_BASE, 0, mm_l3_mfn(), 0), 0, "cr3: vcpu 1 back on the initial L3");
    MM_EXPECT(HYPERVISOR_update_va_mapping(l3va, (uint32_t)rw, (uint32_t)(rw >> 32), UVMF_INVLPG), 0,
              "cr3: no longer a table anywhere: it maps writable again");
}

unsigned int guest_main(void)
{
    if (!smp_init("smp-tlb-attack", 2))
        return SHUTDOWN_crash;
    MM_EXPECT(smp_start_worker(1), 1, "vcpu 1 up, running the worker");
    calibration();
    attack_pin();
    attack_hook();
    attack_gdt();
    cr3_in_use();
    MM_EXPECT(smp_cmd(1, W_READ_ONCE, mm_scratch_va(20), 0, 0), 0, "vcpu 1 still alive");
    mm_check_alive();
    return mm_finish("smp-tlb-attack");
}
