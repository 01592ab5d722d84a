/* mm-pt-write: write a page table directly instead of through mmu_update (rule: page tables are
 * read-only to the guest; Moat has no writable-page-table assist, so the store faults to the
 * guest - which, with no trap handler registered, crashes the domain with "#PF ... cr2=" the
 * table's address while Moat keeps running to say so). Xen answers the same for an L3 (its
 * write emulation covers L1 tables only). The checks before the store show the legal path. */
#include "mm-lib.h"

unsigned int guest_main(void)
{
    volatile uint64_t *l3 = (volatile uint64_t *)start_info->pt_base;
    uint64_t e0 = l3[0], e3 = l3[3];
    uint32_t done;

    mm_init("mm-pt-write");
    mm_check((e3 & PG_P) != 0, "the L3 is readable and slot 3 is present", (long)e3);
    MM_EXPECT(mm_update1(((uint64_t)mm_l3_mfn() << 12) + 0 * 8, e0, &done), 0,
              "mmu_update rewrites L3 slot 0 (the legal path)");
    mm_check_alive();
    print("mm-pt-write: now storing to the L3 at 0x%x (must fault)\n", start_info->pt_base);
    mm_finish("mm-pt-write");
    l3[0] = e0;
    print("mm-pt-write: FAIL: the direct store to a page table succeeded\n");
    return SHUTDOWN_poweroff + 100;
}
