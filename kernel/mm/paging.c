/* Kernel page tables (PAE: PDPT -> PD -> PT), built and changed only through the mmu pv-ops.
 *
 * Invariants:
 *  - Entries are composed in pfn terms and converted with make_pte() right before set_*();
 *    entries read back are converted with pte_val() before their frame is used. Generic code
 *    never handles a machine frame, so the same code runs natively and on a PV hypervisor.
 *  - A page becomes a page table in this order: zeroed while still an ordinary writable page,
 *    announced with alloc_pt() (a PV backend makes it read-only and validates it there), then
 *    linked with set_pmd()/set_pud(). Teardown reverses it: unlink, release_pt(), free.
 *  - Nothing is ever mapped at or above the hypervisor hole (HYPERVISOR_HOLE_START): those PD
 *    slots belong to the hypervisor on PV and stay empty natively. */
#include <stdint.h>
#include <lib/string.h>
#include "kmem.h"
#include "mm.h"
#include "printk.h"
#include "pv/pvops.h"

pud_t *kernel_pgd;
int nx_enabled;

#define PDPT_ENTRY_FLAGS _PAGE_PRESENT /* PAE PDPT entries take no RW/US bits */
#define TABLE_FLAGS (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED)
#define HOLE_PD_INDEX ((HYPERVISOR_HOLE_START >> 21) & 511) /* first hypervisor slot in PD 3 */

static uint32_t entry_pfn(uint64_t hw) { return (uint32_t)((pte_val(hw) & PTE_FRAME_MASK) >> PAGE_SHIFT); }

/* The table an entry points to, allocating and linking a new one if it is empty. */
static void *next_table(uint64_t *slot, int level, int create)
{
    if (*slot & _PAGE_PRESENT)
        return pfn_to_virt(entry_pfn(*slot));
    if (!create)
        return 0;
    uint32_t pfn;
    if (alloc_zeroed_page(&pfn))
        return 0;
    alloc_pt(pfn, level);
    uint64_t e = ((uint64_t)pfn << PAGE_SHIFT) | (level == 2 ? PDPT_ENTRY_FLAGS : TABLE_FLAGS);
    if (level == 2)
        set_pud(slot, make_pte(e));
    else
        set_pmd(slot, make_pte(e));
    return pfn_to_virt(pfn);
}

static pte_t *walk(pud_t *pgd, uint32_t va, int create)
{
    if (va >= HYPERVISOR_HOLE_START)
        return 0;
    pmd_t *pd = next_table(&pgd[va >> 30], 2, create);
    if (!pd)
        return 0;
    pmd_t *pde = &pd[(va >> 21) & 511];
    if ((*pde & _PAGE_PRESENT) && (*pde & _PAGE_PSE))
        return 0; /* a 2 MB mapping: no PT below it */
    pte_t *pt = next_table(pde, 1, create);
    if (!pt)
        return 0;
    return &pt[(va >> 12) & 511];
}

int paging_map(pud_t *pgd, uint32_t va, uint32_t pfn, uint64_t flags)
{
    pte_t *pte = walk(pgd, va, 1);
    if (!pte)
        return -1;
    set_pte(pte, make_pte(((uint64_t)pfn << PAGE_SHIFT) | flags | _PAGE_PRESENT));
    return 0;
}

void paging_unmap(pud_t *pgd, uint32_t va)
{
    pte_t *pte = walk(pgd, va, 0);
    if (pte && (*pte & _PAGE_PRESENT)) {
        pte_clear(pte);
        flush_tlb_single(va);
    }
}

uint64_t paging_lookup(pud_t *pgd, uint32_t va)
{
    if (va >= HYPERVISOR_HOLE_START || !(pgd[va >> 30] & _PAGE_PRESENT))
        return 0;
    pmd_t *pd = pfn_to_virt(entry_pfn(pgd[va >> 30]));
    pmd_t pde = pd[(va >> 21) & 511];
    if (!(pde & _PAGE_PRESENT))
        return 0;
    if (pde & _PAGE_PSE)
        return pte_val(pde);
    pte_t *pt = pfn_to_virt(entry_pfn(pde));
    pte_t e = pt[(va >> 12) & 511];
    return (e & _PAGE_PRESENT) ? pte_val(e) : 0;
}

