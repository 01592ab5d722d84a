/* HYPERVISOR_update_va_mapping(va, val_lo, val_hi, flags): change the L1 entry that maps one
 * virtual address of the calling vcpu's current address space, then flush as asked.
 *
 * Rules:
 *  V1  The entry is found by walking the vcpu's current base (validated L3 -> L2 -> L1); the
 *      L1 must be one of the caller's frames in use as a validated L1. Addresses in Moat's
 *      area, unmapped L2 slots, and linear (L2-as-L1) mappings are refused with -EINVAL.
 *  V2  The write is mmu_mod_l1 (all L1 rules apply, same error codes as mmu_update).
 *  V3  Flags: UVMF_NONE / UVMF_TLB_FLUSH / UVMF_INVLPG, combined with UVMF_LOCAL (0),
 *      UVMF_ALL, or a pointer to a vcpu bitmap (UVMF_MULTI). A bad bitmap pointer returns
 *      -EFAULT after the entry was updated (as Xen); a refused entry skips the flush.
 */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include "frame.h"
#include "mapcache.h"
#include "pagetype.h"
#include "mmu.h"

/* Entry `idx` of table `mfn`, or 0 if the frame does not exist. */
static uint64_t read_entry(mfn_t mfn, unsigned idx)
{
    uint64_t *t, e;

    if (mfn >= frame_table_size)
        return 0;
    t = frame_map(mfn);
    e = pte_read(&t[idx]);
    frame_unmap(t);
    return e;
}

long update_va_mapping(struct mm_ctx *c, uint32_t va, uint32_t lo, uint32_t hi, uint32_t flags)
{
    uint64_t val = ((uint64_t)hi << 32) | lo, l3e, l2e;
    uint32_t bmap = flags & ~(uint32_t)UVMF_FLUSHTYPE_MASK, mask = 0;
    mfn_t l1;
    struct frame *f;
    int rc;

    mm_stats.update_va_traps++;
    if (va >= HYPERVISOR_VIRT_START || c->v->base == MM_NO_BASE)
        return -XEN_EINVAL;
    l3e = read_entry(c->v->base, va >> 30);
    if (!(l3e & PTE_P))
        return -XEN_EINVAL;
    l2e = read_entry(pte_mfn(l3e), (va >> 21) & 511);
    if (!(l2e & PTE_P) || (l2e & PTE_PS))
        return -XEN_EINVAL;
    l1 = pte_mfn(l2e);
    if (page_get(l1, c->dom))
        return -XEN_EINVAL;
    f = &frame_table[l1];
    if (f->type != FT_L1 || f->type_count == 0 || !(f->flags & FF_VALIDATED)) {
        page_put(l1);
        return -XEN_EINVAL;
    }
    rc = mmu_mod_l1(c, l1, (va >> 12) & 511, val, 0);
    page_put(l1);
    if (rc)
        return rc;

    switch (flags & UVMF_FLUSHTYPE_MASK) {
    case UVMF_TLB_FLUSH:
    case UVMF_INVLPG:
        if (bmap == UVMF_LOCAL) {
            mask = 1u << c->vcpu_id;
        } else if (bmap == UVMF_ALL) {
            mask = c->nr_vcpus >= 32 ? 0xFFFFFFFFu : (1u << c->nr_vcpus) - 1;
        } else {
            if (!mm_guest_range_ok(bmap, 4) || mm_copy_from_guest(&mask, bmap, 4))
                return -XEN_EFAULT;
            if (c->nr_vcpus < 32)
                mask &= (1u << c->nr_vcpus) - 1;
        }
        if (mask & (1u << c->vcpu_id)) {
            if ((flags & UVMF_FLUSHTYPE_MASK) == UVMF_INVLPG)
                mm_invlpg_local(va);
            else
                mm_flush_tlb_local();
        }
        if (mask & ~(1u << c->vcpu_id))
            mm_flush_tlb_vcpus(c, mask & ~(1u << c->vcpu_id));
        break;
    default:
        break;
    }
    return 0;
}
