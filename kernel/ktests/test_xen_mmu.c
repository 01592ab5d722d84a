/* The PV page-table rules, broken on purpose from inside the kernel (issue 4, hostile cases):
 * each attempt must be refused with the error real Xen 4.17 gives (run-on-xen is the oracle)
 * or fault to the kernel, and the kernel must keep running. Natively none of these rules
 * exist (the kernel owns its page tables), so the tests say so and return.
 * Raw hypercalls on purpose: the backend's wrappers would report the refusals as errors. */
#include <stdint.h>
#include <lib/string.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include "ktest.h"
#include "kmem.h"
#include "mm.h"
#include "printk.h"
#include "trap.h"
#include "pv/pvops.h"
#include "pv/xen/xen.h"
#include "pv/xen/hypercall.h"

#define PV_ONLY()                                                                   \
    do {                                                                            \
        if (strcmp(pv_backend_name(), "xen") != 0) {                                \
            printk("# skipped natively: the kernel owns its page tables there\n"); \
            return;                                                                 \
        }                                                                           \
    } while (0)

static volatile unsigned pf_count;
static volatile uint32_t pf_error, pf_cr2;

/* The faulting store has its resume address in ecx (see store_expect_fault). */
static int pf_skip(struct trap_frame *f)
{
    pf_count++;
    pf_error = f->error;
    pf_cr2 = read_cr2();
    f->eip = f->ecx;
    return 1;
}

/* Stores v at p; returns the number of page faults it took (0 or 1). */
static unsigned store_expect_fault(volatile uint32_t *p, uint32_t v)
{
    pf_count = 0;
    trap_handler_fn old = trap_set_handler(14, pf_skip);
    asm volatile("movl $1f, %%ecx\n\tmovl %1, (%0)\n1:" : : "r"(p), "r"(v) : "ecx", "memory");
    trap_set_handler(14, old);
    return pf_count;
}

static uint32_t entry_pfn(uint64_t e) { return (uint32_t)((pte_val(e) & PTE_FRAME_MASK) >> PAGE_SHIFT); }

/* The page table (L1) that maps va in the kernel address space (va must be mapped). */
static pte_t *l1_of(uint32_t va)
{
    pmd_t *pd = pfn_to_virt(entry_pfn(kernel_pgd[va >> 30]));
    return pfn_to_virt(entry_pfn(pd[(va >> 21) & 511]));
}

/* A direct store into a validated page directory (L2) faults. The same value is stored, so
 * nothing changes even where a hypervisor emulates such writes: real Xen emulates direct
 * writes to L1 tables (its "ptwr" assist) but not to L2s; Moat emulates neither. */
KERNEL_TEST(pinned_page_table_write_faults)
{
    PV_ONLY();
    uint32_t va = (uint32_t)(uintptr_t)&pf_count; /* any mapped kernel address */
    pmd_t *pd = pfn_to_virt(entry_pfn(kernel_pgd[va >> 30]));
    volatile uint32_t *slot = (volatile uint32_t *)&pd[(va >> 21) & 511];
    uint32_t before = slot[0];
    unsigned faults = store_expect_fault(slot, before);
    KT_ASSERT_EQ(faults, 1);
    KT_ASSERT_EQ(pf_error & 3u, 3u);                 /* a write to a present (read-only) page */
    KT_ASSERT_EQ(pf_cr2, (uint32_t)(uintptr_t)slot);
    KT_ASSERT_EQ(slot[0], before);
}

