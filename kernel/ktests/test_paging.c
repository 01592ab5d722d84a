/* Page tables through the mmu pv-ops: map/unmap, a fresh address space, a fault round trip. */
#include <lib/string.h>
#include "ktest.h"
#include "kmem.h"
#include "mm.h"
#include "trap.h"
#include "pv/pvops.h"

#define TEST_VA FIXMAP_START
#define USER_TEST_VA 0x40000000u

static volatile uint32_t fault_count, fault_cr2;
static uint32_t fault_map_pfn;

/* A #PF handler that maps the missing page and resumes: demand paging in miniature. */
static int map_on_fault(struct trap_frame *f)
{
    uint32_t cr2 = read_cr2();
    if ((cr2 & PAGE_MASK) != TEST_VA)
        return 0;
    fault_count++;
    fault_cr2 = cr2;
    return paging_map(kernel_pgd, TEST_VA, fault_map_pfn, _PAGE_RW) == 0;
}

KERNEL_TEST(paging_map_unmap)
{
    uint32_t pfn;
    KT_ASSERT_EQ(alloc_zeroed_page(&pfn), 0);
    uint32_t *direct = pfn_to_virt(pfn);
    direct[7] = 0xfeedface;
    KT_ASSERT_EQ(paging_lookup(kernel_pgd, TEST_VA), 0);
    KT_ASSERT_EQ(paging_map(kernel_pgd, TEST_VA, pfn, _PAGE_RW), 0);
    KT_ASSERT_EQ(paging_lookup(kernel_pgd, TEST_VA) & PTE_FRAME_MASK, (uint64_t)pfn << PAGE_SHIFT);
    volatile uint32_t *alias = (volatile uint32_t *)TEST_VA;
    int ok = KT_CHECK(alias[7] == 0xfeedface);
    alias[8] = 0xc0ffee;
    ok = ok && KT_CHECK(direct[8] == 0xc0ffee);
    paging_unmap(kernel_pgd, TEST_VA);
    ok = ok && KT_CHECK(paging_lookup(kernel_pgd, TEST_VA) == 0);
    free_page(pfn);
    KT_ASSERT(ok);
}

KERNEL_TEST(page_fault_round_trip)
{
    KT_ASSERT(traps_installed);
    KT_ASSERT_EQ(alloc_zeroed_page(&fault_map_pfn), 0);
    ((uint32_t *)pfn_to_virt(fault_map_pfn))[3] = 0xabcd1234;
    fault_count = 0;
    trap_handler_fn old = trap_set_handler(14, map_on_fault);
    uint32_t v = ((volatile uint32_t *)TEST_VA)[3]; /* not mapped: faults, gets mapped, resumes */
    trap_set_handler(14, old);
    int ok = KT_CHECK(fault_count == 1);
    ok = ok && KT_CHECK(fault_cr2 == TEST_VA + 12);
    ok = ok && KT_CHECK(v == 0xabcd1234);
    paging_unmap(kernel_pgd, TEST_VA);
    free_page(fault_map_pfn);
    KT_ASSERT(ok);
}

static volatile uint32_t shared_word = 0x5eed;

KERNEL_TEST(address_space_switch)
{
    uint32_t old_cr3 = read_cr3(), pfn;
    KT_ASSERT_EQ(old_cr3, virt_to_phys(kernel_pgd));
    KT_ASSERT_EQ(alloc_zeroed_page(&pfn), 0);
    ((uint32_t *)pfn_to_virt(pfn))[0] = 0x600dcafe;
    pud_t *as = paging_new_address_space();
    KT_ASSERT(as != 0);
    int ok = KT_CHECK(paging_map(as, USER_TEST_VA, pfn, _PAGE_RW | _PAGE_USER) == 0);
    ok = ok && KT_CHECK(paging_lookup(kernel_pgd, USER_TEST_VA) == 0);
    if (ok) {
        pin_pgd(virt_to_pfn(as));
        write_cr3(virt_to_phys(as));
        uint32_t seen = *(volatile uint32_t *)USER_TEST_VA; /* only mapped in the new space */
        *(volatile uint32_t *)(USER_TEST_VA + 4) = 0x1234;
        uint32_t kernel_seen = shared_word; /* the kernel half is shared */
        uint32_t cr3_now = read_cr3();
        write_cr3(old_cr3);
        ok = KT_CHECK(seen == 0x600dcafe) && KT_CHECK(kernel_seen == 0x5eed) &&
             KT_CHECK(cr3_now == virt_to_phys(as)) &&
             KT_CHECK(((uint32_t *)pfn_to_virt(pfn))[1] == 0x1234);
    }
    paging_free_address_space(as);
    free_page(pfn);
    KT_ASSERT(read_cr3() == old_cr3);
    KT_ASSERT(ok);
}
