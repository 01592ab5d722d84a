/* One checked write to a guest page-table entry: the core of MMU_NORMAL_PT_UPDATE and
 * update_va_mapping.
 *
 * Invariants (in addition to those of pagetype.c, which this file relies on):
 *  E1  New references before old ones go: the new entry's references are taken first, the
 *      entry is written, then the old entry's references are dropped. A refused entry leaves
 *      the table and every count unchanged.
 *  E2  Changing only "harmless" bits (A, D, US, G, AVL, NX) of a present entry keeps the same
 *      references (fast path) - but the new value is still checked for forbidden bits.
 *  E3  Only validated tables are edited through their level rules. A frame that is not an
 *      in-use page table is written as ordinary memory, which needs a writable use of it -
 *      so this refuses a write to a frame that is a table of another kind or a descriptor page.
 *  E4  Moat's L2 slots (428-511 of the slot-3 L2) are not writable (-EPERM), and a PAE L3 has
 *      only slots 0-2 open to updates: slot 3 carries Moat's mappings (-EINVAL, as Xen).
 *  E5  After an L3 entry of a vcpu's current base changes, that vcpu's CR3 is reloaded before
 *      it runs again: PAE CPUs cache the four PDPTEs at CR3 load.
 *  E6  The write itself is atomic (cmpxchg8b): another CPU's page walker never sees half an
 *      entry. With MMU_PT_UPDATE_PRESERVE_AD the A/D bits the hardware set meanwhile survive.
 */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include "frame.h"
#include "mapcache.h"
#include "pagetype.h"
#include "mmu.h"

#define FASTPATH_BITS (PTE_NX | PTE_HIGH_AVL | PTE_AVAIL | PTE_G | PTE_D | PTE_A | PTE_US)

static int same_refs(uint64_t old, uint64_t val)
{
    return (old & PTE_P) && !((old ^ val) & ~FASTPATH_BITS);
}

static void entry_store(volatile uint64_t *p, uint64_t val, int preserve_ad)
{
    uint64_t cur, seen;

    if (!preserve_ad) {
        pte_write(p, val);
        return;
    }
    cur = pte_read(p);
    while ((seen = pte_cmpxchg(p, cur, val | (cur & (PTE_A | PTE_D)))) != cur)
        cur = seen;
}

int mmu_mod_l1(struct mm_ctx *c, mfn_t l1, unsigned idx, uint64_t val, int preserve_ad)
{
    uint64_t *t, old;
    int rc = 0;

    if (idx >= PT_ENTRIES)
        return -XEN_EINVAL;
    t = frame_map(l1);
    old = pte_read(&t[idx]);
    if (val & PTE_P) {
        if (val & pte_l1_disallowed(c->dom)) {
            rc = -XEN_EINVAL;
            goto out;
        }
        if (same_refs(old, val)) {
            entry_store(&t[idx], val, preserve_ad);
            goto out;
        }
        rc = pte_get_l1(val, c->dom);
        if (rc)
            goto out;
    }
    entry_store(&t[idx], val, preserve_ad);
    if (old & PTE_P)
        pte_put_l1(old);
out:
    frame_unmap(t);
    return rc;
}

int mmu_mod_l2(struct mm_ctx *c, mfn_t l2, unsigned idx, uint64_t val, int preserve_ad)
{
    uint64_t *t, old;
    int rc = 0;

    if (idx >= PT_ENTRIES)
        return -XEN_EINVAL;
    if (frame_table[l2].type == FT_L2_MOAT && idx >= MOAT_L2_FIRST_SLOT)
        return -XEN_EPERM;                          /* E4 */
    t = frame_map(l2);
    old = pte_read(&t[idx]);
    if (val & PTE_P) {
        if (val & pte_l2_disallowed()) {
            rc = -XEN_EINVAL;
            goto out;
        }
        if (same_refs(old, val)) {
            entry_store(&t[idx], val, preserve_ad);
            goto out;
        }
        rc = pte_get_l2(val, l2, c->dom);
        if (rc)
            goto out;
    }
    entry_store(&t[idx], val, preserve_ad);
    if (old & PTE_P)
        pte_put_l2(old, l2);
out:
    frame_unmap(t);
    return rc;
}

