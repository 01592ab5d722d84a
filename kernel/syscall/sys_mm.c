/* Memory system calls: brk, mmap2/mmap, munmap, mprotect, madvise, msync.
 *
 * Pages are allocated on first touch, so a mapping larger than the free memory could only
 * fail later, in a page fault, by killing the process. To keep "out of memory" a failing
 * call instead, a private writable mapping (or a brk extension) bigger than the free pages
 * is refused with -ENOMEM up front. */
#include <stdint.h>
#include "syscalls.h"
#include "mm.h"
#include "proc.h"
#include "uaccess.h"
#include "vfs.h"
#include "vm.h"

static uint32_t prot_to_vma(uint32_t prot)
{
    return (prot & PROT_READ ? VMA_READ : 0) | (prot & PROT_WRITE ? VMA_WRITE : 0) |
           (prot & PROT_EXEC ? VMA_EXEC : 0);
}

static int fits_in_memory(uint32_t len) { return (len >> PAGE_SHIFT) + 64 <= vm_free_pages(); }

SYSCALL(brk)
{
    struct mm *mm = current->mm;
    uint32_t want = a0;
    if (want < mm->brk_start || want > USER_STACK_TOP - USER_STACK_MAX)
        return mm->brk;
    uint32_t old_end = PAGE_ALIGN_UP(mm->brk), new_end = PAGE_ALIGN_UP(want);
    if (new_end > old_end) {
        if (!fits_in_memory(new_end - old_end))
            return mm->brk;
        for (uint32_t a = old_end; a < new_end; a += PAGE_SIZE)
            if (vm_find(mm, a))
                return mm->brk; /* would run into another mapping */
        if (vm_map(mm, old_end, new_end, VMA_READ | VMA_WRITE, 0, 0, 0))
            return mm->brk;
    } else if (new_end < old_end) {
        vm_unmap(mm, new_end, old_end);
    }
    mm->brk = want;
    return mm->brk;
}

static long do_mmap(uint32_t addr, uint32_t len, uint32_t prot, uint32_t flags, int fd, uint64_t off)
{
    struct mm *mm = current->mm;
    if (!len)
        return -EINVAL;
    uint32_t type = flags & MAP_TYPE;
    if (type != MAP_PRIVATE && type != MAP_SHARED && type != 3 /* SHARED_VALIDATE */)
        return -EINVAL;
    if (off & (PAGE_SIZE - 1))
        return -EINVAL;
    uint32_t plen = PAGE_ALIGN_UP(len);
    if (plen < len || plen == 0)
        return -ENOMEM;
    struct inode *ip = 0;
    if (!(flags & MAP_ANONYMOUS)) {
        struct file *f = fd_get(fd);
        if (!f)
            return -EBADF;
        if (!f->ip || !S_ISTYPE(f->ip->mode, S_IFREG) || f->ip->fops || f->ip->generate) {
            if (f->ip && f->ip->fops && !f->ip->generate && (f->ip->rdev == ((1u << 8) | 5)))
                ip = 0; /* /dev/zero: an anonymous mapping */
            else
                return -ENODEV;
        } else {
            ip = f->ip;
            if ((f->flags & O_ACCMODE) == O_WRONLY)
                return -EACCES;
            if (type != MAP_PRIVATE && (prot & PROT_WRITE) && (f->flags & O_ACCMODE) != O_RDWR)
                return -EACCES;
        }
        if (off + plen > 0xffffffffull)
            return -EINVAL;
    }
    if (type == MAP_PRIVATE && (prot & PROT_WRITE) && !fits_in_memory(plen))
        return -ENOMEM;
    uint32_t start;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        if (addr & (PAGE_SIZE - 1))
            return -EINVAL;
        if (addr < USER_MIN || addr >= USER_TOP || plen > USER_TOP - addr)
            return -ENOMEM;
        start = addr;
        if (flags & MAP_FIXED_NOREPLACE) {
            for (struct vma *v = mm->vmas; v; v = v->next)
                if (v->start < start + plen && v->end > start)
                    return -EEXIST;
        } else {
            int r = vm_unmap(mm, start, start + plen);
            if (r)
                return r;
        }
    } else {
        start = 0;
        /* A hint is honoured when that range is free. */
        if (addr && !(addr & (PAGE_SIZE - 1)) && addr >= USER_MIN && plen <= USER_STACK_TOP - USER_STACK_MAX - addr)
            start = vm_find_gap(mm, addr, plen) == addr ? addr : 0;
        if (!start)
            start = vm_find_gap(mm, MMAP_BASE, plen);
        if (!start)
            return -ENOMEM;
    }
    uint32_t vprot = prot_to_vma(prot) | (type != MAP_PRIVATE ? VMA_SHARED : 0);
    uint32_t file_end = 0;
    struct inode *anon = 0;
    if (!ip && (vprot & VMA_SHARED)) {
        /* Shared anonymous memory is an unnamed tmpfs file: pages first touched after a fork
         * are then shared too, not just those present at fork time. */
        anon = inode_new(S_IFREG | 0600);
        if (!anon)
            return -ENOMEM;
        anon->size = plen;
        ip = anon;
        off = 0;
    }
    if (ip) {
        uint64_t avail = ip->size > off ? ip->size - off : 0;
        file_end = start + (avail < plen ? (uint32_t)avail : plen);
        if (vprot & VMA_SHARED)
            file_end = start + plen; /* shared: pages are the file's own */
    }
    int r = vm_map(mm, start, start + plen, vprot, ip, (uint32_t)off, file_end);
    if (anon)
        iput(anon); /* the mapping holds its own reference */
    return r ? r : (long)start;
}

SYSCALL(mmap2) { return do_mmap(a0, a1, a2, a3, (int)a4, (uint64_t)a5 << PAGE_SHIFT); }

SYSCALL(old_mmap)
{
    uint32_t args[6];
    if (copy_from_user(args, a0, sizeof args))
        return -EFAULT;
    return do_mmap(args[0], args[1], args[2], args[3], (int)args[4], args[5]);
}

SYSCALL(munmap)
{
    if (a0 & (PAGE_SIZE - 1) || !a1)
        return -EINVAL;
    uint32_t len = PAGE_ALIGN_UP(a1);
    if (a0 >= USER_TOP || len > USER_TOP - a0 || len < a1)
        return -EINVAL;
    return vm_unmap(current->mm, a0, a0 + len);
}

SYSCALL(mprotect)
{
    if (a0 & (PAGE_SIZE - 1))
        return -EINVAL;
    if (a2 & ~(uint32_t)(PROT_READ | PROT_WRITE | PROT_EXEC | 0x01000000 | 0x02000000))
        return -EINVAL;
    if (!a1)
        return 0;
    uint32_t len = PAGE_ALIGN_UP(a1);
    if (a0 >= USER_TOP || len > USER_TOP - a0 || len < a1)
        return -ENOMEM;
    struct mm *mm = current->mm;
    /* Shared file mappings opened read-only cannot become writable: checked per region. */
    for (uint32_t a = a0; a < a0 + len;) {
        struct vma *v = vm_find(mm, a);
        if (!v)
            return -ENOMEM;
        a = v->end;
    }
    return vm_protect(mm, a0, a0 + len, prot_to_vma(a2));
}

SYSCALL(madvise) { return (a0 & (PAGE_SIZE - 1)) ? -EINVAL : 0; }
SYSCALL(msync) { return (a0 & (PAGE_SIZE - 1)) ? -EINVAL : 0; }
