/* Page types and reference counts for 32-bit PAE paravirtualized guests.
 *
 * WHY THIS FILE EXISTS
 * A PV guest builds its own page tables and Moat's hardware walks them directly. That is only
 * safe if every table the hardware can reach is valid - every entry maps something the guest
 * may map, with rights it may have - and stays valid, which means the guest must never be able
 * to write a table except through Moat (mmu_update). This file keeps that true with a type and
 * two counts per machine frame (struct frame in frame.h), after Xen's get_page_type design.
 *
 * INVARIANTS (each one is enforced here; the test named after it is in
 * tests/unit/test_pagetype.c)
 *
 *  I1  One use at a time. A frame is, at any moment, in at most one of these roles: mapped
 *      writable (FT_WRITABLE), L1, L2, L2-under-slot-3 (FT_L2_MOAT), L3, descriptor page.
 *      type_count counts the uses of the current role. A frame changes role only when its
 *      type_count is zero (type_change_only_at_zero).
 *
 *  I2  A page table is mapped writable nowhere. A writable guest mapping takes a use of
 *      FT_WRITABLE, which I1 refuses while the frame is a table, and a frame with writable
 *      mappings cannot become a table (writable_map_of_table_refused,
 *      pin_of_writable_page_refused). Read-only mappings take only a general reference, so
 *      a guest may read its own tables.
 *
 *  I3  Validated means every entry was checked. The first use of a page-table type scans the
 *      frame and takes, for every present entry, exactly the reference that entry needs
 *      (L1 entry: writable use of the target if RW, else a general reference; L2 entry: an L1
 *      use; L3 entry: an L2 use, or L2_MOAT for slot 3). If any entry is refused, the
 *      references taken so far are released in reverse order and the frame's type, flags and
 *      counts are restored to exactly their earlier values (unwind_*). FF_VALIDATED is set only
 *      when the scan completed.
 *
 *  I4  Devalidation mirrors validation. When the last use of a page-table type goes away
 *      (last unpin, last referencing entry removed, base pointer switched away), the frame is
 *      scanned again and every reference its entries hold is released; FF_VALIDATED is
 *      cleared first, so a table can never be "validated" with references missing. Unpin and
 *      domain teardown therefore return every count to where it started
 *      (teardown_balances_counts).
 *
 *  I5  No cycles through validation. A frame whose validation is in progress has its new type
 *      with FF_VALIDATED clear; any nested request for a use of it fails (-EINVAL). The only
 *      self-reference allowed is the classic linear mapping: an L2 entry naming its own L2,
 *      read-only, which takes no reference (a table must not hold itself alive). Linear
 *      mappings of a *different* table are refused (Xen allows them with extra bookkeeping;
 *      Moat does not need them). The L2 holding Moat's slots may not map itself: its slots
 *      428-511 are Moat's and would become guest-readable as pages.
 *
 *  I6  Moat's slots are Moat's. A PAE address space has four L3 entries; slot 3 covers
 *      0xC0000000-0xFFFFFFFF, whose top 84 L2 entries (from HYPERVISOR_VIRT_START, slot 428)
 *      map Moat, its m2p table (read-only to guests) and its data. The L2 in L3 slot 3 is
 *      typed FT_L2_MOAT: validation ignores whatever the guest left in slots 428-511 and
 *      writes Moat's entries there (moat_l2_slot3_install), mmu_update refuses writes to them
 *      (-EPERM, as Xen), L3 slot 3 must be present and may not be changed after validation,
 *      and that L2 may not be shared between two L3s (-EINVAL, as Xen).
 *
 *  I7  What a domain may map: only frames it owns (frame.owner == its id). Not Moat's frames
 *      (FRAME_OWNER_MOAT: image, heap, Moat's own tables, the m2p table - the guest sees the
 *      m2p only through Moat's read-only entries of I6), not another domain's, not free
 *      frames, not I/O frames or frames beyond RAM (Moat gives no guest MMIO access). Foreign
 *      or unowned frames in an L1 entry: -EBUSY; I/O or out of range: -EPERM; as Xen.
 *
 *  I8  Bits the hardware would misread are refused, not silently passed: reserved bits of PAE
 *      entries (52-62 always; 63 unless NX is enabled), PS in L2 entries (no 2 MB guest pages),
 *      global/cache bits in L2/L3, cache-attribute bits (PWT/PCD/PAT) in L1 entries except for
 *      the initial domain (as Xen, which allows them for domains with I/O privileges). L3
 *      entries accept what Xen accepts from 32-bit guests (P, RW, US, A, D, AVL) and Moat
 *      stores them with RW/US/A/D cleared because real PAE PDPTEs reserve those bits.
 *
 *  I9  A role change flushes. When a frame changes role (type) Moat calls
 *      pagetype_type_change_flush(): a stale TLB entry from a removed writable mapping, or a
 *      cached paging-structure entry through a removed table, must not survive into the new
 *      role.
 *
 *  I10 Counts never wrap or go negative. A get that would overflow is refused (-EINVAL); a put
 *      at zero is a Moat bug, counted in pagetype_bugs and otherwise ignored.
 *
 * Callers serialise: these functions are not re-entrant across CPUs; Moat calls them with its
 * memory-management lock held (one guest vcpu per physical CPU inside mm at a time).
 * Work is bounded: validating an L3 touches at most 4 x 512 x 512 entries.
 */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include "frame.h"
