/* Guest segmentation: set_gdt, update_descriptor, the LDT of MMUEXT_SET_LDT, and the descriptor
 * lookup the bounce frame and the emulator use.
 *
 * Invariants:
 *   S1  Every descriptor the CPU can load for a guest selector passed desc_check()
 *       (descriptor.c): guest GDT pages 0..13 and LDT pages are frames typed FT_SEG_DESC (the
 *       type validates all 512 entries on first use and forbids writable guest mappings while
 *       it is held), mapped read-only in Moat's area; update_descriptor checks the one entry it
 *       writes. Pages 14..15 of every GDT are Moat's reserved entries, never guest frames.
 *   S2  A type reference is held for exactly as long as the frame is mapped as a GDT or LDT
 *       page of a vcpu: set_gdt takes all new references before dropping the old ones (a
 *       refused frame leaves the old GDT intact, as Xen's pv_set_gdt), the LDT is swapped the
 *       same way.
 *   S3  The LDT descriptor (MOAT_LDT, a ring-0 system descriptor in this CPU's reserved GDT
 *       page) always describes the running vcpu's mapped LDT: return_to_guest() reloads it
 *       before the guest's selectors are (MMUEXT_SET_LDT only records the request, H5).
 *
 * LDT area: the second half of GDT_AREA (slots 32..63, one 64 KB slice per vcpu, the same
 * index as its GDT slice + 32) holds the vcpu's LDT pages; nothing else uses those slots.
 * The LDT is mapped eagerly from the guest's page tables at the first return to the guest after
 * MMUEXT_SET_LDT (Xen maps it lazily on the first #PF); a later change of the guest's own
 * mapping of that range is not followed until the next MMUEXT_SET_LDT. An LDT whose pages are
 * unmapped, not the guest's, or refused by the validator is not installed: the guest gets an
 * empty LDT (every LDT selector faults, #GP to the guest) and Moat logs why. */
#include <stdint.h>
#include <lib/string.h>
#include <xen/xen.h>
#include "domain.h"
#include "bounce.h"
#include "descriptor.h"
#include "desc.h"
#include "pagetype.h"
#include "mapcache.h"
#include "paging.h"
#include "pmem.h"
#include "selectors.h"
#include "uaccess.h"
#include "moat_errno.h"
#include "console.h"

void gdt_map_guest_frame(struct vcpu *v, unsigned page, mfn_t mfn);   /* gdt.c */

_Static_assert(MOAT_MAX_DOMAINS * MOAT_MAX_VCPUS <= GDT_AREA_VCPUS / 2, "LDT slices fit");

static uint32_t gdt_va(const struct vcpu *v) { return GDT_AREA_START + v->gdt_slot * GDT_AREA_PER_VCPU; }
static uint32_t ldt_va(const struct vcpu *v)
{
    return GDT_AREA_START + (GDT_AREA_VCPUS / 2 + v->gdt_slot) * GDT_AREA_PER_VCPU;
}

/* LDT state per vcpu beyond pv_state.h: the frames mapped (for the S2 references). */
static mfn_t ldt_frames[MOAT_MAX_DOMAINS * MOAT_MAX_VCPUS][16];
/* What this CPU's LDTR holds: (vcpu, generation). */
static const struct vcpu *cpu_ldt_vcpu[MOAT_MAX_CPUS];
static uint32_t cpu_ldt_gen[MOAT_MAX_CPUS];
static uint32_t ldt_gen[MOAT_MAX_DOMAINS * MOAT_MAX_VCPUS];

/* ---- the descriptor a selector names ------------------------------------------------------ */
int guest_descriptor(struct vcpu *v, uint16_t sel, uint64_t *desc)
{
    uint32_t idx = sel >> 3;
    if (sel & 4) {
        if (idx >= v->pv.ldt_mapped_ents)
            return -1;
        *desc = ((const uint64_t *)ldt_va(v))[idx];
    } else {
        if ((sel & ~3u) == 0)
            return -1;
        if (idx >= GDT_FIRST_RESERVED)
            *desc = this_cpu()->gdt_reserved[idx - GDT_FIRST_RESERVED];
        else
            *desc = ((const uint64_t *)gdt_va(v))[idx];   /* guest frame or the zero frame */
    }
    return (*desc & (1ull << 47)) ? 0 : -1;                   /* present */
}

