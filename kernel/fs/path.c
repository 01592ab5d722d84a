/* Path name resolution: components, ".", "..", symbolic links (at most MAX_SYMLINKS per
 * lookup -> -ELOOP), relative to a base directory or the root.
 *
 * path_next is pure (host-tested); the rest walks the in-memory tree. */
#include <stdint.h>
#include <lib/string.h>
#include "vfs.h"
#include "uapi.h"
#ifndef MOAT_HOST_TEST
#include "proc.h"
#include "kheap.h"
#endif

int path_next(const char **p, char *name)
{
    const char *s = *p;
    while (*s == '/')
        s++;
    const char *e = s;
    while (*e && *e != '/')
        e++;
    size_t len = (size_t)(e - s);
    if (len > NAME_MAX)
        return -ENAMETOOLONG;
    memcpy(name, s, len);
    name[len] = 0;
    *p = e;
    return (int)len;
}

#ifndef MOAT_HOST_TEST
#define MAX_SYMLINKS 8

static int walk(struct inode *base, const char *path, int flags, int depth, struct inode **out);

static struct inode *start_dir(struct inode *base, const char *path)
{
    struct inode *d = path[0] == '/' ? vfs_root : (base ? base : (current && current->cwd ? current->cwd : vfs_root));
    iget(d);
    return d;
}

/* Follows symlink ip found in dir: replaces *ipp by the target (referenced). */
static int follow(struct inode *dir, struct inode **ipp, int depth)
{
    struct inode *ip = *ipp;
    if (depth >= MAX_SYMLINKS)
        return -ELOOP;
    struct inode *t;
    int r = walk(dir, ip->target ? ip->target : "", LOOKUP_FOLLOW, depth + 1, &t);
    iput(ip);
    *ipp = r ? 0 : t;
    return r;
}

static int walk(struct inode *base, const char *path, int flags, int depth, struct inode **out)
{
    char name[NAME_MAX + 1];
    if (!*path)
        return -ENOENT;
    struct inode *dir = start_dir(base, path);
    const char *p = path;
    for (;;) {
        int len = path_next(&p, name);
        if (len < 0) {
            iput(dir);
            return len;
        }
        if (len == 0) { /* trailing slash(es) or "/" itself */
            *out = dir;
            return 0;
        }
        if (!S_ISTYPE(dir->mode, S_IFDIR)) {
            iput(dir);
            return -ENOTDIR;
        }
        struct inode *ip = dir_lookup(dir, name);
        if (!ip) {
            iput(dir);
            return -ENOENT;
        }
        const char *rest = p;
        while (*rest == '/')
            rest++;
        int last = *rest == 0;
        int trailing_slash = last && *p == '/';
        if (S_ISTYPE(ip->mode, S_IFLNK) && (!last || (flags & LOOKUP_FOLLOW) || trailing_slash)) {
            int r = follow(dir, &ip, depth);
            if (r) {
                iput(dir);
                return r;
            }
        }
        iput(dir);
        if (last) {
            if (trailing_slash && !S_ISTYPE(ip->mode, S_IFDIR)) {
                iput(ip);
                return -ENOTDIR;
            }
            *out = ip;
            return 0;
        }
        dir = ip;
    }
}

int namei(struct inode *base, const char *path, int flags, struct inode **out)
{
    return walk(base, path, flags, 0, out);
}

int nameiparent(struct inode *base, const char *path, struct inode **dirp, char *name)
{
    size_t len = strlen(path);
    if (!len)
        return -ENOENT;
    if (len >= PATH_MAX)
        return -ENAMETOOLONG;
    /* Split at the last component (ignoring trailing slashes). */
    size_t end = len;
    while (end > 1 && path[end - 1] == '/')
        end--;
    size_t start = end;
    while (start > 0 && path[start - 1] != '/')
        start--;
    if (end - start > NAME_MAX)
        return -ENAMETOOLONG;
    if (end == start) /* "/" */
        return -EEXIST;
    memcpy(name, path + start, end - start);
    name[end - start] = 0;
    struct inode *dir;
    if (start == 0) {
        dir = start_dir(base, path);
    } else {
        char *dpath = kmalloc(start + 1);
        if (!dpath)
            return -ENOMEM;
        memcpy(dpath, path, start);
        dpath[start] = 0;
        int r = walk(base, dpath, LOOKUP_FOLLOW, 0, &dir);
        kfree(dpath);
        if (r)
            return r;
    }
    if (!S_ISTYPE(dir->mode, S_IFDIR)) {
        iput(dir);
        return -ENOTDIR;
    }
    *dirp = dir;
    return 0;
}

int vfs_create(struct inode *base, const char *path, uint32_t mode, int excl, struct inode **out)
{
    struct inode *dir;
    char name[NAME_MAX + 1];
    int r = nameiparent(base, path, &dir, name);
    if (r)
        return r;
    struct inode *ip = dir_lookup(dir, name);
    if (ip) {
        if (S_ISTYPE(ip->mode, S_IFLNK) && !excl) { /* open(O_CREAT) through a symlink */
            r = follow(dir, &ip, 0);
            iput(dir);
            if (r == -ENOENT)
                return -ENOENT; /* dangling: not created here (kept simple) */
            if (r)
                return r;
            *out = ip;
            return 0;
        }
        iput(dir);
        if (excl) {
            iput(ip);
            return -EEXIST;
        }
        *out = ip;
        return 0;
    }
    if (!strcmp(name, ".") || !strcmp(name, "..")) {
        iput(dir);
        return -EEXIST;
    }
    ip = inode_new(mode);
    if (!ip) {
        iput(dir);
        return -ENOMEM;
    }
    if (current) {
        ip->uid = 0;
        ip->mode = (mode & S_IFMT) | (mode & 07777 & ~current->umask);
    }
    r = dir_link(dir, name, ip);
    iput(dir);
    if (r) {
        ip->nlink = 0;
        iput(ip);
        return r;
    }
    if (S_ISTYPE(mode, S_IFDIR))
        ip->nlink++; /* its "." */
    *out = ip;
    return 0;
}
#endif
