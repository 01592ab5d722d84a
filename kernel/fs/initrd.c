/* Boot-time filesystem set-up: the root directory, the initrd unpacked into it, /dev, /proc. */
#include <stdint.h>
#include <lib/string.h>
#include "vfs.h"
#include "kheap.h"
#include "kmem.h"
#include "printk.h"
#include "trap.h"

/* Creates every missing directory on the way to path (like mkdir -p of its parent). */
static int make_parents(const char *path)
{
    char buf[PATH_MAX];
    size_t len = strlen(path);
    if (len >= sizeof buf)
        return -ENAMETOOLONG;
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i < len; i++) {
        if (buf[i] != '/')
            continue;
        buf[i] = 0;
        struct inode *ip;
        int r = vfs_create(0, buf, S_IFDIR | 0755, 0, &ip);
        buf[i] = '/';
        if (r)
            return r;
        int isdir = S_ISTYPE(ip->mode, S_IFDIR);
        iput(ip);
        if (!isdir)
            return -ENOTDIR;
    }
    return 0;
}

static int unpack_one(const struct cpio_entry *e)
{
    char path[PATH_MAX];
    const char *n = e->name;
    uint32_t nl = e->name_len;
    while (nl && (n[0] == '/' || (n[0] == '.' && (nl == 1 || n[1] == '/')))) {
        n++;
        nl--;
    }
    if (!nl)
        return 0; /* "." itself */
    if (nl + 2 > sizeof path)
        return -ENAMETOOLONG;
    path[0] = '/';
    memcpy(path + 1, n, nl);
    path[nl + 1] = 0;
    int r = make_parents(path);
    if (r)
        return r;
    uint32_t type = e->mode & S_IFMT;
    struct inode *ip;
    if (type == S_IFDIR) {
        r = vfs_create(0, path, S_IFDIR | (e->mode & 07777), 0, &ip);
        if (r)
            return r;
        ip->mode = S_IFDIR | (e->mode & 07777);
    } else if (type == S_IFREG || type == S_IFLNK) {
        r = vfs_create(0, path, type | (e->mode & 07777), 1, &ip);
        if (r)
            return r;
        if (type == S_IFLNK) {
            if (e->size > KHEAP_MAX - 1) {
                iput(ip);
                return -ENAMETOOLONG;
            }
            ip->target = kmalloc(e->size + 1);
            if (!ip->target) {
                iput(ip);
                return -ENOMEM;
            }
            memcpy(ip->target, e->data, e->size);
            ip->target[e->size] = 0;
            ip->size = e->size;
        } else if (tmpfs_write(ip, 0, e->data, e->size, 0) != (long)e->size) {
            iput(ip);
            return -ENOSPC;
        }
    } else {
        return 0; /* device nodes, fifos: /dev is made by the kernel */
    }
    ip->mode = type | (e->mode & 07777); /* exactly the archive's mode, no umask */
    ip->mtime = ip->ctime = e->mtime;
    iput(ip);
    return 1;
}

int initrd_unpack(const void *buf, uint32_t len)
{
    uint32_t off = 0;
    struct cpio_entry e;
    int n = 0, r;
    while ((r = cpio_next(buf, len, &off, &e)) == 1) {
        int u = unpack_one(&e);
        if (u < 0) {
            printk(KERN_ERR "initrd: %.*s: error %d\n", (int)e.name_len, e.name, -u);
            continue;
        }
        n += u;
    }
    if (r < 0) {
        printk(KERN_ERR "initrd: malformed archive at offset %u\n", off);
        return n ? n : -EINVAL;
    }
    return n;
}

void vfs_init(void)
{
    vfs_root = inode_new(S_IFDIR | 0755);
    if (!vfs_root)
        panic("vfs: no memory for the root directory");
    vfs_root->nlink = 2;
    vfs_root->parent = vfs_root;
    tmpfs_set_limit(page_alloc_nr_free(&phys_pages) / 2);
    tty_init();
}
