/* tmpfs: inodes, directories and file data in RAM (see vfs.h for the invariants). */
#include <stdint.h>
#include <lib/string.h>
#include "vfs.h"
#include "kheap.h"
#include "kmem.h"
#include "mm.h"
#include "uaccess.h"
#include "vm.h"
#include "pv/pvops.h"

struct inode *vfs_root;
static uint32_t next_ino = 1;

/* tmpfs may hold at most half of the memory free at boot (Linux's default size=50%): a full
 * filesystem is -ENOSPC for the writer, never memory the rest of the system cannot get. */
static uint32_t tmpfs_pages, tmpfs_max_pages;

void tmpfs_set_limit(uint32_t pages) { tmpfs_max_pages = pages; }
static void drop_page(void *p);
uint32_t tmpfs_pages_used(void) { return tmpfs_pages; }

static uint32_t now(void) { return get_wallclock(); }

struct inode *inode_new(uint32_t mode)
{
    struct inode *ip = kmalloc(sizeof *ip);
    if (!ip)
        return 0;
    ip->ino = next_ino++;
    ip->mode = mode;
    ip->refs = 1;
    ip->atime = ip->mtime = ip->ctime = now();
    return ip;
}

void iget(struct inode *ip) { ip->refs++; }

static void free_data(struct inode *ip)
{
    tmpfs_truncate(ip, 0);
    if (ip->pages) {
        drop_page(ip->pages);
        ip->pages = 0;
    }
}

void iput(struct inode *ip)
{
    if (!ip || --ip->refs > 0 || ip->nlink > 0)
        return;
    if (S_ISTYPE(ip->mode, S_IFREG))
        free_data(ip);
    if (ip->target)
        kfree(ip->target);
    if (S_ISTYPE(ip->mode, S_IFDIR) && ip->parent && ip->parent != ip)
        iput(ip->parent);
    kfree(ip);
}

/* ---- directories ---- */

struct inode *dir_lookup(struct inode *dir, const char *name)
{
    if (!strcmp(name, ".")) {
        iget(dir);
        return dir;
    }
    if (!strcmp(name, "..")) {
        struct inode *p = dir->parent ? dir->parent : dir;
        iget(p);
        return p;
    }
    if (dir->dops)
        return dir->dops->lookup(dir, name);
    for (struct dirent *d = dir->entries; d; d = d->next)
        if (!strcmp(d->name, name)) {
            iget(d->inode);
            return d->inode;
        }
    return 0;
}

int dir_link(struct inode *dir, const char *name, struct inode *ip)
{
    if (dir->dops)
        return -EPERM;
    if (!dir->nlink)
        return -ENOENT; /* removed directory */
    size_t len = strlen(name);
    if (!len || !strcmp(name, ".") || !strcmp(name, ".."))
        return -EEXIST;
    if (len > NAME_MAX)
        return -ENAMETOOLONG;
    for (struct dirent *d = dir->entries; d; d = d->next)
        if (!strcmp(d->name, name))
            return -EEXIST;
    struct dirent *d = kmalloc(sizeof *d + len + 1);
    if (!d)
        return -ENOMEM;
    memcpy(d->name, name, len + 1);
    d->len = (uint16_t)len;
    d->inode = ip;
    if (dir->next_seq < 2)
        dir->next_seq = 2; /* 0 and 1 are "." and ".." */
    d->seq = dir->next_seq++;
    struct dirent **tail = &dir->entries;
    while (*tail)
        tail = &(*tail)->next;
    d->next = 0;
    *tail = d;
    ip->nlink++;
    if (S_ISTYPE(ip->mode, S_IFDIR)) {
        ip->parent = dir;
        iget(dir);
        dir->nlink++; /* the child's ".." */
    }
    dir->mtime = now();
    return 0;
}

int dir_empty(struct inode *dir) { return dir->entries == 0; }

int dir_unlink(struct inode *dir, const char *name, int want_dir)
{
    if (dir->dops)
        return -EPERM;
    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return want_dir ? -EINVAL : -EISDIR;
    for (struct dirent **pp = &dir->entries; *pp; pp = &(*pp)->next) {
        struct dirent *d = *pp;
        if (strcmp(d->name, name))
            continue;
        struct inode *ip = d->inode;
        int is_dir = S_ISTYPE(ip->mode, S_IFDIR);
        if (want_dir == 1 && !is_dir)
            return -ENOTDIR;
        if (want_dir == 0 && is_dir)
            return -EISDIR;
        if (is_dir && !dir_empty(ip))
            return -ENOTEMPTY;
        *pp = d->next;
        kfree(d);
        if (is_dir) {
            dir->nlink--;
            ip->nlink = 0;
        } else {
            ip->nlink--;
        }
        dir->mtime = now();
        /* The entry held no reference of its own: free now if nothing else holds one. */
        iget(ip);
        iput(ip);
        return 0;
    }
    return -ENOENT;
}

/* ---- file data: a page of FILE_INDEX_ENTRIES pointers to index pages of data pages ---- */

static void *new_page(void)
{
    uint32_t pfn;
    if (tmpfs_max_pages && tmpfs_pages >= tmpfs_max_pages)
        return 0;
    if (alloc_zeroed_page(&pfn))
        return 0;
    vm_page_get(pfn); /* owned by the file (mappings take their own references) */
    tmpfs_pages++;
    return pfn_to_virt(pfn);
}

static void drop_page(void *p)
{
    vm_page_put(virt_to_pfn(p));
    tmpfs_pages--;
}

