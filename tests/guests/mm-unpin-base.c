/* mm-unpin-base: unpin the table that is the current base (rule: CR3 holds its own use of the
 * L3, so unpinning it cannot free or devalidate it; Xen accepts the unpin and the guest keeps
 * running on a still-validated table), then the base rules: a new base must validate as an L3,
 * switching to the same base is a no-op, re-pinning works. */
#include "mm-lib.h"

unsigned int guest_main(void)
{
    uint32_t l3 = mm_l3_mfn(), s = mm_scratch_va(0), ms = mm_scratch_mfn(0), done;

    mm_init("mm-unpin-base");
    MM_EXPECT(mm_ext1(MMUEXT_UNPIN_TABLE, l3, 0), 0, "unpin the current base (the initial L3)");
    MM_EXPECT(mm_remap(mm_scratch_va(1), l3, PG_P | PG_RW | PG_A), -XEN_EBUSY,
              "the unpinned base still cannot be mapped writable");
    MM_EXPECT(mm_update1(((uint64_t)l3 << 12) + 3 * 8, 0, &done), -XEN_EINVAL,
              "and is still a validated L3 (slot 3 closed)");
    MM_EXPECT(mm_ext1(MMUEXT_UNPIN_TABLE, l3, 0), -XEN_EINVAL, "a second unpin is refused");
    MM_EXPECT(mm_ext1(MMUEXT_NEW_BASEPTR, l3, 0), 0, "NEW_BASEPTR to the same base");
    MM_EXPECT(mm_ext1(MMUEXT_NEW_BASEPTR, ms, 0), -XEN_EINVAL, "NEW_BASEPTR to a writable page");
    mm_zero_page(s);
    MM_EXPECT(mm_remap(s, ms, PG_P | PG_A), 0, "an empty page, read-only");
    MM_EXPECT(mm_ext1(MMUEXT_NEW_BASEPTR, ms, 0), -XEN_EINVAL,
              "NEW_BASEPTR to an L3 without slot 3");
    MM_EXPECT(mm_ext1(MMUEXT_PIN_L3_TABLE, l3, 0), 0, "re-pin the base");
    MM_EXPECT(mm_ext1(MMUEXT_UNPIN_TABLE, l3, 0), 0, "and unpin it again");
    MM_EXPECT(mm_remap(s, ms, PG_P | PG_RW | PG_A), 0, "scratch page writable again");
    print("mm-unpin-base: still running on the unpinned base\n");
    mm_check_alive();
    return mm_finish("mm-unpin-base");
}
