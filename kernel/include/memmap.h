/* Boot memory description shared by every entry path (multiboot natively, start_info on a PV
 * hypervisor): usable RAM ranges and reserved ranges, all in (pseudo-)physical page frames.
 * Pure logic (host-tested): building it never touches hardware. */
#ifndef KERNEL_MEMMAP_H
#define KERNEL_MEMMAP_H
#include <stdint.h>

#define MEMMAP_MAX_RANGES 32

struct pfn_range {
    uint32_t start, end; /* [start, end) */
};

struct memmap {
    struct pfn_range usable[MEMMAP_MAX_RANGES];
    unsigned nr_usable;
    struct pfn_range reserved[MEMMAP_MAX_RANGES];
    unsigned nr_reserved;
    int overflow; /* set when a range did not fit (boot reports it) */
    /* Pages at or above this pfn are not mapped when the kernel starts (a PV hypervisor maps
     * only the boot area); they join the allocator once the kernel has mapped them.
     * 0 = the boot mapping covers all low memory (native). */
    uint32_t boot_mapped_end_pfn;
    /* 1: the page tables active at entry become the kernel's address space (PV: the
     * hypervisor's pinned initial tables); 0: they are temporary and get replaced (native). */
    int keep_boot_tables;
};

/* Adds usable RAM given in bytes [addr, addr+len): rounded INWARD to whole pages, clipped to
 * limit_pfn; ranges at or above 4 GB are ignored (PAE lowmem kernel). */
void memmap_add_usable(struct memmap *m, uint64_t addr, uint64_t len, uint32_t limit_pfn);
/* Adds a reserved range given in bytes: rounded OUTWARD to whole pages. */
void memmap_add_reserved(struct memmap *m, uint64_t addr, uint64_t len);
/* Highest usable pfn + 1 (0 if none). */
uint32_t memmap_end_pfn(const struct memmap *m);
/* Total usable pages (ranges may overlap; overlaps are counted once). */
uint32_t memmap_usable_pages(const struct memmap *m);

#endif
