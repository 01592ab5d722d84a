/* Xen PV ABI backend: the mmu pv-ops.
 *
 * Invariants (the PV page-table rules, xen/xen.h and Xen's mm.c):
 *  - A page that is (or may be) a page table is never writable through any mapping of ours:
 *    alloc_pt() remaps its lowmem alias read-only before it is linked, release_pt() makes it
 *    writable again only after it has been unlinked/unpinned.
 *  - Entries of page-table pages are written only through mmu_update (the hypervisor validates
 *    them); entries of pages that are not page tables yet are plain stores.
 *  - Entries given to the hypervisor carry machine frames; generic code sees pfns. make_pte /
 *    pte_val translate through the p2m list (start_info.mfn_list) and the read-only m2p table
 *    at MACH2PHYS_VIRT_START.
 *  - In lazy mmu mode only leaf PTE writes are batched, as one mmu_update list inside the
 *    multicall buffer (multicall.c); anything that reads tables back or changes their
 *    structure (set_pmd/set_pud, alloc/release, pin, cr3, TLB) is a hypercall, and every
 *    hypercall issues the pending batch first, so a walk never sees a stale table. */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/memory.h>
#include "pv/xen/xen.h"
#include "pv/xen/hypercall.h"
#include "kmem.h"
#include "mm.h"
#include "printk.h"
#include "smp.h"

uint32_t xen_nr_pages;
const uint32_t *xen_p2m;
/* Each vcpu's page-table base (read_cr3 cannot trap for it: a PV cr3 read is emulated). */
static uint32_t cr3_of[XEN_MAX_CPUS];
#define current_cr3 (cr3_of[xen_smp_cpu()])
static uint32_t pt_bitmap[(LOWMEM_LIMIT_PFN + 31) / 32];

/* The m2p table: at MACH2PHYS_VIRT_START by the x86_32 PAE ABI, but a 64-bit hypervisor may
 * place its compat table elsewhere and cover fewer frames; XENMEM_machphys_mapping says. */
static const uint32_t *m2p = (const uint32_t *)MACH2PHYS_VIRT_START;
static uint32_t m2p_max_mfn = MACH2PHYS_NR_ENTRIES - 1;
static unsigned mmu_errors;

uint32_t xen_pfn_to_mfn(uint32_t pfn) { return pfn < xen_nr_pages ? xen_p2m[pfn] : ~0u; }
uint32_t xen_mfn_to_pfn(uint32_t mfn)
{
    return mfn <= m2p_max_mfn ? m2p[mfn] : ~0u;
}

const uint32_t *xen_m2p_table(void) { return m2p; }

uint64_t xen_virt_to_machine(const void *va)
{
    return ((uint64_t)xen_pfn_to_mfn(virt_to_pfn(va)) << PAGE_SHIFT) | ((uintptr_t)va & (PAGE_SIZE - 1));
}

void xen_mark_pt(uint32_t pfn, int is_pt)
{
    if (pfn >= LOWMEM_LIMIT_PFN)
        return;
    if (is_pt)
        pt_bitmap[pfn / 32] |= 1u << (pfn % 32);
    else
        pt_bitmap[pfn / 32] &= ~(1u << (pfn % 32));
}

static int is_pt(uint32_t pfn) { return pfn < LOWMEM_LIMIT_PFN && ((pt_bitmap[pfn / 32] >> (pfn % 32)) & 1); }

static void report(const char *what, long rc, uint64_t a, uint64_t b)
{
    if (mmu_errors++ < 8)
        printk(KERN_ERR "xen: %s failed: %ld (0x%llx, 0x%llx)\n", what, rc, a, b);
}

/* One mmu_update request right now (counted like the batched ones). */
static long mmu_update_now(uint64_t ptr, uint64_t val)
{
    struct mmu_update req = { .ptr = ptr, .val = val };
    xen_hc_stats.mmu_update_traps++;
    xen_hc_stats.mmu_update_entries++;
    return HYPERVISOR_mmu_update(&req, 1, 0, DOMID_SELF);
}

long xen_mmu_update_one(const void *entry, uint64_t val)
{
    return mmu_update_now(xen_virt_to_machine(entry) | MMU_NORMAL_PT_UPDATE, val);
}

