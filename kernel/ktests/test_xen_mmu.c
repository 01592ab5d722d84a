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
