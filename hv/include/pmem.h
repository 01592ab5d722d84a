/* Machine-frame allocator over the frame table.
 *
 * Invariants:
 *   - a frame is handed out only if its frame_table entry says FRAME_OWNER_FREE; frames of
 *     Moat's image, of the multiboot modules, below 1 MB (BIOS, loader data) and every frame
 *     that is not RAM in the multiboot memory map are never FREE;
 *   - every frame handed out is zeroed first (no data leaks from Moat or another domain) and
 *     carries one general reference (count = 1: the allocation itself);
 *   - Moat uses machine memory below 4 GB only (PAE CR3 is 32 bits wide, so every frame can
 *     be a guest's L3; that is what makes XENFEAT_pae_pgdir_above_4gb true). */
#ifndef MOAT_PMEM_H
#define MOAT_PMEM_H
#include <stdint.h>
#include "frame.h"

#define INVALID_MFN 0xFFFFFFFFu
#define M2P_INVALID 0xFFFFFFFFu   /* m2p entry of a frame no domain owns as a pfn */

#define FRAME_ALLOC_LOW  0x1u     /* reachable through the direct map (Moat heap) */
#define FRAME_ALLOC_HIGH 0x2u     /* take the highest free frame (domain memory) */

struct boot_info;
void frame_table_init(const struct boot_info *bi);
mfn_t frame_alloc(uint16_t owner, unsigned flags);
void frame_free(mfn_t mfn);
uint32_t frames_free(void);
/* After the domain builder: frames of the multiboot modules in [start, end) go back to the
 * pool (never the image, the low 1 MB or the frame/m2p tables). Returns how many. */
uint32_t frame_release_boot_range(uint64_t start, uint64_t end);
uint32_t frames_total_ram(void);
static inline int mfn_valid(mfn_t mfn) { return mfn < frame_table_size; }

/* Moat heap: one zeroed low frame owned by Moat, as a direct-map pointer (NULL if none). */
void *heap_alloc_page(void);

/* The machine-to-phys table (RDWR_MPT alias; the guest reads it at MACH2PHYS_VIRT_START). */
void m2p_set(mfn_t mfn, uint32_t pfn);
uint32_t m2p_get(mfn_t mfn);
#endif
