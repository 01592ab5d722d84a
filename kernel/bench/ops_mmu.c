/* Page-table update benchmarks: N entries of a scratch L1 table the benchmark owns.
 *
 *   mmu_update_1, _16, _512   on PV: ONE mmu_update hypercall carrying N requests (Moat
 *                             validates each entry: frame ownership, type and reference counts);
 *                             natively: the same N entries written with set_pte (plain stores),
 *                             the work the hypercall replaces.
 *
 * Every iteration points the N entries at the other of two data frames (A, B, A, ...), so each
 * request really changes an entry: one reference is taken on the new frame and one dropped on
 * the old, as when fork or exec rewrites page tables.
 *
 * Invariants: the scratch table is pinned as an L1 on PV before the first update and emptied,
 * unpinned and made writable again before it is freed; it is never linked into an address
 * space, so no TLB flush is ever needed. */
#include <stdint.h>
#include <xen/xen.h>
#include "bench/kbench.h"
#include "kmem.h"
#include "mm.h"
#include "pv/pvops.h"
#include "pv/xen/xen.h"
#include "pv/xen/hypercall.h"

#define MAX_ENTRIES 512

static uint32_t l1_pfn, frame[2];
static pte_t *l1;
static struct mmu_update reqs[2][MAX_ENTRIES];
static unsigned nr_entries, flip;

static uint64_t data_pte(uint32_t pfn) { return ((uint64_t)pfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW; }

static void free_frames(void)
{
    free_page(frame[1]);
    free_page(frame[0]);
    free_page(l1_pfn);
}

static int setup(unsigned n, const char **why)
{
    nr_entries = n;
    flip = 0;
    int got = 0; /* pages allocated so far, freed again if the next one fails */
    got += alloc_zeroed_page(&l1_pfn) == 0;
    got += got == 1 && alloc_zeroed_page(&frame[0]) == 0;
    got += got == 2 && alloc_zeroed_page(&frame[1]) == 0;
    if (got < 3) {
        if (got > 1)
            free_page(frame[0]);
        if (got > 0)
            free_page(l1_pfn);
        *why = "out of memory";
        return -1;
    }
    l1 = pfn_to_virt(l1_pfn);
    alloc_pt(l1_pfn, 1); /* PV: remapped read-only; natively nothing */
    if (kbench_is_pv()) {
        if (xen_mmuext(MMUEXT_PIN_L1_TABLE, xen_pfn_to_mfn(l1_pfn))) {
            *why = "MMUEXT_PIN_L1_TABLE refused";
            release_pt(l1_pfn, 1);
            free_frames();
            return -1;
        }
        for (unsigned f = 0; f < 2; f++)
            for (unsigned k = 0; k < n; k++) {
                reqs[f][k].ptr = xen_virt_to_machine(&l1[k]) | MMU_NORMAL_PT_UPDATE;
                reqs[f][k].val = make_pte(data_pte(frame[f]));
            }
    }
    return 0;
}

static int setup_1(const char **why) { return setup(1, why); }
static int setup_16(const char **why) { return setup(16, why); }
static int setup_512(const char **why) { return setup(512, why); }

static int run(unsigned i)
{
    unsigned f = flip;
    flip ^= 1;
    if (kbench_is_pv()) {
        unsigned done = 0;
        long rc = HYPERVISOR_mmu_update(reqs[f], nr_entries, &done, DOMID_SELF);
        return rc == 0 && done == nr_entries ? 0 : -1;
    }
    pte_t v = make_pte(data_pte(frame[f]));
    for (unsigned k = 0; k < nr_entries; k++)
        set_pte(&l1[k], v);
    return 0;
}

static void teardown(void)
{
    if (kbench_is_pv()) {
        /* Empty every entry the benchmark wrote, in one call, then hand the page back. */
        for (unsigned k = 0; k < nr_entries; k++)
            reqs[0][k].val = 0;
        unsigned done = 0;
        HYPERVISOR_mmu_update(reqs[0], nr_entries, &done, DOMID_SELF);
        xen_mmuext(MMUEXT_UNPIN_TABLE, xen_pfn_to_mfn(l1_pfn));
    } else {
        for (unsigned k = 0; k < nr_entries; k++)
            pte_clear(&l1[k]);
    }
    release_pt(l1_pfn, 1);
    free_frames();
}

const struct kbench_op kbench_mmu_ops[] = {
    { "mmu_update_1", 1000, 0, setup_1, run, teardown },
    { "mmu_update_16", 200, 0, setup_16, run, teardown },
    { "mmu_update_512", 20, 0, setup_512, run, teardown },
    { 0, 0, 0, 0, 0, 0 },
};