/* ---- FT_SEG_DESC validation (called by page_get_type, hv/mm/pagetype.c) ------------------ */
int pagetype_validate_segdesc(mfn_t mfn)
{
    uint64_t *descs = frame_map(mfn);
    enum desc_reason why = DESC_ACCEPT;
    int bad = desc_check_page(descs, &why);
    uint64_t raw = bad >= 0 ? descs[bad] : 0;
    frame_unmap(descs);
    if (bad >= 0) {
        log_warn("descriptor page mfn %#x refused: entry %d (%08x:%08x): %s\n", mfn, bad,
                 (uint32_t)(raw >> 32), (uint32_t)raw, desc_reason_name(why));
        return -EINVAL;
    }
    return 0;
}

/* ---- set_gdt ------------------------------------------------------------------------------ */
long do_set_gdt(uint32_t frame_list, uint32_t entries)
{
    struct vcpu *v = current_vcpu();
    uint16_t dom = v->domain->domid;
    uint32_t frames[PV_GDT_FRAMES];

    if (entries > PV_GDT_MAX_ENTS)
        return -EINVAL;
    unsigned nr = (entries + 511) / 512;
    if (copy_from_guest(frames, frame_list, nr * sizeof(uint32_t)))
        return -EFAULT;
    for (unsigned i = 0; i < nr; i++) {
        if (frames[i] >= frame_table_size || page_get_type(frames[i], FT_SEG_DESC, dom)) {
            log_warn("domain %u: set_gdt: frame %u (mfn %#x) is not a valid descriptor page\n",
                     dom, i, frames[i]);
            while (i-- > 0)
                page_put_type(frames[i]);
            return -EINVAL;
        }
    }
    /* tear down the old GDT (S2), then install the new one */
    for (unsigned i = 0; i < PV_GDT_FRAMES; i++) {
        if (i < (v->pv.gdt_ents + 511) / 512)
            page_put_type(v->pv.gdt_mfn[i]);
        v->pv.gdt_mfn[i] = i < nr ? frames[i] : INVALID_MFN;
        gdt_map_guest_frame(v, i, v->pv.gdt_mfn[i]);
    }
    v->pv.gdt_ents = entries;
    return 0;
}

/* ---- update_descriptor ------------------------------------------------------------------- */
long do_update_descriptor(uint32_t pa_lo, uint32_t pa_hi, uint32_t desc_lo, uint32_t desc_hi)
{
    struct vcpu *v = current_vcpu();
    uint16_t dom = v->domain->domid;
    uint64_t ma = ((uint64_t)pa_hi << 32) | pa_lo;
    uint64_t d = ((uint64_t)desc_hi << 32) | desc_lo;

    if (ma & 7)
        return -EINVAL;                 /* would corrupt two neighbouring descriptors */
    enum desc_reason why = desc_check(&d);
    if (why != DESC_ACCEPT) {
        log_warn("domain %u: update_descriptor %08x:%08x refused: %s\n", dom, desc_hi, desc_lo,
                 desc_reason_name(why));
        return -EINVAL;
    }
    uint64_t mfn64 = ma >> 12;
    if (mfn64 >= frame_table_size)
        return -EINVAL;
    mfn_t mfn = (mfn64 & 0xFFFFFFFFu);
    if (frame_table[mfn].owner != dom)
        return -EINVAL;
    /* A descriptor page in use stays one (the entry was checked); anything else must be a
     * page the guest could write itself (not a page table). */
    enum frame_type t = (frame_table[mfn].type == FT_SEG_DESC && frame_table[mfn].type_count)
                            ? FT_SEG_DESC : FT_WRITABLE;
    if (page_get_type(mfn, t, dom))
        return -EINVAL;
    uint64_t *page = frame_map(mfn);
    pte_write(&page[(ma & 0xFFF) / 8], d);    /* one 8-byte store (cmpxchg8b): never half-written */
    frame_unmap(page);
    page_put_type(mfn);
    return 0;
}

/* ---- the LDT ---------------------------------------------------------------------------- */
/* Guest linear address -> machine frame through v's page tables (present entries only). */
static int guest_va_to_mfn(struct vcpu *v, uint32_t va, mfn_t *out)
{
    mfn_t t = v->mm.base;
    unsigned idx[3] = { va >> 30, (va >> 21) & 511, (va >> 12) & 511 };
    for (unsigned lvl = 0; lvl < 3; lvl++) {
        if (t == MM_NO_BASE || t >= frame_table_size)
            return -1;
        uint64_t *tab = frame_map(t);
        uint64_t e = tab[idx[lvl]];
        frame_unmap(tab);
        if (!(e & PTE_P) || (lvl == 1 && (e & PTE_PS)))
            return -1;
        t = pte_mfn(e);
    }
    if (t >= frame_table_size)
        return -1;
    *out = t;
    return 0;
}

