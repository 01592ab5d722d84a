/* HYPERVISOR_mmuext_op(ops, count, success_count, foreigndom): pins, base pointer, TLB and
 * cache maintenance, LDT.
 *
 * Rules:
 *  X1  Pins go through pagetype_pin/unpin (validation, no nesting: -EINVAL as Xen). PIN_L4 is
 *      accepted and ignored for a 32-bit guest, as Xen does.
 *  X2  NEW_BASEPTR takes its own FT_L3 use of the new base before CR3 changes and drops the old
 *      base's use only after CR3 no longer points at it: the hardware never runs on a table
 *      without a use. Because the base holds its own use, unpinning the current base is
 *      harmless (the table stays validated until the vcpu switches away); Xen allows it and
 *      so does Moat.
 *  X3  Every op is bounded: a vcpu mask is read word by word up to the domain's vcpu count;
 *      SET_LDT checks alignment, the 8192-entry limit and that the table ends below Moat's
 *      area (the LDT is mapped lazily in issue 5, from the guest's own checked mappings).
 *  X4  Cache flushes are for the initial domain only (-EACCES otherwise; FLUSH_CACHE_GLOBAL
 *      -EINVAL, as Xen).
 *  X5  Batching, success count, -EFAULT and continuation work as in mmu_update (B2-B5).
 */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include "frame.h"
#include "mapcache.h"
#include "pagetype.h"
#include "mmu.h"

int mm_new_baseptr(struct mm_ctx *c, mfn_t mfn)
{
    mfn_t old = c->v->base;
    int rc;

    if (mfn == old) {
        mm_load_base(c);
        return 0;
    }
    rc = page_get_type(mfn, FT_L3, c->dom);
    if (rc)
        return rc;
    c->v->base = mfn;
    mm_load_base(c);
    if (old != MM_NO_BASE)
        page_put_type(old);
    return 0;
}

void mm_vcpu_release(struct mm_vcpu *v)
{
    if (v->base != MM_NO_BASE)
        page_put_type(v->base);
    v->base = MM_NO_BASE;
    v->ldt_base = v->ldt_ents = 0;
}

/* Reads a guest vcpu bitmap (32-bit words) covering the domain's vcpus. */
static int read_vcpumask(struct mm_ctx *c, uint32_t gva, uint32_t *mask)
{
    if (c->nr_vcpus == 0 || c->nr_vcpus > 32)
        return -XEN_EINVAL;
    if (!mm_guest_range_ok(gva, 4) || mm_copy_from_guest(mask, gva, 4))
        return -XEN_EFAULT;
    if (c->nr_vcpus < 32)
        *mask &= (1u << c->nr_vcpus) - 1;
    return 0;
}

/* Flush (whole TLB, or one address if invlpg) on the vcpus in mask. */
static void flush_vcpus(struct mm_ctx *c, uint32_t mask, int one, uint32_t va)
{
    uint32_t self = 1u << c->vcpu_id;

    if (mask & self) {
        if (one)
            mm_invlpg_local(va);
        else
            mm_flush_tlb_local();
    }
    if (mask & ~self)
        mm_flush_tlb_vcpus(c, mask & ~self);
}

static uint32_t all_vcpus(struct mm_ctx *c)
{
    return c->nr_vcpus >= 32 ? 0xFFFFFFFFu : (1u << c->nr_vcpus) - 1;
}

static int clear_page(struct mm_ctx *c, mfn_t mfn)
{
    uint64_t *p;
    unsigned i;

    if (page_get_type(mfn, FT_WRITABLE, c->dom))
        return -XEN_EINVAL;
    p = frame_map(mfn);
    for (i = 0; i < PT_ENTRIES; i++)
        p[i] = 0;
    frame_unmap(p);
    page_put_type(mfn);
    return 0;
}

static int copy_page(struct mm_ctx *c, mfn_t dst, mfn_t src)
{
    uint64_t *d, *s;
    unsigned i;

    if (page_get(src, c->dom))
        return -XEN_EINVAL;
    if (page_get_type(dst, FT_WRITABLE, c->dom)) {
        page_put(src);
        return -XEN_EINVAL;
    }
    s = frame_map(src);
    d = frame_map(dst);
    for (i = 0; i < PT_ENTRIES; i++)
        d[i] = s[i];
    frame_unmap(d);
    frame_unmap(s);
    page_put_type(dst);
    page_put(src);
    return 0;
}