void *tmpfs_page(struct inode *ip, uint32_t index, int create)
{
    uint32_t hi = index / FILE_INDEX_ENTRIES, lo = index % FILE_INDEX_ENTRIES;
    if (hi >= FILE_INDEX_ENTRIES)
        return 0;
    if (!ip->pages) {
        if (!create || !(ip->pages = new_page()))
            return 0;
    }
    void **idx = ip->pages[hi];
    if (!idx) {
        if (!create || !(idx = new_page()))
            return 0;
        ip->pages[hi] = idx;
    }
    if (!idx[lo] && create)
        idx[lo] = new_page();
    return idx[lo];
}

#define MAX_FILE_SIZE ((uint64_t)FILE_INDEX_ENTRIES * FILE_INDEX_ENTRIES * PAGE_SIZE)

int tmpfs_truncate(struct inode *ip, uint64_t size)
{
    if (size > MAX_FILE_SIZE)
        return -EFBIG;
    if (size < ip->size && ip->pages) {
        uint32_t first_gone = (uint32_t)((size + PAGE_SIZE - 1) >> PAGE_SHIFT);
        uint32_t last = (uint32_t)((ip->size + PAGE_SIZE - 1) >> PAGE_SHIFT);
        for (uint32_t i = first_gone; i < last; i++) {
            void **idx = ip->pages[i / FILE_INDEX_ENTRIES];
            if (idx && idx[i % FILE_INDEX_ENTRIES]) {
                drop_page(idx[i % FILE_INDEX_ENTRIES]);
                idx[i % FILE_INDEX_ENTRIES] = 0;
            }
        }
        for (uint32_t h = (first_gone + FILE_INDEX_ENTRIES - 1) / FILE_INDEX_ENTRIES;
             h < FILE_INDEX_ENTRIES && h * FILE_INDEX_ENTRIES < last; h++) {
            if (ip->pages[h]) {
                drop_page(ip->pages[h]);
                ip->pages[h] = 0;
            }
        }
        /* The partial last page keeps stale bytes past the new end: clear them so a later
         * extension reads zeros. */
        if (size & (PAGE_SIZE - 1)) {
            uint8_t *p = tmpfs_page(ip, (uint32_t)(size >> PAGE_SHIFT), 0);
            if (p)
                memset(p + (size & (PAGE_SIZE - 1)), 0, PAGE_SIZE - (size & (PAGE_SIZE - 1)));
        }
    }
    ip->size = size;
    ip->mtime = now();
    return 0;
}

/* The piece of a transfer at pos that stays inside one page: sets *in to its offset in the
 * page and returns its length, at most left. */
static uint32_t page_piece(uint64_t pos, uint32_t left, uint32_t *in)
{
    *in = (uint32_t)(pos & (PAGE_SIZE - 1));
    uint32_t chunk = PAGE_SIZE - *in;
    return chunk > left ? left : chunk;
}

/* Read into a kernel buffer (user 0: cannot fail) or a user one (user 1: a fault ends the read
 * short, -EFAULT if nothing was read; a completed user read sets atime). Holes read as zeros. */
static long read_pages(struct inode *ip, uint64_t off, void *buf, uint32_t n, int user)
{
    if (off >= ip->size)
        return 0;
    if (n > ip->size - off)
        n = (uint32_t)(ip->size - off);
    uint32_t done = 0;
    while (done < n) {
        uint64_t pos = off + done;
        uint32_t in, chunk = page_piece(pos, n - done, &in);
        uint8_t *p = tmpfs_page(ip, (uint32_t)(pos >> PAGE_SHIFT), 0);
        if (user) {
            uint32_t ubuf = (uint32_t)(uintptr_t)buf + done;
            int r = p ? copy_to_user(ubuf, p + in, chunk) : clear_user(ubuf, chunk);
            if (r)
                return done ? (long)done : -EFAULT;
        } else if (p) {
            memcpy((uint8_t *)buf + done, p + in, chunk);
        } else {
            memset((uint8_t *)buf + done, 0, chunk); /* a hole */
        }
        done += chunk;
    }
    if (user)
        ip->atime = now();
    return done;
}

long tmpfs_read(struct inode *ip, uint64_t off, void *kbuf, uint32_t n)
{
    return read_pages(ip, off, kbuf, n, 0);
}

long tmpfs_read_user(struct inode *ip, uint64_t off, uint32_t ubuf, uint32_t n)
{
    return read_pages(ip, off, (void *)(uintptr_t)ubuf, n, 1);
}

long tmpfs_write(struct inode *ip, uint64_t off, const void *buf, uint32_t n, int user)
{
    if (off + n > MAX_FILE_SIZE || off + n < off)
        return -EFBIG;
    uint32_t done = 0;
    while (done < n) {
        uint64_t pos = off + done;
        uint32_t in, chunk = page_piece(pos, n - done, &in);
        uint8_t *p = tmpfs_page(ip, (uint32_t)(pos >> PAGE_SHIFT), 1);
        if (!p) {
            if (!done)
                return -ENOSPC;
            break;
        }
        if (user) {
            if (copy_from_user(p + in, (uint32_t)(uintptr_t)buf + done, chunk)) {
                if (!done)
                    return -EFAULT;
                break;
            }
        } else {
            memcpy(p + in, (const uint8_t *)buf + done, chunk);
        }
        done += chunk;
        if (off + done > ip->size)
            ip->size = off + done;
    }
    ip->mtime = now();
    return done;
}
