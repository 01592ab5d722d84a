/* Page types and reference counts: the rules that keep every active guest page table valid and
 * read-only to the guest. The essay with the invariants is at the top of hv/mm/pagetype.c.
 *
 * Pure logic over frame_table (frame.h) and frame_map/frame_unmap (mapcache.h): compiled into
 * Moat and, with -DMOAT_HOST_TEST, into the host unit tests over a simulated machine.
 *
 * Error codes are Xen's (<xen/errno.h>), returned negated, chosen as current Xen returns them
 * for the same refusal (see each function). */
#ifndef MOAT_PAGETYPE_H
#define MOAT_PAGETYPE_H
#include <stdint.h>
#include "frame.h"
#include "memlayout.h"

/* ---- PAE page-table entries (64-bit) ------------------------------------------------------- */
#define PTE_P        0x001ull   /* present */
#define PTE_RW       0x002ull
#define PTE_US       0x004ull
#define PTE_PWT      0x008ull
#define PTE_PCD      0x010ull
#define PTE_A        0x020ull
#define PTE_D        0x040ull
#define PTE_PS       0x080ull   /* in an L2 entry: 2 MB page (refused for guests) */
#define PTE_PAT      0x080ull   /* in an L1 entry */
#define PTE_G        0x100ull
#define PTE_AVAIL    0xE00ull   /* bits 9-11, free for the guest */
#define PTE_NX       (1ull << 63)
#define PTE_HIGH_AVL (0x7FFull << 52) /* bits 52-62: ignored in long mode, RESERVED in PAE */
#define PTE_ADDR     0x000FFFFFFFFFF000ull /* bits 12-51 */

#define PT_ENTRIES   512u
#define PAGE_SHIFT_4K 12

static inline mfn_t pte_mfn(uint64_t pte)
{
    uint64_t m = (pte & PTE_ADDR) >> PAGE_SHIFT_4K;
    /* Frames at or above 2^32 pages cannot exist in the frame table: saturate so that every
     * bounds check against frame_table_size refuses them. */
    return m > 0xFFFFFFFFull ? 0xFFFFFFFFu : (mfn_t)m;
}

/* MOAT_L2_FIRST_SLOT (memlayout.h): first slot of the L2 under L3 slot 3 that belongs to Moat,
 * the 2 MB slot holding HYPERVISOR_VIRT_START: (0xF5800000 - 0xC0000000) >> 21 = 428. */
#define L3_GUEST_SLOTS     4u   /* a PAE L3 has four meaningful entries */

/* ---- hooks provided by the rest of Moat (host tests provide fakes) ------------------------- */
/* Writes Moat's own L2 entries (slots MOAT_L2_FIRST_SLOT..511) into a guest L2 that is being
 * validated for L3 slot 3 (provided by the hypervisor core, H2). */
void moat_l2_slot3_install(uint64_t *l2);
/* A frame is about to change type (for example from mapped-writable to page table): stale TLB
 * and paging-structure-cache entries of domain `dom` on every CPU must be flushed before the
 * new type is relied on. */
void pagetype_type_change_flush(uint16_t dom);

/* Checks (and fixes up) the 512 descriptors of a frame becoming FT_SEG_DESC: 0 or -EINVAL.
 * Provided by hv/core/segments.c (issue 5); a weak refuse-all default lives in pagetype.c. */
int pagetype_validate_segdesc(mfn_t mfn);

/* ---- configuration -------------------------------------------------------------------------- */
/* Call once at boot: nx_enabled = EFER.NXE is set (bit 63 of entries is then NX, otherwise it is
 * reserved and refused). */
void pagetype_init(int nx_enabled);

/* ---- references ----------------------------------------------------------------------------- */
/* General reference: 0 when frame `mfn` exists and belongs to `dom`; -EINVAL otherwise
 * (unknown frame, another domain's, Moat's, free, or count overflow). */
int  page_get(mfn_t mfn, uint16_t dom);
void page_put(mfn_t mfn);

/* General reference PLUS one use of type `t` (get_page_and_type in Xen). On the first use of a
 * page-table type the frame's contents are validated, taking references on everything it maps;
 * if any entry is refused, every reference taken is released and the frame's counts, type and
 * flags are exactly what they were before. Returns 0 or -EINVAL (wrong type while in use,
 * refused entry, recursive use) / -EBUSY (refused L1 entry, as Xen) / -EPERM. */
int  page_get_type(mfn_t mfn, enum frame_type t, uint16_t dom);
/* Drops one use of the type and the general reference; the last use of a page-table type
 * devalidates the frame, releasing the references its entries held. */
void page_put_type(mfn_t mfn);

/* MMUEXT_PIN_Lx_TABLE: t is FT_L1, FT_L2 or FT_L3. -EINVAL if already pinned (as Xen). */
int  pagetype_pin(uint16_t dom, mfn_t mfn, enum frame_type t);
/* MMUEXT_UNPIN_TABLE: -EINVAL if not the domain's frame or not pinned. */
int  pagetype_unpin(uint16_t dom, mfn_t mfn);
/* Teardown helper: unpins every pinned frame owned by `dom`; returns how many were unpinned. */
uint32_t pagetype_unpin_all(uint16_t dom);

/* ---- single entries (used by validation and by mmu_update / update_va_mapping) -------------- */
/* Checks one present entry of the given level and takes the references it needs.
 * `table` is the frame holding the entry (for self-references), `slot` its index. */
int  pte_get_l1(uint64_t e, uint16_t dom);
void pte_put_l1(uint64_t e);
int  pte_get_l2(uint64_t e, mfn_t table, uint16_t dom);
void pte_put_l2(uint64_t e, mfn_t table);
int  pte_get_l3(uint64_t e, unsigned slot, mfn_t table, uint16_t dom);
void pte_put_l3(uint64_t e, mfn_t table);
/* Flags a guest may set, per level (depends on pagetype_init and, for L1, on the domain). */
uint64_t pte_l1_disallowed(uint16_t dom);
uint64_t pte_l2_disallowed(void);
uint64_t pte_l3_disallowed(void);
/* The value Moat stores for a guest L3 entry: the bits PAE hardware reserves in a PDPTE (RW, US,
 * A, D), which Xen accepts from 32-bit guests, are cleared. */
uint64_t pte_l3_adjust(uint64_t e);

/* Is `t` one of the page-table types (L1, L2, L2_MOAT, L3)? */
static inline int frame_type_is_pt(unsigned t)
{
    return t == FT_L1 || t == FT_L2 || t == FT_L2_MOAT || t == FT_L3;
}

/* Atomic 64-bit entry accessors (the hardware walker on another CPU must never see half an
 * entry). pte_cmpxchg returns the value found. */
static inline uint64_t pte_cmpxchg(volatile uint64_t *p, uint64_t old, uint64_t val)
{
    return __sync_val_compare_and_swap(p, old, val);
}
static inline uint64_t pte_read(volatile uint64_t *p)
{
    return __sync_val_compare_and_swap(p, 0, 0);
}
static inline void pte_write(volatile uint64_t *p, uint64_t val)
{
    uint64_t old = *p, seen;
    while ((seen = pte_cmpxchg(p, old, val)) != old)
        old = seen;
}

#endif
