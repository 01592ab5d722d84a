/* Kernel memory: the physical page allocator instance and the kernel page tables. */
#ifndef KERNEL_KMEM_H
#define KERNEL_KMEM_H
#include <stdint.h>
#include "page_alloc.h"
#include "memmap.h"
#include "pv/pvops.h"

#define _PAGE_PRESENT 0x001ull
#define _PAGE_RW 0x002ull
#define _PAGE_USER 0x004ull
#define _PAGE_ACCESSED 0x020ull
#define _PAGE_DIRTY 0x040ull
#define _PAGE_PSE 0x080ull
#define _PAGE_NX (1ull << 63)
#define PTE_FRAME_MASK 0x000ffffffffff000ull
#define PTRS_PER_TABLE 512

extern struct page_alloc phys_pages;
extern uint32_t lowmem_end_pfn; /* low memory [0, lowmem_end_pfn) is mapped at PAGE_OFFSET */
extern int nx_enabled;

/* Sets up the allocator from the boot memory map (mem_limit in bytes, 0 = none). */
void mem_init(const struct memmap *m, uint32_t mem_limit);
/* Adds the usable RAM inside [start, end) once it is mapped (reservations still win). */
void mem_add_mapped(const struct memmap *m, uint32_t start_pfn, uint32_t end_pfn);
/* One zeroed page: returns 0 and its pfn, or -1 when memory is exhausted. */
int alloc_zeroed_page(uint32_t *pfn);
void free_page(uint32_t pfn);

/* Page tables. kernel_pgd: the PDPT in use for the kernel's address space. */
extern pud_t *kernel_pgd;
/* Maps low memory [start, end) at PAGE_OFFSET in pgd, keeping entries that already exist. */
int paging_map_lowmem(pud_t *pgd, uint32_t start_pfn, uint32_t end_pfn);
/* Builds the kernel address space mapping low memory [0, end_pfn): fresh tables natively, or
 * (m->keep_boot_tables) the hypervisor's initial tables extended in place. Adds RAM to the
 * allocator as it gets mapped. */
int paging_init(const struct memmap *m, uint32_t end_pfn);
/* Maps one page (va -> pfn with flags), allocating intermediate tables. 0 or -1. */
int paging_map(pud_t *pgd, uint32_t va, uint32_t pfn, uint64_t flags);
void paging_unmap(pud_t *pgd, uint32_t va);
/* The pfn-based PTE for va, or 0 if not mapped (2 MB mappings are reported as such). */
uint64_t paging_lookup(pud_t *pgd, uint32_t va);
/* paging_lookup(pgd, va), and *next = where a page-by-page walk must look next: the next page
 * after va whose PTE in the same table is present (or that table's end), or, when no page table
 * covers va, the start of the next PD (2 MB) or PDPT (1 GB) region: every page skipped is
 * unmapped at the time of the call (0xFFFFF000 if that would wrap). Range walks (fork, munmap,
 * mprotect, exit) use it so a hole costs one lookup, not one per page; their loop bodies
 * change only va's own entry, so the skipped pages stay unmapped. */
uint64_t paging_lookup_skip(pud_t *pgd, uint32_t va, uint32_t *next);
/* A new address space sharing the kernel half (slot 3 copied, user slots empty). */
pud_t *paging_new_address_space(void);
/* Frees an address space made by paging_new_address_space and every user table below it. */
void paging_free_address_space(pud_t *pgd);

#endif