static int one_op(struct mm_ctx *c, const struct mmuext_op *op)
{
    uint32_t mask;
    int rc;

    switch (op->cmd) {
    case MMUEXT_PIN_L1_TABLE:
        return pagetype_pin(c->dom, op->arg1.mfn, FT_L1);
    case MMUEXT_PIN_L2_TABLE:
        return pagetype_pin(c->dom, op->arg1.mfn, FT_L2);
    case MMUEXT_PIN_L3_TABLE:
        return pagetype_pin(c->dom, op->arg1.mfn, FT_L3);
    case MMUEXT_PIN_L4_TABLE:
        return 0;                                   /* X1: ignored for 32-bit guests */
    case MMUEXT_UNPIN_TABLE:
        return pagetype_unpin(c->dom, op->arg1.mfn);
    case MMUEXT_NEW_BASEPTR:
        return mm_new_baseptr(c, op->arg1.mfn);
    case MMUEXT_TLB_FLUSH_LOCAL:
        mm_flush_tlb_local();
        return 0;
    case MMUEXT_INVLPG_LOCAL:
        mm_invlpg_local(op->arg1.linear_addr);
        return 0;
    case MMUEXT_TLB_FLUSH_MULTI:
    case MMUEXT_INVLPG_MULTI:
        if (read_vcpumask(c, (uint32_t)(uintptr_t)op->arg2.vcpumask.p, &mask))
            return -XEN_EINVAL;                     /* as Xen, whatever the mask's fault */
        flush_vcpus(c, mask, op->cmd == MMUEXT_INVLPG_MULTI, op->arg1.linear_addr);
        return 0;
    case MMUEXT_TLB_FLUSH_ALL:
        flush_vcpus(c, all_vcpus(c), 0, 0);
        return 0;
    case MMUEXT_INVLPG_ALL:
        flush_vcpus(c, all_vcpus(c), 1, op->arg1.linear_addr);
        return 0;
    case MMUEXT_FLUSH_CACHE:
        if (!c->privileged)
            return -XEN_EACCES;                     /* X4 */
        mm_wbinvd();
        return 0;
    case MMUEXT_FLUSH_CACHE_GLOBAL:
        if (!c->privileged)
            return -XEN_EINVAL;
        mm_wbinvd();
        return 0;
    case MMUEXT_SET_LDT: {
        uint32_t ents = op->arg2.nr_ents;
        uint32_t base = ents ? op->arg1.linear_addr : 0;

        if ((base & 0xFFF) || ents > 8192 || !mm_guest_range_ok(base, (uint64_t)ents * 8))
            return -XEN_EINVAL;                     /* X3 */
        c->v->ldt_base = base;
        c->v->ldt_ents = ents;
        return 0;
    }
    case MMUEXT_CLEAR_PAGE:
        return clear_page(c, op->arg1.mfn);
    case MMUEXT_COPY_PAGE:
        return copy_page(c, op->arg1.mfn, op->arg2.src_mfn);
    case MMUEXT_MARK_SUPER:
    case MMUEXT_UNMARK_SUPER:
        return -XEN_EOPNOTSUPP;
    case MMUEXT_NEW_USER_BASEPTR:
        return -XEN_EINVAL;                         /* 64-bit guests only (Xen: -EINVAL) */
    default:
        rc = -XEN_ENOSYS;
        return rc;
    }
}

long mmuext_op(struct mm_ctx *c, uint32_t uops, uint32_t count, uint32_t pdone,
               uint32_t foreigndom, struct mm_cont *k)
{
    struct mmuext_op op;
    uint32_t i, done = 0;
    long rc = 0;

    if (!mm_batch_resume(&count, pdone, &done))
        mm_stats.mmuext_traps++;
    if (count == 0)
        return 0;                                   /* Xen answers an empty batch with 0 */
    if (!mm_guest_range_ok(uops, (uint64_t)count * sizeof op))
        return -XEN_EFAULT;
    if (foreigndom != DOMID_SELF)
        return -XEN_ESRCH;

    for (i = 0; i < count; i++) {
        if (i >= MMU_ENTRIES_PER_TRAP) {
            rc = mm_batch_preempt(k, uops + i * (uint32_t)sizeof op, count - i, pdone, foreigndom);
            break;
        }
        if (mm_copy_from_guest(&op, uops + i * (uint32_t)sizeof op, sizeof op)) {
            rc = -XEN_EFAULT;
            break;
        }
        rc = one_op(c, &op);
        if (rc)
            break;
        mm_stats.mmuext_ops++;
    }

    mm_batch_report(pdone, done + i);
    return rc;
}
