/* The PV memory-management hypercalls: mmu_update, mmuext_op, update_va_mapping and the
 * memory_op queries (issue 4).
 *
 * Shape (NOVA-style): every handler decodes its arguments, checks them, acts and returns a
 * status; the decision logic (hv/mm/mmu_*.c) is pure and host-tested, and talks to the machine
 * only through the small set of hooks below, which hv/mm/mmu_glue.c implements for the real
 * hypervisor and tests/unit/test_mmu.c fakes.
 *
 * Per-vcpu state that belongs to memory management lives in struct mm_vcpu, which the vcpu
 * structure embeds; the handlers get a struct mm_ctx naming the calling domain and vcpu. */
#ifndef MOAT_MMU_H
#define MOAT_MMU_H
#include <stdint.h>
#include <xen/xen.h>
#include "frame.h"

#define MM_NO_BASE 0xFFFFFFFFu
#define MM_MAX_VCPUS 32          /* vcpu masks are one 32-bit word */

struct mm_vcpu {
    mfn_t    base;       /* L3 loaded in CR3 (holds one FT_L3 use), or MM_NO_BASE */
    uint32_t ldt_base;   /* MMUEXT_SET_LDT: linear address and entry count (issue 5 maps it) */
    uint32_t ldt_ents;
};

struct mm_ctx {
    uint16_t dom;            /* calling domain */
    uint16_t vcpu_id;        /* calling vcpu */
    uint16_t nr_vcpus;       /* vcpus of the domain (for vcpu masks) */
    uint16_t privileged;     /* initial domain: may flush caches, sees the machine map */
    struct mm_vcpu *v;       /* calling vcpu's mm state */
    mfn_t vcpu_base[MM_MAX_VCPUS];  /* the other vcpus' bases (snapshot, for E5 in mmu_entry.c) */
    /* memory_op answers */
    uint32_t nr_pages, max_pages;
};

/* Xen's internal ERESTART (<xen/errno.h> shows it only with __XEN__): never reaches a guest. */
#define MM_ERESTART 85

/* A handler that stops early to let Moat breathe returns -MM_ERESTART and fills this: the
 * glue then re-arms the same hypercall with these arguments so the guest re-executes it. */
struct mm_cont {
    uint32_t arg[4];
};

/* Bounds: at most this many batch entries are processed per trap, the rest continue. */
#define MMU_ENTRIES_PER_TRAP 512u
#define MMU_UPDATE_PREEMPTED 0x80000000u   /* Xen's flag in the count of a continued batch */

/* ---- handlers (pure) -------------------------------------------------------------------- */
long mmu_update(struct mm_ctx *c, uint32_t ureqs, uint32_t count, uint32_t pdone,
                uint32_t foreigndom, struct mm_cont *k);
long mmuext_op(struct mm_ctx *c, uint32_t uops, uint32_t count, uint32_t pdone,
               uint32_t foreigndom, struct mm_cont *k);
long update_va_mapping(struct mm_ctx *c, uint32_t va, uint32_t lo, uint32_t hi, uint32_t flags);
long mm_memory_op(struct mm_ctx *c, uint32_t cmd, uint32_t arg);

/* One checked page-table write (the core of mmu_update; also used by update_va_mapping).
 * ptr: machine address of the entry, 8-byte aligned. */
int mmu_normal_update(struct mm_ctx *c, uint64_t ptr, uint64_t val, int preserve_ad);
int mmu_machphys_update(struct mm_ctx *c, uint64_t ptr, uint64_t val);
int mmu_mod_l1(struct mm_ctx *c, mfn_t l1, unsigned idx, uint64_t val, int preserve_ad);
int mmu_mod_l2(struct mm_ctx *c, mfn_t l2, unsigned idx, uint64_t val, int preserve_ad);
int mmu_mod_l3(struct mm_ctx *c, mfn_t l3, unsigned idx, uint64_t val);

/* MMUEXT_NEW_BASEPTR: switch the calling vcpu to L3 `mfn`. Also what the domain builder uses
 * to install the first base (after pinning it). */
int mm_new_baseptr(struct mm_ctx *c, mfn_t mfn);
/* Teardown: drop the vcpu's base reference (after it stopped running). */
void mm_vcpu_release(struct mm_vcpu *v);

/* ---- counters (issue 4 item 7) -------------------------------------------------------------- */
struct mm_stats {
    uint32_t mmu_update_traps, mmu_update_entries;
    uint32_t mmuext_traps, mmuext_ops;
    uint32_t update_va_traps;
};
extern struct mm_stats mm_stats;
void mm_stats_print(void);   /* one "moat: mm: ..." line (hv only, mmu_glue.c) */

/* ---- hooks: the machine (hv/mm/mmu_glue.c; faked by the host tests) ----------------------- */
int  mm_copy_from_guest(void *dst, uint32_t gva, uint32_t len);   /* 0 or -XEN_EFAULT */
int  mm_copy_to_guest(uint32_t gva, const void *src, uint32_t len);
void mm_flush_tlb_local(void);                 /* whole TLB of this CPU, global entries too */
void mm_invlpg_local(uint32_t va);
void mm_flush_tlb_vcpus(struct mm_ctx *c, uint32_t vcpu_mask);  /* TLBs of those vcpus */
void mm_load_base(struct mm_ctx *c);           /* load CR3 from c->v->base */
void mm_wbinvd(void);
void m2p_set(mfn_t mfn, uint32_t pfn);         /* write the machine-to-phys table */
/* memory_op maps: the machine's memory map (multiboot/e820), only shown to the initial
 * domain. Fills up to max entries, returns how many exist. */
struct mm_e820 {
    uint64_t addr, size;
    uint32_t type;             /* 1 RAM, 2 reserved, ... (e820 numbering) */
} __attribute__((packed));
uint32_t mm_machine_memory_map(struct mm_e820 *buf, uint32_t max);

/* Guest virtual range [gva, gva+len) lies entirely below Moat's area (no wrap). */
static inline int mm_guest_range_ok(uint32_t gva, uint64_t len)
{
    return (uint64_t)gva + len <= (uint64_t)HYPERVISOR_VIRT_START;
}

/* ---- batch plumbing shared by mmu_update and mmuext_op (same continuation contract) ------ */
/* A continued batch (count carries MMU_UPDATE_PREEMPTED) strips the flag and resumes its
 * success count from pdone (0 if unreadable). Returns 1 for a continuation, 0 for a fresh
 * trap (which the caller counts). */
static inline int mm_batch_resume(uint32_t *count, uint32_t pdone, uint32_t *done)
{
    if (!(*count & MMU_UPDATE_PREEMPTED))
        return 0;
    *count &= ~MMU_UPDATE_PREEMPTED;
    if (pdone && mm_copy_from_guest(done, pdone, sizeof *done))
        *done = 0;
    return 1;
}

/* Bounded work per trap: re-arm the same hypercall on the left entries from unext on, as Xen's
 * continuation does. Returns -MM_ERESTART for the handler to return. */
static inline long mm_batch_preempt(struct mm_cont *k, uint32_t unext, uint32_t left,
                                    uint32_t pdone, uint32_t foreigndom)
{
    k->arg[0] = unext;
    k->arg[1] = left | MMU_UPDATE_PREEMPTED;
    k->arg[2] = pdone;
    k->arg[3] = foreigndom;
    return -MM_ERESTART;
}

/* The success count so far goes back to the guest (if it asked); Xen ignores a fault here. */
static inline void mm_batch_report(uint32_t pdone, uint32_t done)
{
    if (pdone)
        (void)mm_copy_to_guest(pdone, &done, sizeof done);
}
#endif
