/* User address spaces: a page-table root plus a sorted list of regions (vmas). Pages are
 * populated on demand by the #PF handler, shared copy-on-write after fork, and file-backed
 * private mappings start out sharing the in-memory file's own pages read-only.
 *
 * Invariants:
 *  - vmas are page-aligned, sorted, never overlap, and lie in [USER_MIN, USER_TOP).
 *  - Every user PTE maps a page whose vm_page_ref count includes that PTE. A page is freed
 *    exactly when its count drops to zero (the tmpfs file that owns a page holds one too).
 *  - A writable PTE maps a page nobody else references (count 1) or a MAP_SHARED page; a
 *    private page with count > 1 is mapped read-only and copied on the first write.
 *  - Page-table entries change only through the mmu pv-ops (paging_map/paging_unmap). */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H
#include <stdint.h>
#include "pv/pvops.h"

#define USER_MIN 0x00001000u
#define USER_STACK_TOP 0xC0000000u
#define USER_STACK_MAX (8u << 20)
#define MMAP_BASE 0x40000000u

struct inode;

#define VMA_READ 1u
#define VMA_WRITE 2u
#define VMA_EXEC 4u
#define VMA_SHARED 8u

struct vma {
    struct vma *next;
    uint32_t start, end; /* [start, end) */
    uint32_t prot;       /* VMA_* */
    struct inode *file;  /* 0: anonymous */
    uint32_t file_off;   /* file offset of `start` (page-aligned) */
    uint32_t file_end;   /* vaddr where file data ends (bytes after it in the page are zero) */
};

struct mm {
    pud_t *pgd;
    struct vma *vmas;
    uint32_t brk_start, brk;
    int users; /* tasks using it (vfork shares) */
};

struct mm *vm_mm_new(void);
void vm_mm_put(struct mm *mm);              /* drops one user; frees everything at zero */
struct mm *vm_mm_fork(struct mm *parent);   /* copy-on-write duplicate, 0 on ENOMEM */
struct vma *vm_find(struct mm *mm, uint32_t addr);
/* Adds a region (must not overlap). 0 or -ENOMEM/-EINVAL. */
int vm_map(struct mm *mm, uint32_t start, uint32_t end, uint32_t prot, struct inode *file,
           uint32_t file_off, uint32_t file_end);
int vm_unmap(struct mm *mm, uint32_t start, uint32_t end);
int vm_protect(struct mm *mm, uint32_t start, uint32_t end, uint32_t prot);
/* A free gap of len bytes at or above hint, or 0. */
uint32_t vm_find_gap(struct mm *mm, uint32_t hint, uint32_t len);
/* Resolves a fault at addr: 0 (mapped now), -EFAULT (no such access allowed), -ENOMEM. */
int vm_fault(struct mm *mm, uint32_t addr, int write);
/* Is [addr, addr+len) covered by regions allowing the access? */
int vm_access_ok(struct mm *mm, uint32_t addr, uint32_t len, int write);
void vm_activate(struct mm *mm); /* loads its page tables */
void vm_init(void);              /* #PF handler, page references */

/* Page reference counts for user-visible pages (file pages included). */
void vm_page_get(uint32_t pfn);
void vm_page_put(uint32_t pfn);
uint32_t vm_page_refs(uint32_t pfn);
uint32_t vm_free_pages(void);
#endif