static void ldt_unmap(struct vcpu *v)
{
    uint32_t slot = v->gdt_slot;
    unsigned pages = (v->pv.ldt_mapped_ents * 8 + 4095) / 4096;
    for (unsigned i = 0; i < pages; i++) {
        moat_unmap(ldt_va(v) + i * 4096);
        page_put_type(ldt_frames[slot][i]);
    }
    v->pv.ldt_mapped_ents = 0;
}

/* Map the LDT the guest asked for (mm.ldt_base/ldt_ents). */
/* noinline: it runs only when the guest changed its LDT; inlined, its frame and register
 * saves were paid by ldt_load_current on every exit to the guest. */
static void __attribute__((noinline)) ldt_map(struct vcpu *v)
{
    uint32_t slot = v->gdt_slot, base = v->mm.ldt_base, ents = v->mm.ldt_ents;
    uint16_t dom = v->domain->domid;
    mfn_t mfns[16];
    unsigned pages = (ents * 8 + 4095) / 4096, got = 0;
    const char *why = 0;

    ldt_unmap(v);
    v->pv.ldt_req_base = base;
    v->pv.ldt_req_ents = ents;
    ldt_gen[slot]++;
    if (ents == 0 || ents > 8192 || (base & 0xFFF) || !guest_range_ok(base, ents * 8))
        return;                       /* H5's mmuext_op already refused the bad ones */
    for (; got < pages; got++) {
        if (guest_va_to_mfn(v, base + got * 4096, &mfns[got])) {
            why = "page not mapped";
            break;
        }
        if (page_get_type(mfns[got], FT_SEG_DESC, dom)) {
            why = "not a valid descriptor page (writable mapping, not the domain's, or refused entry)";
            break;
        }
    }
    if (why) {
        log_warn("domain %u: LDT at %#x (%u entries) not installed: page %u: %s\n", dom, base,
                 ents, got, why);
        while (got-- > 0)
            page_put_type(mfns[got]);
        return;
    }
    for (unsigned i = 0; i < pages; i++) {
        ldt_frames[slot][i] = mfns[i];
        moat_map(ldt_va(v) + i * 4096, mfns[i], pte_nx);
    }
    v->pv.ldt_mapped_ents = ents;
}

static void __attribute__((noinline)) ldt_load_slow(struct vcpu *v, struct cpu *c);

/* Runs on every exit to the guest: the common case (LDT unchanged, already loaded on this CPU)
 * is four compares; anything else goes to ldt_load_slow, which does the whole job. */
void ldt_load_current(struct vcpu *v)
{
    struct cpu *c = this_cpu();
    if (v->mm.ldt_base == v->pv.ldt_req_base && v->mm.ldt_ents == v->pv.ldt_req_ents &&
        cpu_ldt_vcpu[c->id] == v && cpu_ldt_gen[c->id] == ldt_gen[v->gdt_slot])
        return;
    ldt_load_slow(v, c);
}

static void ldt_load_slow(struct vcpu *v, struct cpu *c)
{
    uint32_t slot = v->gdt_slot;
    if (v->mm.ldt_base != v->pv.ldt_req_base || v->mm.ldt_ents != v->pv.ldt_req_ents)
        ldt_map(v);
    if (cpu_ldt_vcpu[c->id] == v && cpu_ldt_gen[c->id] == ldt_gen[slot])
        return;
    uint64_t *g = c->gdt_reserved;
    unsigned idx = (MOAT_LDT >> 3) - GDT_FIRST_RESERVED;
    uint16_t sel = 0;
    if (v->pv.ldt_mapped_ents) {
        g[idx] = desc_segment(ldt_va(v), v->pv.ldt_mapped_ents * 8 - 1, DESC_P | 0x02, 0);
        sel = MOAT_LDT;
    } else {
        g[idx] = 0;
    }
    asm volatile("lldt %0" :: "r"(sel));
    cpu_ldt_vcpu[c->id] = v;
    cpu_ldt_gen[c->id] = ldt_gen[slot];
}
