/* mm-pinned-writable: try to map a pinned page table writable (issue 4 rule: a frame typed as a
 * page table is mapped writable nowhere). Xen answers -EBUSY for every attempt. */
#include "mm-lib.h"

unsigned int guest_main(void)
{
    uint32_t s = mm_scratch_va(0), t = mm_scratch_va(1), ms = mm_scratch_mfn(0), done;

    mm_init("mm-pinned-writable");
    mm_zero_page(s);
    MM_EXPECT(mm_remap(s, ms, PG_P | PG_A), 0, "scratch page remapped read-only");
    MM_EXPECT(mm_ext1(MMUEXT_PIN_L1_TABLE, ms, 0), 0, "it pins as an L1 table");
    MM_EXPECT(mm_remap(s, ms, PG_P | PG_RW | PG_A), -XEN_EBUSY,
              "update_va_mapping: its own mapping made writable is refused");
    MM_EXPECT(mm_remap(t, ms, PG_P | PG_RW | PG_A), -XEN_EBUSY,
              "update_va_mapping: a second, writable mapping is refused");
    MM_EXPECT(mm_update1(mm_l1e_ma(t), mm_pte(ms, PG_P | PG_RW | PG_A), &done), -XEN_EBUSY,
              "mmu_update: a writable mapping of the pinned L1 is refused");
    MM_EXPECT(done, 0, "mmu_update: success count 0");
    MM_EXPECT(mm_update1(mm_l1e_ma(t), mm_pte(mm_l3_mfn(), PG_P | PG_RW | PG_A), &done), -XEN_EBUSY,
              "mmu_update: a writable mapping of the current L3 is refused");
    MM_EXPECT(mm_update1(mm_l1e_ma(t), mm_pte(mm_l2_mfn(MM_VIRT_BASE), PG_P | PG_RW | PG_A), &done),
              -XEN_EBUSY, "mmu_update: a writable mapping of the kernel's L2 is refused");
    MM_EXPECT(mm_update1(mm_l1e_ma(t), mm_pte(mm_scratch_mfn(2), PG_P | PG_RW | PG_A), &done), 0,
              "mmu_update: an ordinary page may still be mapped writable");
    MM_EXPECT(mm_update1(mm_l1e_ma(t), mm_pte(ms, PG_P | PG_A), &done), 0,
              "mmu_update: a read-only mapping of the pinned L1 is allowed");
    MM_EXPECT(*(volatile uint32_t *)t, 0, "the L1 reads back through it");
    MM_EXPECT(mm_ext1(MMUEXT_UNPIN_TABLE, ms, 0), 0, "unpin");
    MM_EXPECT(mm_remap(s, ms, PG_P | PG_RW | PG_A), 0, "unpinned, it may be writable again");
    MM_EXPECT(mm_remap(t, mm_scratch_mfn(1), PG_P | PG_RW | PG_A), 0, "restore the second mapping");
    *(volatile uint32_t *)s = 0x1234;
    MM_EXPECT(*(volatile uint32_t *)s, 0x1234, "and is written");
    mm_check_alive();
    return mm_finish("mm-pinned-writable");
}
