/* User address spaces: regions, demand paging, copy-on-write, and the #PF handler.
 * See vm.h for the invariants this file keeps. */
#include <stdint.h>
#include <lib/string.h>
#include "vm.h"
#include "kheap.h"
#include "kmem.h"
#include "mm.h"
#include "printk.h"
#include "proc.h"
#include "trap.h"
#include "uaccess.h"
#include "vfs.h"
#include "vm86.h"
#include "pv/pvops.h"

#define PF_WRITE 0x2u
#define PF_USER 0x4u
#define PF_IFETCH 0x10u

static uint16_t page_ref[LOWMEM_LIMIT_PFN];

void vm_page_get(uint32_t pfn)
{
    if (pfn < LOWMEM_LIMIT_PFN)
        page_ref[pfn]++;
}

void vm_page_put(uint32_t pfn)
{
    if (pfn >= LOWMEM_LIMIT_PFN || page_ref[pfn] == 0) {
        printk(KERN_ERR "vm: put of unreferenced page 0x%x\n", pfn);
        return;
    }
    if (--page_ref[pfn] == 0)
        free_page(pfn);
}

uint32_t vm_page_refs(uint32_t pfn) { return pfn < LOWMEM_LIMIT_PFN ? page_ref[pfn] : 0; }
uint32_t vm_free_pages(void) { return page_alloc_nr_free(&phys_pages); }

static uint32_t pte_pfn(uint64_t e) { return (uint32_t)((e & PTE_FRAME_MASK) >> PAGE_SHIFT); }

/* The PTE flags for a page of v; `exclusive` says the page may be written through this PTE. */
static uint64_t pte_flags(const struct vma *v, int exclusive)
{
    uint64_t f = _PAGE_ACCESSED | _PAGE_DIRTY;
    if (v->prot & (VMA_READ | VMA_WRITE | VMA_EXEC))
        f |= _PAGE_USER; /* PROT_NONE: present for the kernel's bookkeeping, no user access */
    if ((v->prot & VMA_WRITE) && exclusive)
        f |= _PAGE_RW;
    if (nx_enabled && !(v->prot & VMA_EXEC))
        f |= _PAGE_NX;
    return f;
}

static int page_exclusive(const struct vma *v, uint32_t pfn)
{
    return (v->prot & VMA_SHARED) || vm_page_refs(pfn) == 1;
}

struct mm *vm_mm_new(void)
{
    struct mm *mm = kmalloc(sizeof *mm);
    if (!mm)
        return 0;
    mm->pgd = paging_new_address_space();
    if (!mm->pgd) {
        kfree(mm);
        return 0;
    }
    pin_pgd(virt_to_pfn(mm->pgd));
    mm->users = 1;
    return mm;
}

void vm_activate(struct mm *mm) { write_cr3(virt_to_phys(mm ? mm->pgd : kernel_pgd)); }

struct vma *vm_find(struct mm *mm, uint32_t addr)
{
    for (struct vma *v = mm->vmas; v && v->start <= addr; v = v->next)
        if (addr < v->end)
            return v;
    return 0;
}

static void vma_free(struct vma *v)
{
    if (v->file)
        iput(v->file);
    kfree(v);
}

int vm_map(struct mm *mm, uint32_t start, uint32_t end, uint32_t prot, struct inode *file,
           uint32_t file_off, uint32_t file_end)
{
    if ((start | end) & ~PAGE_MASK || start >= end || start < USER_MIN || end > USER_TOP)
        return -EINVAL;
    struct vma **pp = &mm->vmas;
    while (*pp && (*pp)->end <= start)
        pp = &(*pp)->next;
    if (*pp && (*pp)->start < end)
        return -EINVAL; /* overlap: callers unmap first */
    struct vma *v = kmalloc(sizeof *v);
    if (!v)
        return -ENOMEM;
    v->start = start;
    v->end = end;
    v->prot = prot;
    v->file = file;
    v->file_off = file_off;
    v->file_end = file_end;
    if (file)
        iget(file);
    v->next = *pp;
    *pp = v;
    return 0;
}

/* Splits v at addr (inside it): v keeps [start, addr), a new vma gets [addr, end). */
static int vma_split(struct vma *v, uint32_t addr)
{
    struct vma *n = kmalloc(sizeof *n);
    if (!n)
        return -ENOMEM;
    *n = *v;
    n->start = addr;
    n->file_off = v->file_off + (addr - v->start);
    if (n->file)
        iget(n->file);
    v->end = addr;
    v->next = n;
    return 0;
}

static void unmap_pages(struct mm *mm, uint32_t start, uint32_t end)
{
    for (uint32_t va = start, next; va < end; va = next) {
        uint64_t e = paging_lookup_skip(mm->pgd, va, &next);
        if (!(e & _PAGE_PRESENT))
            continue;
        paging_unmap(mm->pgd, va);
        vm_page_put(pte_pfn(e));
    }
}

