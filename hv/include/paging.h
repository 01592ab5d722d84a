/* Moat's own page tables (see memlayout.h for the map).
 *
 * moat_l1[] is one flat array of PAE PTEs covering HV_VIRT_START..4 GB; the master L2 under
 * L3 slot 3 points its entries MOAT_L2_FIRST_SLOT..511 at it. Changing a Moat mapping is one
 * PTE write (moat_map/moat_unmap) and is seen in every address space, because every guest L2
 * for slot 3 carries the same 84 entries (moat_l2_slot3_install). */
#ifndef MOAT_PAGING_H
#define MOAT_PAGING_H
#include <stdint.h>
#include "frame.h"
#include "x86.h"
#include "pagetype.h"   /* PTE_* bits (shared with the page-type code) */

struct boot_info;

extern int cpu_has_nx, cpu_has_pge;
extern uint64_t pte_nx;     /* PTE_NX if the CPU has NX (EFER.NXE on), else 0 */
extern uint64_t pte_global; /* PTE_G if the CPU has PGE (CR4.PGE on), else 0 */

/* Builds the final tables (direct map of RAM below 112 MB with per-section permissions, master
 * L2, idle L3), switches CR3 to them and drops the boot identity map. */
void paging_init(const struct boot_info *bi);

/* Maps/unmaps one 4 KB page inside Moat's area. flags: PTE_* bits besides P (added). */
void moat_map(uint32_t va, mfn_t mfn, uint64_t flags);
void moat_unmap(uint32_t va);
uint64_t *moat_pte(uint32_t va);

/* Writes Moat's entries (slots MOAT_L2_FIRST_SLOT..511) into a guest's slot-3 L2. */
void moat_l2_slot3_install(uint64_t *l2);
/* The same entries, read-only, for validators that compare. */
const uint64_t *moat_l2_master(void);

uint32_t idle_cr3(void);    /* Moat's own address space: nothing below HV_VIRT_START */
#endif
