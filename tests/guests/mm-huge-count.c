/* mm-huge-count: batch counts far beyond the array (rule: a batch is bounded by the guest's
 * address space and processed in bounded pieces; a huge count is refused or stops at the first
 * bad entry, and a long valid batch completes with the right success count). */
#include "mm-lib.h"

#define LONG_BATCH 3000u

unsigned int guest_main(void)
{
    struct mmu_update *reqs = (struct mmu_update *)mm_scratch_va(10);   /* 12 scratch pages */
    uint32_t done, m = mm_scratch_mfn(0), pfn = (mm_scratch_va(0) - MM_VIRT_BASE) >> 12, i;

    mm_init("mm-huge-count");
    for (i = 0; i < LONG_BATCH; i++) {
        reqs[i].ptr = ((uint64_t)m << 12) | MMU_MACHPHYS_UPDATE;
        reqs[i].val = pfn;                          /* harmless: rewrites the same m2p entry */
    }
    done = 0;
    MM_EXPECT(HYPERVISOR_mmu_update(reqs, LONG_BATCH, &done, DOMID_SELF), 0,
              "a 3000-entry batch completes");
    MM_EXPECT(done, LONG_BATCH, "success count 3000");
    /* the same long batch inside a multicall, between two cheap entries: the continuation
     * must stay inside the multicall entry, and the entries after it must still run */
    static multicall_entry_t mc[3];
    static uint32_t mc_done;
    mc[0].op = __HYPERVISOR_xen_version;
    mc[0].args[0] = XENVER_version;
    mc[1].op = __HYPERVISOR_mmu_update;
    mc[1].args[0] = (unsigned long)reqs;
    mc[1].args[1] = LONG_BATCH;
    mc[1].args[2] = (unsigned long)&mc_done;
    mc[1].args[3] = DOMID_SELF;
    mc[2] = mc[0];
    mc[1].result = mc[2].result = 0x5555;
    MM_EXPECT(hypercall2(13, mc, 3), 0, "multicall [xen_version, 3000-entry mmu_update, xen_version]");
    MM_EXPECT(mc[1].result, 0, "the mmu_update entry returns 0");
    MM_EXPECT(mc_done, LONG_BATCH, "with success count 3000");
    MM_EXPECT(mc[2].result, 0x00040011, "and the entry after it ran");
    done = 0;
    long rc = HYPERVISOR_mmu_update(reqs, 0x7FFFFFFFu, &done, DOMID_SELF);
    mm_check(rc < 0, "count 0x7fffffff is refused", rc);
    print("mm-huge-count: count 0x7fffffff -> %d after %u entries\n", rc, done);
    rc = HYPERVISOR_mmu_update(reqs, 0xFFFFFFFFu, &done, DOMID_SELF);
    mm_check(rc < 0, "count 0xffffffff is refused", rc);
    rc = HYPERVISOR_mmuext_op(reqs, 0x7FFFFFFFu, &done, DOMID_SELF);
    mm_check(rc < 0, "mmuext_op count 0x7fffffff is refused", rc);
    MM_EXPECT(mm_m2p(m), pfn, "the m2p entry is intact");
    mm_check_alive();
    return mm_finish("mm-huge-count");
}