int vm_unmap(struct mm *mm, uint32_t start, uint32_t end)
{
    if ((start & ~PAGE_MASK) || end > USER_TOP || start >= end)
        return -EINVAL;
    enter_lazy_mmu();
    struct vma **pp = &mm->vmas;
    int err = 0;
    while (*pp) {
        struct vma *v = *pp;
        if (v->end <= start) {
            pp = &v->next;
            continue;
        }
        if (v->start >= end)
            break;
        if (v->start < start) {
            if ((err = vma_split(v, start)))
                break;
            pp = &v->next;
            continue;
        }
        if (v->end > end && (err = vma_split(v, end)))
            break;
        unmap_pages(mm, v->start, v->end);
        *pp = v->next;
        vma_free(v);
    }
    leave_lazy_mmu();
    return err;
}

int vm_protect(struct mm *mm, uint32_t start, uint32_t end, uint32_t prot)
{
    if ((start & ~PAGE_MASK) || end > USER_TOP || start >= end)
        return -EINVAL;
    /* The whole range must be mapped (Linux: -ENOMEM otherwise). */
    for (uint32_t a = start; a < end;) {
        struct vma *v = vm_find(mm, a);
        if (!v)
            return -ENOMEM;
        a = v->end;
    }
    enter_lazy_mmu();
    int err = 0;
    for (struct vma *v = mm->vmas; v && v->start < end; v = v->next) {
        if (v->end <= start)
            continue;
        if (v->start < start) {
            if ((err = vma_split(v, start)))
                break;
            continue; /* the next iteration sees the upper half */
        }
        if (v->end > end && (err = vma_split(v, end)))
            break;
        v->prot = (v->prot & VMA_SHARED) | (prot & (VMA_READ | VMA_WRITE | VMA_EXEC));
        for (uint32_t va = v->start, next; va < v->end; va = next) {
            uint64_t e = paging_lookup_skip(mm->pgd, va, &next);
            if (!(e & _PAGE_PRESENT))
                continue;
            uint32_t pfn = pte_pfn(e);
            paging_map(mm->pgd, va, pfn, pte_flags(v, page_exclusive(v, pfn)));
            flush_tlb_single(va);
        }
    }
    leave_lazy_mmu();
    return err;
}

uint32_t vm_find_gap(struct mm *mm, uint32_t hint, uint32_t len)
{
    uint32_t a = hint < MMAP_BASE ? MMAP_BASE : hint;
    a = PAGE_ALIGN_UP(a);
    for (struct vma *v = mm->vmas; v; v = v->next) {
        if (v->end <= a)
            continue;
        if (v->start >= a && v->start - a >= len)
            break;
        a = v->end;
    }
    if (a + len < a || a + len > USER_STACK_TOP - USER_STACK_MAX)
        return 0;
    return a;
}

int vm_access_ok(struct mm *mm, uint32_t addr, uint32_t len, int write)
{
    if (len == 0)
        return 1;
    if (addr >= USER_TOP || len > USER_TOP - addr)
        return 0;
    uint32_t end = addr + len;
    while (addr < end) {
        struct vma *v = vm_find(mm, addr);
        if (!v || !(v->prot & (VMA_READ | VMA_WRITE | VMA_EXEC)))
            return 0;
        if (write && !(v->prot & VMA_WRITE))
            return 0;
        addr = v->end;
    }
    return 1;
}

/* A fresh page holding what v shows at va before anyone wrote to it. */
static int fill_new_page(struct vma *v, uint32_t va, uint32_t *pfn_out)
{
    uint32_t pfn;
    if (alloc_zeroed_page(&pfn))
        return -ENOMEM;
    vm_page_get(pfn);
    if (v->file && va < v->file_end) {
        uint32_t n = v->file_end - va < PAGE_SIZE ? v->file_end - va : PAGE_SIZE;
        tmpfs_read(v->file, (uint64_t)v->file_off + (va - v->start), pfn_to_virt(pfn), n);
    }
    *pfn_out = pfn;
    return 0;
}