uint64_t paging_lookup_skip(pud_t *pgd, uint32_t va, uint32_t *next)
{
    uint32_t region = 0;        /* bytes covered by the absent entry, 0: a table covers va */
    uint64_t e = 0;
    if (va >= HYPERVISOR_HOLE_START) {
        region = 0;
    } else if (!(pgd[va >> 30] & _PAGE_PRESENT)) {
        region = 1u << 30;
    } else {
        pmd_t *pd = pfn_to_virt(entry_pfn(pgd[va >> 30]));
        pmd_t pde = pd[(va >> 21) & 511];
        if (!(pde & _PAGE_PRESENT)) {
            region = 1u << 21;
        } else if (pde & _PAGE_PSE) {
            e = pte_val(pde);
        } else {
            pte_t *pt = pfn_to_virt(entry_pfn(pde));
            unsigned i = (va >> 12) & 511;
            pte_t pte = pt[i];
            e = (pte & _PAGE_PRESENT) ? pte_val(pte) : 0;
            /* the next present entry of this table (absent ones need no lookup), or its end */
            for (i++; i < 512 && !(pt[i] & _PAGE_PRESENT); i++)
                ;
            uint32_t n = (va & ~((1u << 21) - 1)) + (i << 12);
            *next = n > va ? n : 0xFFFFF000u;
            return e;
        }
    }
    uint32_t n = region ? (va & ~(region - 1)) + region : va + PAGE_SIZE;
    *next = n > va ? n : 0xFFFFF000u;
    return e;
}

static uint64_t lowmem_flags(uint32_t pfn)
{
    uint32_t text_start = virt_to_pfn(_text), text_end = (virt_to_phys(_etext) + PAGE_SIZE - 1) >> PAGE_SHIFT;
    uint64_t f = _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
    if (nx_enabled && (pfn < text_start || pfn >= text_end))
        f |= _PAGE_NX;
    return f;
}

int paging_map_lowmem(pud_t *pgd, uint32_t start_pfn, uint32_t end_pfn)
{
    enter_lazy_mmu();
    for (uint32_t pfn = start_pfn; pfn < end_pfn; pfn++) {
        uint32_t va = PAGE_OFFSET + (pfn << PAGE_SHIFT);
        pte_t *pte = walk(pgd, va, 1);
        if (!pte) {
            leave_lazy_mmu();
            return -1;
        }
        /* An entry the hypervisor's initial tables already have keeps its frame and its
         * writability (page-table pages are read-only there on purpose); only NX is added,
         * so the bootstrap area is not left executable. */
        if (*pte & _PAGE_PRESENT) {
            uint64_t nx = lowmem_flags(pfn) & _PAGE_NX;
            if (nx && !(*pte & _PAGE_NX))
                set_pte(pte, *pte | nx);
            continue;
        }
        set_pte(pte, make_pte(((uint64_t)pfn << PAGE_SHIFT) | lowmem_flags(pfn) | _PAGE_PRESENT));
    }
    leave_lazy_mmu();
    return 0;
}

/* Maps low memory 2 MB at a time and hands each newly mapped piece to the allocator right
 * away: on a PV hypervisor only the bootstrap region is mapped at entry, so the page tables for
 * the rest must come from memory mapped just before. */
