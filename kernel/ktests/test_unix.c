/* In-kernel tests of the Unix layer's memory machinery (issue 8): copy-on-write address
 * spaces and tmpfs file data, each checked for leaks against the free-page count. */
#include <stdint.h>
#include <lib/string.h>
#include "ktest.h"
#include "kheap.h"
#include "kmem.h"
#include "mm.h"
#include "vfs.h"
#include "vm.h"

#define VA 0x10000000u

static uint32_t frame_of(struct mm *mm, uint32_t va)
{
    return (uint32_t)((paging_lookup(mm->pgd, va) & PTE_FRAME_MASK) >> PAGE_SHIFT);
}

/* The heap keeps the pages it carved (kheap.h): touch the size classes a test uses first, so
 * the free-page count before and after measures only what the test itself leaked. */
static void warm_heap(size_t a, size_t b)
{
    kfree(kmalloc(a));
    kfree(kmalloc(b));
}

KERNEL_TEST(vm_fork_is_copy_on_write)
{
    warm_heap(sizeof(struct mm), sizeof(struct vma));
    uint32_t before = page_alloc_nr_free(&phys_pages);
    struct mm *a = vm_mm_new();
    KT_ASSERT(a != 0);
    KT_ASSERT_EQ(vm_map(a, VA, VA + 2 * PAGE_SIZE, VMA_READ | VMA_WRITE, 0, 0, 0), 0);
    KT_ASSERT_EQ(vm_fault(a, VA + 8, 2 /* write */), 0);   /* demand-zero page */
    uint32_t pfn = frame_of(a, VA);
    KT_ASSERT(paging_lookup(a->pgd, VA) & _PAGE_RW);
    ((volatile uint32_t *)pfn_to_virt(pfn))[2] = 0x1234;
    KT_ASSERT_EQ(paging_lookup(a->pgd, VA + PAGE_SIZE) & _PAGE_PRESENT, 0); /* untouched */

    struct mm *b = vm_mm_fork(a);
    KT_ASSERT(b != 0);
    int ok = KT_CHECK(frame_of(b, VA) == pfn);                       /* shared ... */
    ok = ok && KT_CHECK(vm_page_refs(pfn) == 2);
    ok = ok && KT_CHECK(!(paging_lookup(a->pgd, VA) & _PAGE_RW));    /* ... read-only in both */
    ok = ok && KT_CHECK(!(paging_lookup(b->pgd, VA) & _PAGE_RW));
    ok = ok && KT_CHECK(vm_fault(b, VA, 2) == 0);                    /* child writes: copy */
    uint32_t copy = frame_of(b, VA);
    ok = ok && KT_CHECK(copy != pfn);
    ok = ok && KT_CHECK(((volatile uint32_t *)pfn_to_virt(copy))[2] == 0x1234);
    ok = ok && KT_CHECK(vm_page_refs(pfn) == 1 && vm_page_refs(copy) == 1);
    ok = ok && KT_CHECK(vm_fault(a, VA, 2) == 0);                    /* parent: sole owner now */
    ok = ok && KT_CHECK(frame_of(a, VA) == pfn && (paging_lookup(a->pgd, VA) & _PAGE_RW));
    ok = ok && KT_CHECK(vm_fault(a, VA + 3 * PAGE_SIZE, 0) == -EFAULT); /* outside any region */
    ok = ok && KT_CHECK(vm_protect(a, VA, VA + PAGE_SIZE, VMA_READ) == 0);
    ok = ok && KT_CHECK(vm_fault(a, VA, 2) == -EFAULT);              /* now read-only */
    ok = ok && KT_CHECK(!(paging_lookup(a->pgd, VA) & _PAGE_RW));
    vm_mm_put(b);
    vm_mm_put(a);
    KT_ASSERT(ok);
    KT_ASSERT_EQ(page_alloc_nr_free(&phys_pages), before); /* every page came back */
}