#include "mapcache.h"
#include "pagetype.h"

#if (HYPERVISOR_VIRT_START - 0xC0000000u) >> 21 != 428
#error "MOAT_L2_FIRST_SLOT does not match HYPERVISOR_VIRT_START"
#endif

uint32_t pagetype_bugs;          /* puts at count zero etc.: must stay 0 (tests check it) */
static uint64_t nx_bit;          /* PTE_NX when the guest may use NX, else 0 */

void pagetype_init(int nx_enabled)
{
    nx_bit = nx_enabled ? PTE_NX : 0;
}

/* ---- flag rules (I8) ------------------------------------------------------------------------ */
#define PTE_GUEST_BASE (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D | PTE_AVAIL)

uint64_t pte_l1_disallowed(uint16_t dom)
{
    uint64_t ok = PTE_ADDR | PTE_GUEST_BASE | PTE_G | nx_bit;
    if (dom == 0)
        ok |= PTE_PWT | PTE_PCD | PTE_PAT;
    return ~ok;
}

uint64_t pte_l2_disallowed(void)
{
    return ~(PTE_ADDR | PTE_GUEST_BASE | nx_bit);
}

uint64_t pte_l3_disallowed(void)
{
    return ~(PTE_ADDR | PTE_GUEST_BASE);
}

uint64_t pte_l3_adjust(uint64_t e)
{
    return e & ~(PTE_RW | PTE_US | PTE_A | PTE_D);
}

/* ---- general references ------------------------------------------------------------------- */
static int frame_exists(mfn_t mfn)
{
    return frame_table != 0 && mfn < frame_table_size;
}

int page_get(mfn_t mfn, uint16_t dom)
{
    struct frame *f;

    if (!frame_exists(mfn) || dom >= DOMID_FIRST_RESERVED)
        return -XEN_EINVAL;
    f = &frame_table[mfn];
    if (f->owner != dom || f->count == UINT32_MAX)
        return -XEN_EINVAL;
    f->count++;
    return 0;
}

void page_put(mfn_t mfn)
{
    if (!frame_exists(mfn) || frame_table[mfn].count == 0) {
        pagetype_bugs++;
        return;
    }
    frame_table[mfn].count--;
}

/* ---- validation and devalidation (I3, I4) ------------------------------------------------- */
/* The first index >= i below n whose entry is present (n if none). The scans below visit the
 * same entries in the same order as a one-by-one loop; this only skips absent ones four at a
 * time (P is bit 0 of each entry's low word), because most entries of a fresh table are
 * absent and every fork/exit scans a dozen tables of 512. */