/* E5: reload CR3 of every vcpu of the domain whose base is this L3. */
static void l3_changed(struct mm_ctx *c, mfn_t l3)
{
    uint32_t mask = 0;
    unsigned i;

    for (i = 0; i < c->nr_vcpus && i < MM_MAX_VCPUS; i++)
        if (i != c->vcpu_id && c->vcpu_base[i] == l3)
            mask |= 1u << i;
    if (c->v->base == l3)
        mm_load_base(c);
    if (mask)
        mm_flush_tlb_vcpus(c, mask);
}

int mmu_mod_l3(struct mm_ctx *c, mfn_t l3, unsigned idx, uint64_t val)
{
    uint64_t *t, old, store = pte_l3_adjust(val);
    int rc = 0;

    if (idx >= 3)
        return -XEN_EINVAL;                         /* E4: slot 3 and the unused 4..511 */
    t = frame_map(l3);
    old = pte_read(&t[idx]);
    if (val & PTE_P) {
        if (val & pte_l3_disallowed()) {
            rc = -XEN_EINVAL;
            goto out;
        }
        if (same_refs(old, store)) {
            pte_write(&t[idx], store);
            goto changed;
        }
        rc = pte_get_l3(val, idx, l3, c->dom);
        if (rc)
            goto out;
    }
    pte_write(&t[idx], store);
    if (old & PTE_P)
        pte_put_l3(old, l3);
changed:
    frame_unmap(t);
    l3_changed(c, l3);
    return 0;
out:
    frame_unmap(t);
    return rc;
}

int mmu_normal_update(struct mm_ctx *c, uint64_t ptr, uint64_t val, int preserve_ad)
{
    uint64_t pfn = ptr >> PAGE_SHIFT_4K;
    mfn_t mfn = pfn > 0xFFFFFFFFull ? 0xFFFFFFFFu : (mfn_t)pfn;
    unsigned idx = (unsigned)(ptr & 0xFFF) >> 3;
    struct frame *f;
    int rc;

    if (page_get(mfn, c->dom))
        return -XEN_EINVAL;         /* not a frame of the caller (Moat's, foreign, absent) */
    f = &frame_table[mfn];
    if (f->type_count > 0 && (f->flags & FF_VALIDATED) && f->type != FT_WRITABLE) {
        switch (f->type) {
        case FT_L1:
            rc = mmu_mod_l1(c, mfn, idx, val, preserve_ad);
            break;
        case FT_L2:
        case FT_L2_MOAT:
            rc = mmu_mod_l2(c, mfn, idx, val, preserve_ad);
            break;
        case FT_L3:
            rc = mmu_mod_l3(c, mfn, idx, val);
            break;
        default:
            rc = -XEN_EINVAL;       /* descriptor pages change only through their hypercall */
            break;
        }
    } else if (page_get_type(mfn, FT_WRITABLE, c->dom) == 0) {
        /* E3: not a live table - ordinary memory, written like any writable mapping would. */
        uint64_t *t = frame_map(mfn);
        pte_write(&t[idx], val);
        frame_unmap(t);
        page_put_type(mfn);
        rc = 0;
    } else {
        rc = -XEN_EINVAL;
    }
    page_put(mfn);
    return rc;
}

int mmu_machphys_update(struct mm_ctx *c, uint64_t ptr, uint64_t val)
{
    uint64_t pfn = ptr >> PAGE_SHIFT_4K;
    mfn_t mfn = pfn > 0xFFFFFFFFull ? 0xFFFFFFFFu : (mfn_t)pfn;

    if (page_get(mfn, c->dom))
        return -XEN_EINVAL;         /* only the caller's own frames (as Xen) */
    m2p_set(mfn, (uint32_t)val);
    page_put(mfn);
    return 0;
}