KERNEL_TEST(tmpfs_file_data)
{
    warm_heap(sizeof(struct inode), sizeof(struct inode));
    uint32_t before = page_alloc_nr_free(&phys_pages);
    struct inode *ip = inode_new(S_IFREG | 0644);
    KT_ASSERT(ip != 0);
    static const char msg[] = "moat tmpfs";
    int ok = KT_CHECK(tmpfs_write(ip, 3 * PAGE_SIZE - 4, msg, sizeof msg, 0) == (long)sizeof msg);
    ok = ok && KT_CHECK(ip->size == 3 * PAGE_SIZE - 4 + sizeof msg);
    char buf[16];
    memset(buf, 'x', sizeof buf);
    ok = ok && KT_CHECK(tmpfs_read(ip, 3 * PAGE_SIZE - 4, buf, sizeof buf) == (long)sizeof msg);
    ok = ok && KT_CHECK(memcmp(buf, msg, sizeof msg) == 0);          /* across a page boundary */
    ok = ok && KT_CHECK(tmpfs_read(ip, 100, buf, 4) == 4);
    ok = ok && KT_CHECK(buf[0] == 0 && buf[3] == 0);                  /* a hole reads zeros */
    ok = ok && KT_CHECK(tmpfs_page(ip, 0, 0) == 0);                   /* and has no page */
    ok = ok && KT_CHECK(tmpfs_truncate(ip, 5) == 0 && ip->size == 5);
    ok = ok && KT_CHECK(tmpfs_truncate(ip, 3 * PAGE_SIZE) == 0);
    ok = ok && KT_CHECK(tmpfs_read(ip, 3 * PAGE_SIZE - 4, buf, 4) == 4 && buf[0] == 0);
    iput(ip); /* no name, no reference: freed with its pages */
    KT_ASSERT(ok);
    KT_ASSERT_EQ(page_alloc_nr_free(&phys_pages), before);
}

/* Name resolution on a private tree (the real root is not set up yet when ktests run). */
static struct inode *mk(struct inode *dir, const char *name, uint32_t mode, const char *target)
{
    struct inode *ip = inode_new(mode);
    if (!ip)
        return 0;
    if (target) {
        ip->target = kmalloc(strlen(target) + 1);
        if (ip->target)
            memcpy(ip->target, target, strlen(target) + 1);
    }
    if (dir_link(dir, name, ip)) {
        iput(ip);
        return 0;
    }
    if (S_ISTYPE(mode, S_IFDIR))
        ip->nlink++;
    iput(ip); /* kept alive by its name */
    return ip;
}

static int lookup(const char *path, int flags, struct inode **out)
{
    struct inode *ip = 0;
    int r = namei(0, path, flags, &ip);
    if (!r) {
        *out = ip;
        iput(ip); /* the tree holds it; the test only compares pointers */
    }
    return r;
}

KERNEL_TEST(path_lookup_symlinks_dotdot_errors)
{
    struct inode *saved = vfs_root;
    struct inode *root = inode_new(S_IFDIR | 0755);
    KT_ASSERT(root != 0);
    root->nlink = 2;
    root->parent = root;
    vfs_root = root;
    struct inode *a = mk(root, "a", S_IFDIR | 0755, 0);
    struct inode *b = a ? mk(a, "b", S_IFDIR | 0755, 0) : 0;
    struct inode *f = a ? mk(a, "f", S_IFREG | 0644, 0) : 0;
    struct inode *l = mk(root, "l", S_IFLNK | 0777, "a/b");
    struct inode *loop = mk(root, "loop", S_IFLNK | 0777, "/loop");
    struct inode *got = 0;
    int ok = KT_CHECK(a && b && f && l && loop);
    ok = ok && KT_CHECK(lookup("/a//b/", LOOKUP_FOLLOW, &got) == 0 && got == b);
    ok = ok && KT_CHECK(lookup("/l", LOOKUP_FOLLOW, &got) == 0 && got == b);
    ok = ok && KT_CHECK(lookup("/l", 0, &got) == 0 && got == l);        /* lstat-like */
    ok = ok && KT_CHECK(lookup("/l/..", 0, &got) == 0 && got == a);     /* through the link */
    ok = ok && KT_CHECK(lookup("/../a/./f", 0, &got) == 0 && got == f); /* root's .. is root */
    ok = ok && KT_CHECK(lookup("/a/f/x", 0, &got) == -ENOTDIR);
    ok = ok && KT_CHECK(lookup("/a/f/", 0, &got) == -ENOTDIR);
    ok = ok && KT_CHECK(lookup("/a/nope", 0, &got) == -ENOENT);
    ok = ok && KT_CHECK(lookup("", 0, &got) == -ENOENT);
    ok = ok && KT_CHECK(lookup("/loop", LOOKUP_FOLLOW, &got) == -ELOOP);
    ok = ok && KT_CHECK(dir_unlink(root, "a", 1) == -ENOTEMPTY);
    ok = ok && KT_CHECK(dir_unlink(a, "f", 1) == -ENOTDIR);
    ok = ok && KT_CHECK(dir_unlink(a, "b", 0) == -EISDIR);
    ok = ok && KT_CHECK(dir_link(a, "f", root) == -EEXIST);
    /* tear down: every name removed, root dropped */
    if (f) dir_unlink(a, "f", 0);
    if (b) dir_unlink(a, "b", 1);
    if (a) dir_unlink(root, "a", 1);
    if (l) dir_unlink(root, "l", 0);
    if (loop) dir_unlink(root, "loop", 0);
    ok = ok && KT_CHECK(dir_empty(root));
    vfs_root = saved;
    root->nlink = 0;
    root->parent = 0;
    iput(root);
    KT_ASSERT(ok);
}