static inline unsigned next_present(const uint64_t *t, unsigned i, unsigned n)
{
    const volatile uint32_t *w = (const volatile uint32_t *)t;   /* little endian: w[2k] low */
    while (i + 4 <= n && !((w[2 * i] | w[2 * i + 2] | w[2 * i + 4] | w[2 * i + 6]) & PTE_P))
        i += 4;
    while (i < n && !(w[2 * i] & PTE_P))
        i++;
    return i;
}

static int validate_l1(mfn_t mfn, uint16_t dom)
{
    uint64_t *t = frame_map(mfn);
    unsigned i;
    int rc = 0;

    for (i = next_present(t, 0, PT_ENTRIES); i < PT_ENTRIES; i = next_present(t, i + 1, PT_ENTRIES)) {
        if (!(t[i] & PTE_P))
            continue;
        rc = pte_get_l1(t[i], dom);
        if (rc)
            break;
    }
    if (rc)
        while (i-- > 0)
            if (t[i] & PTE_P)
                pte_put_l1(t[i]);
    frame_unmap(t);
    return rc;
}

static void devalidate_l1(mfn_t mfn)
{
    uint64_t *t = frame_map(mfn);
    unsigned i;

    for (i = next_present(t, 0, PT_ENTRIES); i < PT_ENTRIES; i = next_present(t, i + 1, PT_ENTRIES))
        if (t[i] & PTE_P)
            pte_put_l1(t[i]);
    frame_unmap(t);
}

static unsigned l2_guest_slots(enum frame_type t)
{
    return t == FT_L2_MOAT ? MOAT_L2_FIRST_SLOT : PT_ENTRIES;
}

static int validate_l2(mfn_t mfn, enum frame_type type, uint16_t dom)
{
    uint64_t *t = frame_map(mfn);
    unsigned i, n = l2_guest_slots(type);
    int rc = 0;

    for (i = next_present(t, 0, n); i < n; i = next_present(t, i + 1, n)) {
        if (!(t[i] & PTE_P))
            continue;
        rc = pte_get_l2(t[i], mfn, dom);
        if (rc)
            break;
    }
    if (rc) {
        while (i-- > 0)
            if (t[i] & PTE_P)
                pte_put_l2(t[i], mfn);
    } else if (type == FT_L2_MOAT) {
        moat_l2_slot3_install(t);
    }
    frame_unmap(t);
    return rc;
}

static void devalidate_l2(mfn_t mfn, enum frame_type type)
{
    uint64_t *t = frame_map(mfn);
    unsigned i, n = l2_guest_slots(type);

    for (i = next_present(t, 0, n); i < n; i = next_present(t, i + 1, n))
        if (t[i] & PTE_P)
            pte_put_l2(t[i], mfn);
    /* Moat's entries must not stay behind in a frame that may next become guest-writable. */
    if (type == FT_L2_MOAT)
        for (i = MOAT_L2_FIRST_SLOT; i < PT_ENTRIES; i++)
            pte_write(&t[i], 0);
    frame_unmap(t);
}

static int validate_l3(mfn_t mfn, uint16_t dom)
{
    uint64_t *t = frame_map(mfn);
    unsigned i;
    int rc = 0;

    /* Only four entries mean anything to PAE hardware; like Xen for 32-bit guests, clear the
     * rest so the frame's contents are fully defined. */
    for (i = L3_GUEST_SLOTS; i < PT_ENTRIES; i++)
        t[i] = 0;
    if (!(t[3] & PTE_P)) {
        frame_unmap(t);
        return -XEN_EINVAL;   /* slot 3 carries Moat's mappings: it must exist */
    }
    for (i = 0; i < L3_GUEST_SLOTS; i++) {
        if (!(t[i] & PTE_P))
            continue;
        rc = pte_get_l3(t[i], i, mfn, dom);
        if (rc)
            break;
    }
    if (rc) {
        while (i-- > 0)
            if (t[i] & PTE_P)
                pte_put_l3(t[i], mfn);
    } else {
        for (i = 0; i < L3_GUEST_SLOTS; i++)
            if (t[i] & PTE_P)
                pte_write(&t[i], pte_l3_adjust(t[i]));
    }
    frame_unmap(t);
    return rc;
}

