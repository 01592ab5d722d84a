/* mm-l2-nonl1: point an L2 entry at a frame that is not a validated L1 (rule: validating a
 * table takes a use of every table it maps; a frame in use as something else is refused), and
 * touch the entries that carry the hypervisor's mappings. Xen: -EINVAL; Moat's slots -EPERM. */
#include "mm-lib.h"

#define FREE_VA 0xD9000000u    /* far above the bootstrap region: its L2 slot is empty */

unsigned int guest_main(void)
{
    uint32_t s = mm_scratch_va(0), ms = mm_scratch_mfn(0), done;
    uint64_t l2e = mm_l2e_ma(FREE_VA), l2 = l2e & ~0xFFFull;
    uint64_t fl = PG_P | PG_RW | PG_US | PG_A;

    mm_init("mm-l2-nonl1");
    MM_EXPECT(mm_read_l2e(FREE_VA), 0, "the L2 slot for 0xd9000000 is empty");
    mm_zero_page(s);
    MM_EXPECT(mm_update1(l2e, mm_pte(ms, fl), &done), -XEN_EINVAL,
              "L2 entry -> a page mapped writable");
    MM_EXPECT(done, 0, "success count 0");
    MM_EXPECT(mm_update1(l2e, mm_pte(mm_l3_mfn(), fl), &done), -XEN_EINVAL, "L2 entry -> the L3");
    MM_EXPECT(mm_update1(l2e, mm_pte((uint32_t)(l2 >> 12), fl), &done), -XEN_EINVAL,
              "L2 entry -> its own L2, writable");
    MM_EXPECT(mm_update1(l2e, mm_pte(ms, fl | PG_PS), &done), -XEN_EINVAL, "L2 entry with PS (2 MB page)");
    MM_EXPECT(mm_update1(l2 + mm_hv_first_l2_slot() * 8, 0, &done), -XEN_EPERM,
              "the hypervisor's first L2 slot (428 on Moat) cannot be cleared");
    MM_EXPECT(mm_update1(l2 + 511 * 8, mm_pte(ms, fl), &done), -XEN_EPERM,
              "the hypervisor's L2 slot 511 cannot be replaced");
    MM_EXPECT(mm_update1(((uint64_t)mm_l3_mfn() << 12) + 3 * 8, 0, &done), -XEN_EINVAL,
              "L3 slot 3 cannot be changed");
    /* the same page as a real L1 works */
    MM_EXPECT(mm_remap(s, ms, PG_P | PG_A), 0, "scratch page remapped read-only");
    MM_EXPECT(mm_update1(l2e, mm_pte(ms, fl), &done), 0, "L2 entry -> it, validated as L1");
    MM_EXPECT(done, 1, "success count 1");
    MM_EXPECT(HYPERVISOR_update_va_mapping(FREE_VA, (uint32_t)mm_pte(mm_scratch_mfn(1), PG_P | PG_A),
                                           0, UVMF_INVLPG), 0, "a page mapped through the new L1");
    *(volatile uint32_t *)mm_scratch_va(1) = 0x5a5a;
    MM_EXPECT(*(volatile uint32_t *)FREE_VA, 0x5a5a, "reads the same memory");
    MM_EXPECT(mm_remap(s, ms, PG_P | PG_RW | PG_A), -XEN_EBUSY, "the new L1 cannot be made writable");
    MM_EXPECT(mm_update1(l2e, 0, &done), 0, "L2 entry cleared");
    MM_EXPECT(mm_remap(s, ms, PG_P | PG_RW | PG_A), 0, "the former L1 may be writable again");
    mm_check_alive();
    return mm_finish("mm-l2-nonl1");
}
