/* mm-m2p-write: write into the machine-to-phys table (rule: the m2p is visible read-only to
 * every guest; only MMU_MACHPHYS_UPDATE for the guest's own frames changes it). The updates that
 * are allowed are checked first; the last step is a direct store to 0xF5800000, which must fault:
 * with no trap handler registered the hypervisor crashes the domain ("#PF ... f5800000") and
 * keeps running to report it. The system test checks that outcome. */
#include "mm-lib.h"

unsigned int guest_main(void)
{
    uint32_t ms = mm_scratch_mfn(0), pfn, done;

    mm_init("mm-m2p-write");
    pfn = mm_m2p(ms);
    MM_EXPECT(pfn, (mm_scratch_va(0) - MM_VIRT_BASE) >> 12, "m2p[scratch mfn] is its pfn");
    MM_EXPECT(mm_update1(((uint64_t)ms << 12) | MMU_MACHPHYS_UPDATE, 0x12345, &done), 0,
              "MMU_MACHPHYS_UPDATE of an own frame");
    MM_EXPECT(mm_m2p(ms), 0x12345, "the read-only m2p shows it");
    MM_EXPECT(mm_update1(((uint64_t)ms << 12) | MMU_MACHPHYS_UPDATE, pfn, &done), 0, "restored");
    MM_EXPECT(mm_remap(mm_scratch_va(1), (uint32_t)(mm_l2e_ma(mm_m2p_base()) >> 12), PG_P | PG_RW | PG_A),
              -XEN_EBUSY, "map the L2 holding the m2p entries writable");
    mm_check_alive();
    print("mm-m2p-write: now storing to the m2p at 0x%x (must fault)\n", mm_m2p_base());
    mm_finish("mm-m2p-write");
    *(volatile uint32_t *)(mm_m2p_base() + ms * 4) = 0;
    print("mm-m2p-write: FAIL: the store to the m2p succeeded\n");
    return SHUTDOWN_poweroff + 100;   /* an unknown reason: neither poweroff nor an honest crash */
}