static void devalidate_l3(mfn_t mfn)
{
    uint64_t *t = frame_map(mfn);
    unsigned i;

    for (i = 0; i < L3_GUEST_SLOTS; i++)
        if (t[i] & PTE_P)
            pte_put_l3(t[i], mfn);
    frame_unmap(t);
}

/* FT_SEG_DESC: the descriptor rules are issue 5's (hv/core/segments.c defines the real check,
 * through hv/core/descriptor.c). This weak default keeps host tests that link only hv/mm
 * refusing every descriptor page, as before. */
__attribute__((weak)) int pagetype_validate_segdesc(mfn_t mfn)
{
    (void)mfn;
    return -XEN_EINVAL;
}

static int validate(mfn_t mfn, enum frame_type t, uint16_t dom)
{
    switch (t) {
    case FT_WRITABLE:
        return 0;
    case FT_L1:
        return validate_l1(mfn, dom);
    case FT_L2:
    case FT_L2_MOAT:
        return validate_l2(mfn, t, dom);
    case FT_L3:
        return validate_l3(mfn, dom);
    case FT_SEG_DESC:
        return pagetype_validate_segdesc(mfn);
    default:
        /* FT_NONE is never requested. */
        return -XEN_EINVAL;
    }
}

static void devalidate(mfn_t mfn, enum frame_type t)
{
    switch (t) {
    case FT_L1:
        devalidate_l1(mfn);
        break;
    case FT_L2:
    case FT_L2_MOAT:
        devalidate_l2(mfn, t);
        break;
    case FT_L3:
        devalidate_l3(mfn);
        break;
    default:
        break;
    }
}

/* ---- type uses (I1, I5, I9) ---------------------------------------------------------------- */
/* One more use of type t; the caller holds a general reference. */
static int type_get(mfn_t mfn, enum frame_type t)
{
    struct frame *f = &frame_table[mfn];
    uint8_t old_type, old_flags;
    int rc;

    if (f->type_count == UINT32_MAX)
        return -XEN_EINVAL;
    if (f->type_count > 0) {
        if (f->type != t)
            return -XEN_EINVAL;          /* I1: in use in another role */
        if (!(f->flags & FF_VALIDATED))
            return -XEN_EINVAL;          /* I5: its own validation is in progress */
        f->type_count++;
        return 0;
    }

    old_type = f->type;
    old_flags = f->flags;
    if (f->type != t) {
        if (f->type != FT_NONE)
            pagetype_type_change_flush(f->owner);   /* I9 */
        f->type = t;
        f->flags &= ~FF_VALIDATED;
    }
    f->type_count = 1;
    if (!(f->flags & FF_VALIDATED)) {
        rc = validate(mfn, t, f->owner);
        if (rc) {
            f->type_count = 0;          /* I3: exactly as before */
            f->type = old_type;
            f->flags = old_flags;
            return rc;
        }
        f->flags |= FF_VALIDATED;
    }
    return 0;
}

static void type_put(mfn_t mfn)
{
    struct frame *f = &frame_table[mfn];

    if (f->type_count == 0) {
        pagetype_bugs++;
        return;
    }
    if (f->type_count == 1 && frame_type_is_pt(f->type)) {
        f->flags &= ~FF_VALIDATED;       /* I4: never validated with references missing */
        devalidate(mfn, f->type);
    }
    f->type_count--;
}

int page_get_type(mfn_t mfn, enum frame_type t, uint16_t dom)
{
    int rc = page_get(mfn, dom);

    if (rc)
        return rc;
    rc = type_get(mfn, t);
    if (rc)
        page_put(mfn);
    return rc;
}

