/* mm-pin-writable: try to pin a page that is mapped writable (rule: a frame changes type only
 * when its type count is zero; a writable mapping is a use of the "writable" type). Xen: -EINVAL. */
#include "mm-lib.h"

unsigned int guest_main(void)
{
    uint32_t s = mm_scratch_va(0), ms = mm_scratch_mfn(0);

    mm_init("mm-pin-writable");
    mm_zero_page(s);
    MM_EXPECT(mm_ext1(MMUEXT_PIN_L1_TABLE, ms, 0), -XEN_EINVAL, "pin as L1 while mapped writable");
    MM_EXPECT(mm_ext1(MMUEXT_PIN_L2_TABLE, ms, 0), -XEN_EINVAL, "pin as L2 while mapped writable");
    MM_EXPECT(mm_ext1(MMUEXT_PIN_L3_TABLE, ms, 0), -XEN_EINVAL, "pin as L3 while mapped writable");
    MM_EXPECT(mm_ext1(MMUEXT_NEW_BASEPTR, ms, 0), -XEN_EINVAL, "use as the base while mapped writable");
    MM_EXPECT(mm_ext1(MMUEXT_UNPIN_TABLE, ms, 0), -XEN_EINVAL, "unpin a page that is not pinned");
    *(volatile uint32_t *)s = 0;
    MM_EXPECT(*(volatile uint32_t *)s, 0, "the page is still writable");
    MM_EXPECT(mm_remap(s, ms, PG_P | PG_A), 0, "mapped read-only instead");
    MM_EXPECT(mm_ext1(MMUEXT_PIN_L1_TABLE, ms, 0), 0, "now it pins as L1");
    MM_EXPECT(mm_ext1(MMUEXT_PIN_L1_TABLE, ms, 0), -XEN_EINVAL, "a second pin is refused");
    MM_EXPECT(mm_ext1(MMUEXT_PIN_L2_TABLE, ms, 0), -XEN_EINVAL, "and so is a pin as another level");
    MM_EXPECT(mm_ext1(MMUEXT_UNPIN_TABLE, ms, 0), 0, "unpin");
    MM_EXPECT(mm_remap(s, ms, PG_P | PG_RW | PG_A), 0, "writable again");
    mm_check_alive();
    return mm_finish("mm-pin-writable");
}