void xen_mmu_init(void)
{
    struct start_info *si = xen_start_info;
    xen_nr_pages = si->nr_pages;
    xen_p2m = (const uint32_t *)si->mfn_list;
    for (unsigned c = 0; c < XEN_MAX_CPUS; c++)
        cr3_of[c] = virt_to_phys((void *)si->pt_base); /* vcpus 1.. start on kernel_pgd (smp.c) */
    struct xen_machphys_mapping mapping;
    long rc = HYPERVISOR_memory_op(XENMEM_machphys_mapping, &mapping);
    if (rc == 0) {
        m2p = (const uint32_t *)mapping.v_start;
        m2p_max_mfn = mapping.max_mfn;
    }
    printk(KERN_DEBUG "xen: m2p at 0x%08x, max mfn 0x%x%s\n", (uint32_t)(uintptr_t)m2p, m2p_max_mfn,
           rc ? " (machphys_mapping not available: ABI default)" : "");
    /* The bootstrap page tables are pinned and read-only: updates to them must be hypercalls. */
    uint32_t first = virt_to_pfn((void *)si->pt_base);
    for (uint32_t i = 0; i < si->nr_pt_frames; i++)
        xen_mark_pt(first + i, 1);
}

static void update_entry(uint64_t *p, uint64_t v, int batch)
{
    uint32_t pfn = virt_to_pfn(p);
    if (!is_pt(pfn)) {
        volatile uint32_t *w = (volatile uint32_t *)p;
        w[1] = (uint32_t)(v >> 32);
        w[0] = (uint32_t)v;
        return;
    }
    uint64_t ma = xen_virt_to_machine(p);
    if (batch && xen_mc_queue_mmu_update(ma | MMU_NORMAL_PT_UPDATE, v) == 0)
        return;
    long rc = mmu_update_now(ma | MMU_NORMAL_PT_UPDATE, v);
    if (rc)
        report("mmu_update", rc, ma, v);
}

void xen_set_pte(pte_t *p, pte_t v) { update_entry(p, v, 1); }
void xen_set_pmd(pmd_t *p, pmd_t v) { update_entry(p, v, 0); }
void xen_set_pud(pud_t *p, pud_t v) { update_entry(p, v, 0); }
void xen_pte_clear(pte_t *p) { update_entry(p, 0, 1); }

uint64_t xen_make_pte(uint64_t e)
{
    if (!(e & _PAGE_PRESENT))
        return e;
    uint32_t pfn = (uint32_t)((e & PTE_FRAME_MASK) >> PAGE_SHIFT);
    if (pfn >= xen_nr_pages) {
        report("make_pte: pfn beyond nr_pages", -1, pfn, e);
        return 0; /* never map a frame we do not own */
    }
    return (e & ~PTE_FRAME_MASK) | ((uint64_t)xen_p2m[pfn] << PAGE_SHIFT);
}

uint64_t xen_pte_val(uint64_t e)
{
    if (!(e & _PAGE_PRESENT))
        return e;
    uint32_t mfn = (uint32_t)((e & PTE_FRAME_MASK) >> PAGE_SHIFT);
    return (e & ~PTE_FRAME_MASK) | ((uint64_t)xen_mfn_to_pfn(mfn) << PAGE_SHIFT);
}

