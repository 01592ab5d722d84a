/* The GDT and TSS.
 *
 * The architectural GDT is 8192 entries (16 pages). Entries from FIRST_RESERVED_GDT_ENTRY (7168,
 * page 14) up are Moat's; pages 0..13 are the guest's (set_gdt, issue 5). Each CPU has its own
 * two reserved pages (cpu_gdt[]), because the TSS descriptor is per CPU. A vcpu's GDT lives in
 * its 64 KB slice of GDT_AREA: pages 0..13 map the guest's frames (until set_gdt: a shared
 * all-zero frame, so every guest selector below 0xe000 is a null descriptor), pages 14..15 map
 * the running CPU's reserved pages.
 *
 * The descriptors themselves (and the invariants they keep) are in desc.c. */
#include <stdint.h>
#include <lib/string.h>
#include <xen/xen.h>
#include "cpu.h"
#include "desc.h"
#include "selectors.h"
#include "memlayout.h"
#include "paging.h"
#include "domain.h"
#include "console.h"
#include "pmem.h"

static uint64_t cpu_gdt[MOAT_MAX_CPUS][GDT_RESERVED_ENTRIES] __attribute__((aligned(4096)));
static uint8_t zero_gdt_page[4096] __attribute__((aligned(4096)));

_Static_assert(GDT_FIRST_RESERVED == FIRST_RESERVED_GDT_ENTRY, "reserved GDT area moved");
_Static_assert((FLAT_RING1_CS >> 3) == GDT_FIRST_RESERVED + 3 && (FLAT_RING1_DS >> 3) == GDT_FIRST_RESERVED + 4 &&
               (FLAT_RING3_CS >> 3) == GDT_FIRST_RESERVED + 5 && (FLAT_RING3_DS >> 3) == GDT_FIRST_RESERVED + 6,
               "flat selectors as xen-x86_32.h numbers them");

void gdt_init_cpu(struct cpu *c)
{
    uint64_t *g = cpu_gdt[c->id];
    memset(g, 0, sizeof(cpu_gdt[0]));
    c->gdt_reserved = g;
    memset(&c->tss, 0, sizeof(c->tss));
    c->tss.ss0 = MOAT_DS;
    c->tss.esp0 = (uint32_t)cpu_stacks[c->id] + MOAT_STACK_SIZE - 16;
    c->tss.iomap_base = sizeof(c->tss);     /* no I/O bitmap: ring 1/3 port I/O faults */
    gdt_fill_reserved(g, (uint32_t)&c->tss, sizeof(c->tss) - 1);

    /* GDTR base such that selector 0xe000 lands on g[0]; entries below are never used
     * before a vcpu's GDT area is loaded (gdt_load_vcpu). */
    struct desc_ptr p = { .limit = GDT_ENTRIES * 8 - 1,
                          .base = (uint32_t)g - GDT_FIRST_RESERVED * 8 };
    lgdt(&p);
    asm volatile("ljmp %0, $1f\n1:" :: "i"(MOAT_CS));
    asm volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss; mov %1, %%fs; mov %1, %%gs"
                 :: "r"(MOAT_DS), "r"(0) : "memory");
    ltr(MOAT_TSS);
}

static uint32_t gdt_area_va(const struct vcpu *v) { return GDT_AREA_START + v->gdt_slot * GDT_AREA_PER_VCPU; }

/* set_gdt (hv/core/segments.c): page `page` (0..13) of v's GDT maps guest frame `mfn`,
 * read-only (the validator preset every accessed bit, so the CPU never writes it), or the
 * shared zero frame when mfn == INVALID_MFN. */
void gdt_map_guest_frame(struct vcpu *v, unsigned page, mfn_t mfn)
{
    if (page >= 14)
        panic("gdt_map_guest_frame: page %u is Moat's", page);
    uint32_t va = gdt_area_va(v) + page * 4096;
    if (mfn == INVALID_MFN)
        moat_map(va, dm_pa(zero_gdt_page) >> 12, pte_nx);
    else
        moat_map(va, mfn, pte_nx);
}

void gdt_init_vcpu(struct vcpu *v)
{
    if (v->gdt_slot >= GDT_AREA_VCPUS)
        panic("vcpu GDT slot %u out of range", v->gdt_slot);
    uint32_t va = gdt_area_va(v);
    for (int i = 0; i < 14; i++)
        moat_map(va + i * 4096, dm_pa(zero_gdt_page) >> 12, pte_nx);
}

/* Points this CPU's GDTR at v's GDT area, with this CPU's reserved pages in pages 14..15.
 * TR stays loaded: the TSS descriptor lives in those same frames, only its linear address
 * changes, so no ltr (which would fault on the busy descriptor) is needed. */
void gdt_load_vcpu(struct cpu *c, struct vcpu *v)
{
    uint32_t va = gdt_area_va(v);
    moat_map(va + 14 * 4096, dm_pa(c->gdt_reserved) >> 12, PTE_RW | pte_nx);
    moat_map(va + 15 * 4096, (dm_pa(c->gdt_reserved) >> 12) + 1, PTE_RW | pte_nx);
    struct desc_ptr p = { .limit = GDT_ENTRIES * 8 - 1, .base = va };
    lgdt(&p);
}