KERNEL_TEST(mapping_a_page_table_writable_is_refused)
{
    PV_ONLY();
    uint32_t va = (uint32_t)(uintptr_t)&pf_count;
    pte_t *pt = l1_of(va);
    uint32_t pt_pfn = virt_to_pfn(pt);
    /* A free slot to map it at: FIXMAP_START, in a table the kernel owns. */
    uint32_t scratch;
    KT_ASSERT_EQ(alloc_zeroed_page(&scratch), 0);
    KT_ASSERT_EQ(paging_map(kernel_pgd, FIXMAP_START, scratch, _PAGE_RW), 0);
    pte_t *fix = &l1_of(FIXMAP_START)[(FIXMAP_START >> 12) & 511];
    uint64_t rw = make_pte(((uint64_t)pt_pfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW);
    uint64_t ro = make_pte(((uint64_t)pt_pfn << PAGE_SHIFT) | _PAGE_PRESENT);
    long via_mmu_update = xen_mmu_update_one(fix, rw);
    long via_uvm = HYPERVISOR_update_va_mapping(FIXMAP_START, rw, UVMF_INVLPG);
    long read_only_ok = HYPERVISOR_update_va_mapping(FIXMAP_START, ro, UVMF_INVLPG); /* allowed */
    uint32_t through_alias = read_only_ok == 0 ? *(volatile uint32_t *)(FIXMAP_START + ((va >> 12) & 511) * 8) : 0;
    paging_unmap(kernel_pgd, FIXMAP_START);
    free_page(scratch);
    printk("# map a page table writable: mmu_update %ld, update_va_mapping %ld; read-only %ld\n",
           via_mmu_update, via_uvm, read_only_ok);
    KT_ASSERT_EQ(via_mmu_update, -XEN_EBUSY); /* Xen 4.17: the frame's type is in use as a table */
    KT_ASSERT_EQ(via_uvm, -XEN_EBUSY);
    KT_ASSERT_EQ(read_only_ok, 0);
    KT_ASSERT_EQ(through_alias, (uint32_t)pt[(va >> 12) & 511]); /* the read-only alias reads the table */
}

KERNEL_TEST(pinning_a_writable_page_is_refused)
{
    PV_ONLY();
    uint32_t pfn;
    KT_ASSERT_EQ(alloc_zeroed_page(&pfn), 0); /* its lowmem alias is writable */
    struct mmuext_op op = { .cmd = MMUEXT_PIN_L1_TABLE };
    op.arg1.mfn = xen_pfn_to_mfn(pfn);
    long rc = HYPERVISOR_mmuext_op(&op, 1, 0, DOMID_SELF);
    free_page(pfn);
    printk("# pin a writable page as L1: %ld\n", rc);
    KT_ASSERT_EQ(rc, -XEN_EINVAL);
}

KERNEL_TEST(m2p_table_is_read_only)
{
    PV_ONLY();
    volatile uint32_t *m2p = (volatile uint32_t *)xen_m2p_table();
    uint32_t v = m2p[0];
    KT_ASSERT_EQ(store_expect_fault(m2p, v ^ 1), 1);
    KT_ASSERT_EQ(pf_error & 3u, 3u);
    KT_ASSERT_EQ(m2p[0], v);
}

KERNEL_TEST(mmu_batches_with_bad_pointers_are_refused)
{
    PV_ONLY();
    unsigned done = 12345;
    long hole = HYPERVISOR_mmu_update((void *)(uintptr_t)HYPERVISOR_HOLE_START, 1, &done, DOMID_SELF);
    long null_list = HYPERVISOR_mmu_update((void *)0, 4, 0, DOMID_SELF);
    struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
    long ext_hole = HYPERVISOR_mmuext_op((void *)(uintptr_t)(HYPERVISOR_HOLE_START + 64), 2, 0, DOMID_SELF);
    long ext_ok = HYPERVISOR_mmuext_op(&op, 1, 0, DOMID_SELF);
    printk("# bad batches: mmu_update in the hole %ld (done %u), NULL list %ld, mmuext in the hole %ld\n",
           hole, done, null_list, ext_hole);
    KT_ASSERT_EQ(hole, -XEN_EFAULT);
    KT_ASSERT_EQ(done, 0); /* Xen writes the success count even for a batch refused outright */
    KT_ASSERT_EQ(null_list, -XEN_EFAULT);
    KT_ASSERT_EQ(ext_hole, -XEN_EFAULT);
    KT_ASSERT_EQ(ext_ok, 0); /* and the hypervisor still takes good ones */
}

KERNEL_TEST(foreign_and_hypervisor_frames_cannot_be_mapped)
{
    PV_ONLY();
    uint32_t scratch;
    KT_ASSERT_EQ(alloc_zeroed_page(&scratch), 0);
    KT_ASSERT_EQ(paging_map(kernel_pgd, FIXMAP_START, scratch, _PAGE_RW), 0);
    /* A RAM frame that is not ours: the m2p table does not lead back to it through our p2m
     * (it belongs to the hypervisor, another domain or the free pool). */
    const uint32_t *m2p = xen_m2p_table();
    uint32_t mfn = 0;
    for (uint32_t m = 0x100; m < 0x100 + 0x40000u && !mfn; m++) {
        uint32_t pfn = m2p[m];
        if (pfn >= xen_nr_pages || xen_pfn_to_mfn(pfn) != m)
            mfn = m;
    }
    KT_ASSERT(mfn != 0);
    uint64_t foreign = ((uint64_t)mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW;
    long rc = HYPERVISOR_update_va_mapping(FIXMAP_START, foreign, UVMF_INVLPG);
    paging_unmap(kernel_pgd, FIXMAP_START);
    free_page(scratch);
    printk("# map RAM frame 0x%x that is not ours: %ld\n", mfn, rc);
    KT_ASSERT(rc < 0);
}

/* A huge count: one good request at the very end of a mapped page, then unmapped memory. The
 * hypervisor applies the first, faults reading the second (after however many preemptions it
 * takes) and reports -EFAULT with a success count of 1; a count whose list would run into the
 * hypervisor's area is refused too. */
KERNEL_TEST(mmu_update_huge_count_is_bounded)
{
    PV_ONLY();
    uint32_t list_pfn, target_pfn;
    KT_ASSERT_EQ(alloc_zeroed_page(&list_pfn), 0);
    KT_ASSERT_EQ(alloc_zeroed_page(&target_pfn), 0);
    const uint32_t list_va = FIXMAP_START + 64 * PAGE_SIZE; /* the page after it stays unmapped */
    const uint32_t target_va = FIXMAP_START + 66 * PAGE_SIZE;
    int ok = KT_CHECK(paging_map(kernel_pgd, target_va, target_pfn, _PAGE_RW) == 0);
    ok = ok && KT_CHECK(paging_map(kernel_pgd, list_va, list_pfn, _PAGE_RW) == 0);
    ok = ok && KT_CHECK(paging_lookup(kernel_pgd, list_va + PAGE_SIZE) == 0);
    pte_t *target_pte = &l1_of(target_va)[(target_va >> 12) & 511];
    struct mmu_update *last = (struct mmu_update *)(uintptr_t)(list_va + PAGE_SIZE - sizeof *last);
    last->ptr = xen_virt_to_machine(target_pte) | MMU_NORMAL_PT_UPDATE;
    last->val = make_pte(((uint64_t)target_pfn << PAGE_SHIFT) | _PAGE_PRESENT); /* now read-only */
    unsigned done = 999, done_hole = 999;
    uint32_t count = (HYPERVISOR_HOLE_START - (uint32_t)(uintptr_t)last) / sizeof *last;
    long rc = ok ? HYPERVISOR_mmu_update(last, count, &done, DOMID_SELF) : 1;
    long rc_hole = HYPERVISOR_mmu_update(last, count + 16, &done_hole, DOMID_SELF);
    uint64_t now = paging_lookup(kernel_pgd, target_va);
    paging_unmap(kernel_pgd, list_va);
    paging_unmap(kernel_pgd, target_va);
    free_page(list_pfn);
    free_page(target_pfn);
    printk("# huge mmu_update count %u: %ld (done %u); into the hole: %ld (done %u)\n", count, rc, done,
           rc_hole, done_hole);
    KT_ASSERT(ok);
    KT_ASSERT_EQ(rc, -XEN_EFAULT);
    KT_ASSERT_EQ(done, 1);
    KT_ASSERT(!(now & _PAGE_RW)); /* the one good request was applied */
    KT_ASSERT_EQ(rc_hole, -XEN_EFAULT);
    /* Real Xen 4.17 applies the first request and faults on the second (done 1); Moat refuses
     * a list that would reach its area before reading any (done 0). Both refuse the batch. */
    KT_ASSERT(done_hole <= 1);
}

/* Unpinning the table that is the current base: compared with what real Xen answers; if it
 * is accepted, the table must stay valid (the base holds its own reference) and is re-pinned. */
KERNEL_TEST(unpin_current_base)
{
    PV_ONLY();
    uint32_t mfn = xen_pfn_to_mfn(read_cr3() >> PAGE_SHIFT);
    struct mmuext_op op = { .cmd = MMUEXT_UNPIN_TABLE };
    op.arg1.mfn = mfn;
    long rc = HYPERVISOR_mmuext_op(&op, 1, 0, DOMID_SELF);
    long repin = 1;
    if (rc == 0) {
        struct mmuext_op pin = { .cmd = MMUEXT_PIN_L3_TABLE };
        pin.arg1.mfn = mfn;
        repin = HYPERVISOR_mmuext_op(&pin, 1, 0, DOMID_SELF);
    }
    uint32_t probe = *(volatile uint32_t *)&pf_count; /* the address space still works */
    (void)probe;
    printk("# unpin the current base: %ld, re-pin: %ld\n", rc, repin);
    KT_ASSERT_EQ(rc, 0);
    KT_ASSERT_EQ(repin, 0);
}