int vm_fault(struct mm *mm, uint32_t addr, int err)
{
    struct vma *v = vm_find(mm, addr);
    int write = (err & PF_WRITE) != 0;
    if (!v || !(v->prot & (VMA_READ | VMA_WRITE | VMA_EXEC)))
        return -EFAULT;
    if (write && !(v->prot & VMA_WRITE))
        return -EFAULT;
    if ((err & PF_IFETCH) && !(v->prot & VMA_EXEC))
        return -EFAULT;
    uint32_t va = addr & PAGE_MASK;
    uint64_t e = paging_lookup(mm->pgd, va);
    if (e & _PAGE_PRESENT) {
        uint32_t pfn = pte_pfn(e);
        if (!write) {
            if (!(e & _PAGE_USER) && (err & PF_USER))
                return -EFAULT;
            flush_tlb_single(va); /* a stale translation */
            return 0;
        }
        if (e & _PAGE_RW) {
            flush_tlb_single(va);
            return 0;
        }
        if (page_exclusive(v, pfn)) {
            if (paging_map(mm->pgd, va, pfn, pte_flags(v, 1)))
                return -ENOMEM;
        } else { /* copy-on-write */
            uint32_t npfn;
            if (alloc_zeroed_page(&npfn))
                return -ENOMEM;
            vm_page_get(npfn);
            memcpy(pfn_to_virt(npfn), pfn_to_virt(pfn), PAGE_SIZE);
            if (paging_map(mm->pgd, va, npfn, pte_flags(v, 1))) {
                vm_page_put(npfn);
                return -ENOMEM;
            }
            vm_page_put(pfn);
        }
        flush_tlb_single(va);
        return 0;
    }
    /* Not present: a file page can be shared as it is when it lies wholly inside the file
     * data; anything else gets a page of its own. */
    uint32_t pfn;
    if (v->file && va + PAGE_SIZE <= v->file_end && (!write || (v->prot & VMA_SHARED))) {
        void *fp = tmpfs_page(v->file, (v->file_off + (va - v->start)) >> PAGE_SHIFT,
                              (v->prot & VMA_SHARED) != 0);
        if (fp) {
            pfn = virt_to_pfn(fp);
            vm_page_get(pfn);
            if (paging_map(mm->pgd, va, pfn, pte_flags(v, (v->prot & VMA_SHARED) != 0))) {
                vm_page_put(pfn);
                return -ENOMEM;
            }
            return 0;
        }
    }
    if (fill_new_page(v, va, &pfn))
        return -ENOMEM;
    if (paging_map(mm->pgd, va, pfn, pte_flags(v, 1))) {
        vm_page_put(pfn);
        return -ENOMEM;
    }
    return 0;
}

struct mm *vm_mm_fork(struct mm *parent)
{
    struct mm *mm = vm_mm_new();
    if (!mm)
        return 0;
    mm->brk_start = parent->brk_start;
    mm->brk = parent->brk;
    enter_lazy_mmu();
    struct vma **tail = &mm->vmas;
    for (struct vma *v = parent->vmas; v; v = v->next) {
        struct vma *n = kmalloc(sizeof *n);
        if (!n)
            goto fail;
        *n = *v;
        n->next = 0;
        if (n->file)
            iget(n->file);
        *tail = n;
        tail = &n->next;
        for (uint32_t va = v->start, next; va < v->end; va = next) {
            uint64_t e = paging_lookup_skip(parent->pgd, va, &next);
            if (!(e & _PAGE_PRESENT))
                continue;
            uint32_t pfn = pte_pfn(e);
            int shared = (v->prot & VMA_SHARED) != 0;
            if (paging_map(mm->pgd, va, pfn, pte_flags(v, shared)))
                goto fail;
            vm_page_get(pfn);
            if (!shared && (e & _PAGE_RW))
                paging_map(parent->pgd, va, pfn, pte_flags(v, 0)); /* both copy on write */
        }
    }
    leave_lazy_mmu();
    flush_tlb_user();
    return mm;
fail:
    leave_lazy_mmu();
    flush_tlb_user();
    vm_mm_put(mm);
    return 0;
}

void vm_mm_put(struct mm *mm)
{
    if (!mm || --mm->users > 0)
        return;
    enter_lazy_mmu();
    while (mm->vmas) {
        struct vma *v = mm->vmas;
        unmap_pages(mm, v->start, v->end);
        mm->vmas = v->next;
        vma_free(v);
    }
    leave_lazy_mmu();
    paging_free_address_space(mm->pgd);
    kfree(mm);
}

/* #PF: demand paging and copy-on-write for user addresses, from user mode or from the
 * uaccess routines; anything else is not ours (the default action dumps and powers off). */
static int page_fault(struct trap_frame *f)
{
    uint32_t addr = read_cr2();
    int from_user = (f->cs & 3) == 3 || vm86_mode(f); /* vm86: cs is a real-mode segment */
    if (!current || !current->mm)
        return 0;
    if (from_user) {
        int r = addr < USER_TOP ? vm_fault(current->mm, addr, f->error) : -EFAULT;
        if (r == -ENOMEM) {
            printk(KERN_ERR "out of memory: killing pid %d (%s)\n", current->pid, current->name);
            force_signal(SIGKILL); /* even pid 1: retrying the fault would never end */
        } else if (r) {
            current->fault_addr = addr;
            /* SEGV_ACCERR when a region is there but forbids the access, else SEGV_MAPERR */
            current->fault_code = addr < USER_TOP && vm_find(current->mm, addr) ? 2 : 1;
            force_signal(SIGSEGV);
        }
        return 1;
    }
    uint32_t eip = f->eip;
    if (eip >= (uint32_t)(uintptr_t)__uaccess_start && eip < (uint32_t)(uintptr_t)__uaccess_end) {
        if (addr < USER_TOP && vm_fault(current->mm, addr, f->error | PF_USER) == 0)
            return 1;
        f->eip = (uint32_t)(uintptr_t)__uaccess_fixup;
        return 1;
    }
    return 0;
}

void vm_init(void)
{
    trap_set_handler(14, page_fault);
}