static int map_lowmem_growing(pud_t *pgd, const struct memmap *m, uint32_t end_pfn)
{
    for (uint32_t s = 0; s < end_pfn; s += PTRS_PER_TABLE) {
        uint32_t e = s + PTRS_PER_TABLE < end_pfn ? s + PTRS_PER_TABLE : end_pfn;
        if (paging_map_lowmem(pgd, s, e))
            return -1;
        /* Read the mapping back before trusting it: a hypervisor may refuse updates (an error
         * it reported already); RAM that is not really mapped must never reach the allocator. */
        uint32_t first_va = PAGE_OFFSET + (s << PAGE_SHIFT), last_va = PAGE_OFFSET + ((e - 1) << PAGE_SHIFT);
        if (!(paging_lookup(pgd, first_va) & _PAGE_PRESENT) || !(paging_lookup(pgd, last_va) & _PAGE_PRESENT)) {
            printk(KERN_ERR "paging: low memory could not be mapped from pfn 0x%x on; using less\n", s);
            lowmem_end_pfn = s;
            return 0;
        }
        mem_add_mapped(m, s, e);
    }
    return 0;
}

int paging_init(const struct memmap *m, uint32_t end_pfn)
{
    uint32_t a, b, c, d;
    cpuid(0x80000000, &a, &b, &c, &d);
    if (a >= 0x80000001) {
        cpuid(0x80000001, &a, &b, &c, &d);
        nx_enabled = (d >> 20) & 1;
    }
    if (m->keep_boot_tables) {
        kernel_pgd = phys_to_virt(read_cr3());
        return map_lowmem_growing(kernel_pgd, m, end_pfn);
    }
    uint32_t pfn;
    if (alloc_zeroed_page(&pfn))
        return -1;
    alloc_pt(pfn, 3);
    pud_t *pgd = pfn_to_virt(pfn);
    if (map_lowmem_growing(pgd, m, end_pfn))
        return -1;
    pin_pgd(pfn);
    write_cr3(pfn << PAGE_SHIFT);
    kernel_pgd = pgd;
    return 0;
}

pud_t *paging_new_address_space(void)
{
    uint32_t pgd_pfn, pd_pfn;
    if (alloc_zeroed_page(&pgd_pfn))
        return 0;
    if (alloc_zeroed_page(&pd_pfn)) {
        free_page(pgd_pfn);
        return 0;
    }
    /* The kernel half: a private copy of the kernel PD (PV hypervisors require the PD in
     * slot 3 to belong to one PDPT only), up to the hypervisor's slots, which it fills itself. */
    pmd_t *kpd = pfn_to_virt(entry_pfn(kernel_pgd[3]));
    pmd_t *pd = pfn_to_virt(pd_pfn);
    memcpy(pd, kpd, HOLE_PD_INDEX * sizeof(pmd_t));
    alloc_pt(pd_pfn, 2);
    pud_t *pgd = pfn_to_virt(pgd_pfn);
    set_pud(&pgd[3], make_pte(((uint64_t)pd_pfn << PAGE_SHIFT) | PDPT_ENTRY_FLAGS));
    alloc_pt(pgd_pfn, 3);
    return pgd;
}

void paging_free_address_space(pud_t *pgd)
{
    uint32_t pgd_pfn = virt_to_pfn(pgd);
    unpin_pgd(pgd_pfn);
    release_pt(pgd_pfn, 3);
    /* User slots 0..2: free every table below them (the pages they map are the caller's). */
    for (unsigned i = 0; i < 3; i++) {
        if (!(pgd[i] & _PAGE_PRESENT))
            continue;
        uint32_t pd_pfn = entry_pfn(pgd[i]);
        pmd_t *pd = pfn_to_virt(pd_pfn);
        for (unsigned j = 0; j < PTRS_PER_TABLE; j++) {
            if ((pd[j] & _PAGE_PRESENT) && !(pd[j] & _PAGE_PSE)) {
                uint32_t pt_pfn = entry_pfn(pd[j]);
                release_pt(pt_pfn, 1);
                free_page(pt_pfn);
            }
        }
        release_pt(pd_pfn, 2);
        free_page(pd_pfn);
    }
    uint32_t kpd_pfn = entry_pfn(pgd[3]);
    release_pt(kpd_pfn, 2);
    free_page(kpd_pfn);
    free_page(pgd_pfn);
}
