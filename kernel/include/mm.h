/* The kernel's view of memory: one place for every physical<->virtual conversion.
 *
 * Invariants:
 *  - Kernel virtual = "physical" + PAGE_OFFSET, natively and on Xen/Moat alike. On a PV
 *    hypervisor "physical" means pseudo-physical (pfn space); machine frames appear only inside
 *    the mmu pv-ops (make_pte / pte_val), never in generic code.
 *  - Low memory is mapped linearly at PAGE_OFFSET up to LOWMEM_LIMIT, which stays below the
 *    hypervisor hole (HYPERVISOR_VIRT_START with PAE) so the same layout works on every backend. */
#ifndef KERNEL_MM_H
#define KERNEL_MM_H
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1u << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_OFFSET 0xC0000000u
#define HYPERVISOR_HOLE_START 0xF5800000u /* == HYPERVISOR_VIRT_START for x86_32 PAE */
/* Keep 8 MB below the hole free for fixed mappings / later vmalloc-style use. */
#define LOWMEM_LIMIT (HYPERVISOR_HOLE_START - PAGE_OFFSET - 0x800000u)
#define LOWMEM_LIMIT_PFN (LOWMEM_LIMIT >> PAGE_SHIFT)

/* The 8 MB between the end of low memory and the hole: for temporary kernel mappings. */
#define FIXMAP_START (PAGE_OFFSET + LOWMEM_LIMIT)
#define FIXMAP_END HYPERVISOR_HOLE_START

#define PAGE_ALIGN_UP(x) (((x) + PAGE_SIZE - 1) & PAGE_MASK)

static inline void *phys_to_virt(uint32_t pa) { return (void *)(uintptr_t)(pa + PAGE_OFFSET); }
static inline uint32_t virt_to_phys(const void *va) { return (uint32_t)(uintptr_t)va - PAGE_OFFSET; }
static inline void *pfn_to_virt(uint32_t pfn) { return phys_to_virt(pfn << PAGE_SHIFT); }
static inline uint32_t virt_to_pfn(const void *va) { return virt_to_phys(va) >> PAGE_SHIFT; }

/* Linker-script symbols (virtual addresses). */
extern char _text[], _etext[], _end[], __bss_start[], __bss_end[];

#endif
