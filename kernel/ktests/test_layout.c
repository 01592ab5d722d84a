/* The address-space rules every backend shares: the hypervisor hole stays untouched. */
#include "ktest.h"
#include "desc.h"
#include "kmem.h"
#include "mm.h"

KERNEL_TEST(hypervisor_hole_never_mapped)
{
    uint32_t pfn;
    KT_ASSERT_EQ(alloc_zeroed_page(&pfn), 0);
    int refused = paging_map(kernel_pgd, HYPERVISOR_HOLE_START, pfn, _PAGE_RW) == -1;
    int refused_top = paging_map(kernel_pgd, 0xfffff000u, pfn, _PAGE_RW) == -1;
    free_page(pfn);
    KT_ASSERT(refused);
    KT_ASSERT(refused_top);
    KT_ASSERT(PAGE_OFFSET + (lowmem_end_pfn << PAGE_SHIFT) <= FIXMAP_START);
    KT_ASSERT(FIXMAP_END <= HYPERVISOR_HOLE_START);
}

KERNEL_TEST(user_segments_end_below_hole)
{
    uint64_t ucs = gdt_table[GDT_ENTRY_USER_CS], uds = gdt_table[GDT_ENTRY_USER_DS];
    KT_ASSERT_EQ(desc_dpl(ucs), 3);
    KT_ASSERT_EQ(desc_dpl(uds), 3);
    KT_ASSERT(desc_end(ucs) < HYPERVISOR_HOLE_START);
    KT_ASSERT(desc_end(uds) < HYPERVISOR_HOLE_START);
    KT_ASSERT_EQ(desc_end(uds), HYPERVISOR_HOLE_START - 1);
}

KERNEL_TEST(lazy_mmu_batch_maps_all)
{
    enum { N = 40 }; /* more than one batch */
    uint32_t pfn[N];
    int n = 0;
    for (; n < N; n++)
        if (alloc_zeroed_page(&pfn[n]))
            break;
    int ok = KT_CHECK(n == N);
    for (int i = 0; i < n; i++)
        ((uint32_t *)pfn_to_virt(pfn[i]))[0] = 0xa5a50000u + (uint32_t)i;
    enter_lazy_mmu();
    for (int i = 0; ok && i < n; i++)
        ok = KT_CHECK(paging_map(kernel_pgd, FIXMAP_START + (uint32_t)i * PAGE_SIZE, pfn[i], _PAGE_RW) == 0);
    leave_lazy_mmu();
    for (int i = 0; ok && i < n; i++)
        ok = KT_CHECK(*(volatile uint32_t *)(FIXMAP_START + (uint32_t)i * PAGE_SIZE) == 0xa5a50000u + (uint32_t)i);
    for (int i = 0; i < n; i++) {
        paging_unmap(kernel_pgd, FIXMAP_START + (uint32_t)i * PAGE_SIZE);
        ok = KT_CHECK(paging_lookup(kernel_pgd, FIXMAP_START + (uint32_t)i * PAGE_SIZE) == 0) && ok;
        free_page(pfn[i]);
    }
    KT_ASSERT(ok);
}
