/* Moat's virtual memory layout: the top 168 MB of every address space.
 *
 * Everything Moat needs lives between HYPERVISOR_VIRT_START (0xF5800000) and 4 GB, i.e. in
 * entries 428..511 of the PAE L2 under L3 slot 3. Those 84 L2 entries point at Moat's own L1
 * tables (one flat array, moat_l1[], covering the whole area), so Moat changes a mapping by
 * writing one PTE and every address space sees it: a guest's slot-3 L2 carries a copy of the
 * 84 master entries (moat_l2_slot3_install) and the guest can never change them.
 *
 *   virtual range            size   L2 slots  what
 *   0xF5800000-0xF67FFFFF   16 MB   428-435   RO_MPT: machine-to-phys table, read-only, and
 *                                             visible to the guest (== MACH2PHYS_VIRT_START..END)
 *   0xF6800000-0xF77FFFFF   16 MB   436-443   RDWR_MPT: the same frames, writable, ring 0 only
 *   0xF7800000-0xF87FFFFF   16 MB   444-451   FRAMETABLE: struct frame[mfn] (12 bytes each)
 *   0xF8800000-0xF8BFFFFF    4 MB   452-453   MAPCACHE: 16 temporary slots per CPU (frame_map)
 *   0xF8C00000-0xF8FFFFFF    4 MB   454-455   GDT_AREA: 64 KB (16 pages) per vcpu; pages 0-13
 *                                             the guest's GDT frames (set_gdt), 14-15 Moat's
 *                                             reserved entries (the per-CPU GDT frames)
 *   0xF9000000-0xFFFFFFFF  112 MB   456-511   DIRECTMAP: machine memory 0..112 MB at
 *                                             0xF9000000 + paddr. Moat's image is linked here
 *                                             (paddr 1 MB -> 0xF9100000), its stacks and data
 *                                             are in the image, its heap is low frames used
 *                                             through this map.
 *
 * Protection: RO_MPT is US=1, RW=0 (read-only for every ring, CR0.WP makes that binding for
 * ring 0/1 too); everything else is US=0 (ring 3 cannot touch it) and kept out of ring 1's
 * reach by the segment limits (GUEST_SEGMENT_END). Data is NX, only Moat's text is executable.
 *
 * Segment limits: Xen x86_32 let guest segments reach RO_MPT_VIRT_END so that ring 1 can read
 * the m2p through DS; Moat's brief (issue 3) ends every ring-1/ring-3 segment below
 * HYPERVISOR_VIRT_START. Under QEMU TCG (no limit checks on data accesses) the two are
 * indistinguishable; the choice is this one constant. */
#ifndef MOAT_MEMLAYOUT_H
#define MOAT_MEMLAYOUT_H

#define HV_VIRT_START      0xF5800000u  /* == HYPERVISOR_VIRT_START (checked in paging.c) */

#define RO_MPT_START       0xF5800000u
#define RO_MPT_END         0xF6800000u
#define RDWR_MPT_START     0xF6800000u
#define RDWR_MPT_END       0xF7800000u
#define FRAMETABLE_START   0xF7800000u
#define FRAMETABLE_END     0xF8800000u
#define MAPCACHE_START     0xF8800000u
#define MAPCACHE_END       0xF8C00000u
#define GDT_AREA_START     0xF8C00000u
#define GDT_AREA_END       0xF9000000u
#define DIRECTMAP_START    0xF9000000u
#define DIRECTMAP_SIZE     0x07000000u  /* 112 MB: up to the top of the address space */

#define GDT_AREA_PER_VCPU  0x10000u      /* 16 pages = the whole 8192-entry GDT */
#define GDT_AREA_VCPUS     ((GDT_AREA_END - GDT_AREA_START) / GDT_AREA_PER_VCPU)  /* 64 */

#define MOAT_L2_FIRST_SLOT 428u  /* (HV_VIRT_START - 0xC0000000) >> 21; same text as pagetype.h */
#define MOAT_L2_SLOTS      (512 - MOAT_L2_FIRST_SLOT)                /* 84 */
#define MOAT_L1_ENTRIES    (MOAT_L2_SLOTS * 512)                     /* 43008 */

/* Every ring-1 and ring-3 descriptor ends below this (4 KB granular limit 0xF57FF). */
#define GUEST_SEGMENT_END  HV_VIRT_START
#define GUEST_SEGMENT_LIMIT_PAGES ((GUEST_SEGMENT_END >> 12) - 1)   /* 0xF57FF */

#define MOAT_PHYS_LOAD     0x00100000u   /* where the multiboot loader puts the image */
#define MOAT_STACK_SIZE    0x4000u       /* per-CPU stack, aligned to its size */
#define MOAT_MAX_CPUS      8

#ifndef __ASSEMBLY__
#include <stdint.h>
static inline void *dm_va(uint32_t paddr) { return (void *)(DIRECTMAP_START + paddr); }
static inline uint32_t dm_pa(const void *va) { return (uint32_t)va - DIRECTMAP_START; }
static inline int dm_reachable(uint64_t paddr, uint64_t len)
{
    return paddr + len >= paddr && paddr + len <= DIRECTMAP_SIZE;
}
#endif
#endif