static void remap_lowmem(uint32_t pfn, int writable)
{
    uint64_t e = ((uint64_t)pfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED;
    if (writable)
        e |= _PAGE_RW | _PAGE_DIRTY;
    if (nx_enabled)
        e |= _PAGE_NX;
    /* Writable again: every vcpu must drop its read-only translation of the alias, or its next
     * write there (the page is free memory now) would fault in the kernel. Read-only needs no
     * shootdown from us: the hypervisor flushes every vcpu before the frame can become a page
     * table (its type-change rule), and until then a stale writable entry is harmless. */
    unsigned flags = UVMF_INVLPG | (writable && num_online_cpus() > 1 ? UVMF_ALL : UVMF_LOCAL);
    long rc = HYPERVISOR_update_va_mapping((uint32_t)(uintptr_t)pfn_to_virt(pfn), xen_make_pte(e), flags);
    if (rc)
        report(writable ? "update_va_mapping (rw)" : "update_va_mapping (ro)", rc, pfn, e);
}

void xen_alloc_pt(uint32_t pfn, int level)
{
    remap_lowmem(pfn, 0);
    xen_mark_pt(pfn, 1);
}

void xen_release_pt(uint32_t pfn, int level)
{
    xen_mark_pt(pfn, 0);
    remap_lowmem(pfn, 1);
}

int xen_mmuext(unsigned cmd, uint32_t arg)
{
    struct mmuext_op op = { .cmd = cmd };
    op.arg1.mfn = arg; /* mfn and linear_addr share the union */
    long rc = HYPERVISOR_mmuext_op(&op, 1, 0, DOMID_SELF);
    if (rc)
        report("mmuext_op", rc, cmd, arg);
    return (int)rc;
}

void xen_pin_pgd(uint32_t pfn) { xen_mmuext(MMUEXT_PIN_L3_TABLE, xen_pfn_to_mfn(pfn)); }
void xen_unpin_pgd(uint32_t pfn) { xen_mmuext(MMUEXT_UNPIN_TABLE, xen_pfn_to_mfn(pfn)); }
/* One mmuext_op queued into the batch through `queue` (its struct lives in the batch's
 * argument space); 0 if queued, -1 if it must be issued now. */
typedef struct multicall_entry *(*mc_queue_fn)(unsigned op, unsigned argbytes, void **args);
static int queue_mmuext_with(mc_queue_fn queue, unsigned cmd, uint32_t arg1, uint32_t arg2)
{
    struct mmuext_op *op;
    struct multicall_entry *e = queue(__HYPERVISOR_mmuext_op, sizeof *op, (void **)&op);
    if (!e)
        return -1;
    op->cmd = cmd;
    op->arg1.mfn = arg1; /* mfn and linear_addr share the union */
    op->arg2.nr_ents = arg2;
    e->args[0] = (unsigned long)op;
    e->args[1] = 1;
    e->args[2] = 0;
    e->args[3] = DOMID_SELF;
    return 0;
}

/* In a lazy mode a TLB flush joins the batch right after the PTE writes it is for (same
 * order, one trap for all); the batch is issued before anything can use the stale entries:
 * on leaving the mode, or before the next direct hypercall. */
static int queue_tlb(unsigned cmd, uint32_t va) { return queue_mmuext_with(xen_mc_queue_mmu, cmd, va, 0); }

void xen_flush_tlb(void)
{
    if (queue_tlb(MMUEXT_TLB_FLUSH_LOCAL, 0))
        xen_mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0);
}

void xen_flush_tlb_single(uint32_t va)
{
    if (queue_tlb(MMUEXT_INVLPG_LOCAL, va))
        xen_mmuext(MMUEXT_INVLPG_LOCAL, va);
}
uint32_t xen_read_cr3(void) { return current_cr3; }

/* Queues one mmuext_op in lazy cpu mode; 0 if queued, -1 if it must be issued now. */
static int queue_mmuext(unsigned cmd, uint32_t arg1, uint32_t arg2)
{
    return queue_mmuext_with(xen_mc_queue, cmd, arg1, arg2);
}

void xen_write_cr3(uint32_t pa)
{
    uint32_t mfn = xen_pfn_to_mfn(pa >> PAGE_SHIFT);
    if (queue_mmuext(MMUEXT_NEW_BASEPTR, mfn, 0) == 0) {
        current_cr3 = pa; /* a failure is reported when the batch is issued */
        return;
    }
    if (xen_mmuext(MMUEXT_NEW_BASEPTR, mfn) == 0)
        current_cr3 = pa;
}

/* Per-vcpu shadow of the LDT each vcpu last asked for (H18): the batched context switch
 * leaves SET_LDT out when the next task's LDT is the one loaded (both "none", normally).
 * The shadow is set when SET_LDT is queued or succeeds, and forgotten when one fails, directly
 * or as a batch entry (xen_ldt_shadow_forget, from the multicall failure report). */
struct ldt_shadow {
    uint32_t base;
    unsigned entries;
    int valid;
};
static struct ldt_shadow ldt_shadow[XEN_MAX_CPUS];

void xen_ldt_shadow_forget(void) { ldt_shadow[xen_smp_cpu()].valid = 0; }

/* The LDT is given by its (page-aligned, read-only) virtual address and entry count. */
void xen_load_ldt(uint32_t base, unsigned entries)
{
    struct ldt_shadow *sh = &ldt_shadow[xen_smp_cpu()];
    uint32_t va = entries ? base : 0;
    if (xen_lazy_cpu_active() && sh->valid && sh->base == va && sh->entries == entries)
        return; /* already loaded; only the batched switch skips (unbatched is the reference) */
    sh->valid = 0;
    if (queue_mmuext(MMUEXT_SET_LDT, va, entries) == 0) {
        *sh = (struct ldt_shadow){ .base = va, .entries = entries, .valid = 1 };
        return;
    }
    struct mmuext_op op = { .cmd = MMUEXT_SET_LDT };
    op.arg1.linear_addr = va;
    op.arg2.nr_ents = entries;
    long rc = HYPERVISOR_mmuext_op(&op, 1, 0, DOMID_SELF);
    if (rc)
        report("mmuext_op SET_LDT", rc, base, entries);
    else
        *sh = (struct ldt_shadow){ .base = va, .entries = entries, .valid = 1 };
}