void page_put_type(mfn_t mfn)
{
    if (!frame_exists(mfn)) {
        pagetype_bugs++;
        return;
    }
    type_put(mfn);
    page_put(mfn);
}

/* ---- single entries (I2, I5, I6, I7, I8) --------------------------------------------------- */
int pte_get_l1(uint64_t e, uint16_t dom)
{
    mfn_t m = pte_mfn(e);

    if (e & pte_l1_disallowed(dom))
        return -XEN_EINVAL;
    if (!frame_exists(m) || frame_table[m].owner == FRAME_OWNER_IO)
        return -XEN_EPERM;               /* I/O memory or beyond RAM */
    if (e & PTE_RW)
        return page_get_type(m, FT_WRITABLE, dom) ? -XEN_EBUSY : 0;
    return page_get(m, dom) ? -XEN_EBUSY : 0;
}

void pte_put_l1(uint64_t e)
{
    mfn_t m = pte_mfn(e);

    if (e & PTE_RW)
        page_put_type(m);
    else
        page_put(m);
}

int pte_get_l2(uint64_t e, mfn_t table, uint16_t dom)
{
    mfn_t m = pte_mfn(e);

    if (e & pte_l2_disallowed())
        return -XEN_EINVAL;              /* includes PS: no 2 MB guest pages */
    if (m == table) {
        /* Linear self-mapping (I5): read-only, not in the L2 holding Moat's slots, no ref. */
        if ((e & PTE_RW) || frame_table[table].type != FT_L2)
            return -XEN_EINVAL;
        return 0;
    }
    return page_get_type(m, FT_L1, dom);
}

void pte_put_l2(uint64_t e, mfn_t table)
{
    mfn_t m = pte_mfn(e);

    if (m != table)
        page_put_type(m);
}

int pte_get_l3(uint64_t e, unsigned slot, mfn_t table, uint16_t dom)
{
    mfn_t m = pte_mfn(e);
    int rc;

    if (slot >= L3_GUEST_SLOTS || (e & pte_l3_disallowed()))
        return -XEN_EINVAL;
    rc = page_get_type(m, slot == 3 ? FT_L2_MOAT : FT_L2, dom);
    if (rc)
        return rc;
    if (slot == 3 && frame_table[m].type_count != 1) {
        page_put_type(m);                /* I6: the slot-3 L2 belongs to one L3 only */
        return -XEN_EINVAL;
    }
    return 0;
}

void pte_put_l3(uint64_t e, mfn_t table)
{
    (void)table;
    page_put_type(pte_mfn(e));
}

/* ---- pinning -------------------------------------------------------------------------------- */
int pagetype_pin(uint16_t dom, mfn_t mfn, enum frame_type t)
{
    int rc;

    if (t != FT_L1 && t != FT_L2 && t != FT_L3)
        return -XEN_EINVAL;
    rc = page_get_type(mfn, t, dom);
    if (rc)
        return rc;
    if (frame_table[mfn].flags & FF_PINNED) {
        page_put_type(mfn);
        return -XEN_EINVAL;              /* pins do not nest (as Xen) */
    }
    frame_table[mfn].flags |= FF_PINNED;
    return 0;
}

int pagetype_unpin(uint16_t dom, mfn_t mfn)
{
    struct frame *f;

    if (!frame_exists(mfn) || dom >= DOMID_FIRST_RESERVED)
        return -XEN_EINVAL;
    f = &frame_table[mfn];
    if (f->owner != dom || !(f->flags & FF_PINNED))
        return -XEN_EINVAL;
    f->flags &= ~FF_PINNED;
    page_put_type(mfn);
    return 0;
}

uint32_t pagetype_unpin_all(uint16_t dom)
{
    uint32_t n = 0;
    mfn_t m;

    for (m = 0; frame_exists(m); m++)
        if (frame_table[m].owner == dom && (frame_table[m].flags & FF_PINNED) &&
            pagetype_unpin(dom, m) == 0)
            n++;
    return n;
}
