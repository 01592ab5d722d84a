/* File-system system calls: open/close/read/write, stat, directories, descriptors, links.
 * Path arguments are copied into one of two static buffers (the kernel is not preemptible
 * and none of these calls sleeps while a path is in use). */
#include <stdint.h>
#include <lib/string.h>
#include "syscalls.h"
#include "kheap.h"
#include "proc.h"
#include "uaccess.h"
#include "vfs.h"
#include "pv/pvops.h"

static char path_a[PATH_MAX], path_b[PATH_MAX];

static int get_path(uint32_t upath, char *buf)
{
    int r = strncpy_from_user(buf, upath, PATH_MAX);
    if (r < 0)
        return r;
    return r == 0 ? -ENOENT : 0;
}

/* The base directory for a *at() call: 0 (cwd) for AT_FDCWD or an absolute path. */
static int at_base(int dirfd, const char *path, struct inode **base)
{
    *base = 0;
    if (path[0] == '/' || dirfd == AT_FDCWD)
        return 0;
    struct file *f = fd_get(dirfd);
    if (!f)
        return -EBADF;
    if (!f->ip || !S_ISTYPE(f->ip->mode, S_IFDIR))
        return -ENOTDIR;
    *base = f->ip;
    return 0;
}

/* What every *at() call starts with: copy upath into path_a and find the directory it is
 * relative to (*base, as at_base). */
static int path_at(int dirfd, uint32_t upath, struct inode **base)
{
    int r = get_path(upath, path_a);
    if (r)
        return r;
    return at_base(dirfd, path_a, base);
}

/* path_at, then the lookup. On success *ip holds a reference the caller drops with iput. */
static int lookup_at(int dirfd, uint32_t upath, int flags, struct inode **ip)
{
    struct inode *base;
    int r = path_at(dirfd, upath, &base);
    if (r)
        return r;
    return namei(base, path_a, flags, ip);
}

static long do_open(int dirfd, uint32_t upath, uint32_t flags, uint32_t mode)
{
    struct inode *base, *ip;
    int r = path_at(dirfd, upath, &base);
    if (r)
        return r;
    if (flags & O_CREAT) {
        r = vfs_create(base, path_a, S_IFREG | (mode & 07777), (flags & O_EXCL) != 0, &ip);
    } else {
        r = namei(base, path_a, (flags & O_NOFOLLOW) ? 0 : LOOKUP_FOLLOW, &ip);
    }
    if (r)
        return r;
    uint32_t acc = flags & O_ACCMODE;
    if (S_ISTYPE(ip->mode, S_IFLNK)) {
        iput(ip);
        return -ELOOP; /* O_NOFOLLOW on a symlink */
    }
    if ((flags & O_DIRECTORY) && !S_ISTYPE(ip->mode, S_IFDIR)) {
        iput(ip);
        return -ENOTDIR;
    }
    if (S_ISTYPE(ip->mode, S_IFDIR) && acc != O_RDONLY) {
        iput(ip);
        return -EISDIR;
    }
    if ((ip->generate || ip->dops) && acc != O_RDONLY) {
        iput(ip);
        return -EACCES;
    }
    if ((flags & O_TRUNC) && S_ISTYPE(ip->mode, S_IFREG) && acc != O_RDONLY && !ip->fops)
        tmpfs_truncate(ip, 0);
    struct file *f = file_open_inode(ip, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY));
    iput(ip);
    if (!f)
        return -ENOMEM;
    int fd = fd_alloc(f, 0);
    if (fd < 0) {
        file_put(f);
        return fd;
    }
    if (flags & O_CLOEXEC)
        current->cloexec |= 1ull << fd;
    return fd;
}

SYSCALL(open) { return do_open(AT_FDCWD, a0, a1, a2); }
SYSCALL(openat) { return do_open((int)a0, a1, a2, a3); }
SYSCALL(creat) { return do_open(AT_FDCWD, a0, O_CREAT | O_WRONLY | O_TRUNC, a1); }
SYSCALL(close) { return fd_close((int)a0); }

/* read (wr 0) and write (wr 1): the user buffer is written by a read, read by a write. */
static long do_rw(uint32_t fd, uint32_t buf, uint32_t n, int wr)
{
    struct file *f = fd_get((int)fd);
    if (!f)
        return -EBADF;
    if ((int32_t)n < 0)
        return -EINVAL;
    if (n && !vm_access_ok(current->mm, buf, n, !wr))
        return -EFAULT;
    return wr ? file_write(f, buf, n) : file_read(f, buf, n);
}

SYSCALL(read) { return do_rw(a0, a1, a2, 0); }
SYSCALL(write) { return do_rw(a0, a1, a2, 1); }

static long do_iov(uint32_t fd, uint32_t uiov, uint32_t cnt, int wr)
{
    struct file *f = fd_get((int)fd);
    if (!f)
        return -EBADF;
    if (cnt > 1024)
        return -EINVAL;
    /* Validate the whole vector first: a negative (as ssize_t) length or a total that
     * overflows is -EINVAL before anything moves, as on Linux. */
    uint32_t sum = 0;
    for (uint32_t i = 0; i < cnt; i++) {
        struct linux_iovec v;
        if (copy_from_user(&v, uiov + 8 * i, sizeof v))
            return -EFAULT;
        if ((int32_t)v.len < 0 || sum + v.len < sum || (int32_t)(sum + v.len) < 0)
            return -EINVAL;
        sum += v.len;
    }
    long total = 0;
    for (uint32_t i = 0; i < cnt; i++) {
        struct linux_iovec v;
        if (copy_from_user(&v, uiov + 8 * i, sizeof v))
            return total ? total : -EFAULT;
        if (!v.len)
            continue;
        if (!vm_access_ok(current->mm, v.base, v.len, !wr))
            return total ? total : -EFAULT;
        long r = wr ? file_write(f, v.base, v.len) : file_read(f, v.base, v.len);
        if (r < 0)
            return total ? total : r;
        total += r;
        if ((uint32_t)r < v.len)
            break;
    }
    return total;
}

SYSCALL(readv) { return do_iov(a0, a1, a2, 0); }
SYSCALL(writev) { return do_iov(a0, a1, a2, 1); }

static long do_pio(uint32_t fd, uint32_t buf, uint32_t n, uint64_t off, int wr)
{
    struct file *f = fd_get((int)fd);
    if (!f)
        return -EBADF;
    if (!f->ip || !S_ISTYPE(f->ip->mode, S_IFREG) || f->ip->fops || f->ip->generate)
        return f->ip ? -EINVAL : -ESPIPE;
    if ((int64_t)off < 0)
        return -EINVAL;
    uint64_t saved = f->pos;
    uint32_t saved_flags = f->flags;
    f->pos = off;
    f->flags &= ~O_APPEND;
    long r = wr ? file_write(f, buf, n) : file_read(f, buf, n);
    f->pos = saved;
    f->flags = saved_flags;
    return r;
}

SYSCALL(pread64) { return do_pio(a0, a1, a2, (uint64_t)a3 | ((uint64_t)a4 << 32), 0); }
SYSCALL(pwrite64) { return do_pio(a0, a1, a2, (uint64_t)a3 | ((uint64_t)a4 << 32), 1); }

static long do_seek(struct file *f, int64_t off, uint32_t whence, uint64_t *res)
{
    /* Devices accept seeks (meaningless, as on Linux for /dev/null); pipes do not. */
    if (!f->ip)
        return -ESPIPE; /* pipe */
    int64_t base;
    switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (int64_t)f->pos; break;
    case SEEK_END: base = f->ip->generate ? (int64_t)f->priv_len : (int64_t)f->ip->size; break;
    default: return -EINVAL;
    }
    int64_t n = base + off;
    if (n < 0)
        return -EINVAL;
    f->pos = (uint64_t)n;
    *res = (uint64_t)n;
    return 0;
}

SYSCALL(lseek)
{
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    uint64_t res;
    long r = do_seek(f, (int32_t)a1, a2, &res);
    if (r)
        return r;
    if (res > 0x7fffffffu)
        return -75; /* EOVERFLOW */
    return (long)res;
}

SYSCALL(_llseek)
{
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    if (!vm_access_ok(current->mm, a3, 8, 1))
        return -EFAULT;
    uint64_t saved = f->pos, res;
    long r = do_seek(f, (int64_t)(((uint64_t)a1 << 32) | a2), a4, &res);
    if (r)
        return r;
    if (copy_to_user(a3, &res, 8)) {
        f->pos = saved;
        return -EFAULT;
    }
    return 0;
}

static long put_stat(struct inode *ip, uint32_t ubuf)
{
    struct linux_stat64 st;
    stat_fill(ip, &st);
    return copy_to_user(ubuf, &st, sizeof st);
}

/* The stat of an open file; a pipe has no inode and answers as an anonymous fifo. */
static long put_file_stat(struct file *f, uint32_t ubuf)
{
    if (!f->ip) {
        struct inode fake = { .mode = S_IFIFO | 0600, .nlink = 1, .ino = 0x7f000000u };
        return put_stat(&fake, ubuf);
    }
    return put_stat(f->ip, ubuf);
}

static long stat_path(int dirfd, uint32_t upath, uint32_t ubuf, int follow, int empty_ok)
{
    int r = get_path(upath, path_a);
    if (r == -ENOENT && empty_ok) {
        struct file *f = fd_get(dirfd);
        if (dirfd == AT_FDCWD)
            return put_stat(current->cwd, ubuf);
        if (!f)
            return -EBADF;
        return put_file_stat(f, ubuf);
    }
    if (r)
        return r;
    struct inode *base, *ip;
    if ((r = at_base(dirfd, path_a, &base)))
        return r;
    if ((r = namei(base, path_a, follow ? LOOKUP_FOLLOW : 0, &ip)))
        return r;
    r = (int)put_stat(ip, ubuf);
    iput(ip);
    return r;
}

SYSCALL(stat64) { return stat_path(AT_FDCWD, a0, a1, 1, 0); }
SYSCALL(lstat64) { return stat_path(AT_FDCWD, a0, a1, 0, 0); }
SYSCALL(fstatat64) { return stat_path((int)a0, a1, a2, !(a3 & AT_SYMLINK_NOFOLLOW), (a3 & AT_EMPTY_PATH) != 0); }

SYSCALL(fstat64)
{
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    return put_file_stat(f, a1);
}

SYSCALL(statx)
{
    /* statx(dirfd, path, flags, mask, buf): built from the stat64 answer. */
    int dirfd = (int)a0;
    struct inode *ip = 0, *base;
    int r = get_path(a1, path_a);
    int held = 0;
    if (r == -ENOENT && (a2 & AT_EMPTY_PATH)) {
        if (dirfd == AT_FDCWD) {
            ip = current->cwd;
        } else {
            struct file *f = fd_get(dirfd);
            if (!f)
                return -EBADF;
            ip = f->ip;
        }
    } else {
        if (r)
            return r;
        if ((r = at_base(dirfd, path_a, &base)))
            return r;
        if ((r = namei(base, path_a, (a2 & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW, &ip)))
            return r;
        held = 1;
    }
    struct linux_stat64 st;
    struct inode fake = { .mode = S_IFIFO | 0600, .nlink = 1, .ino = 0x7f000000u };
    stat_fill(ip ? ip : &fake, &st);
    if (held)
        iput(ip);
    struct linux_statx sx;
    memset(&sx, 0, sizeof sx);
    sx.stx_mask = STATX_BASIC_STATS;
    sx.stx_blksize = st.st_blksize;
    sx.stx_nlink = st.st_nlink;
    sx.stx_uid = st.st_uid;
    sx.stx_gid = st.st_gid;
    sx.stx_mode = (uint16_t)st.st_mode;
    sx.stx_ino = st.st_ino;
    sx.stx_size = (uint64_t)st.st_size;
    sx.stx_blocks = st.st_blocks;
    sx.stx_atime.tv_sec = st.st_atime;
    sx.stx_mtime.tv_sec = st.st_mtime;
    sx.stx_ctime.tv_sec = st.st_ctime;
    sx.stx_btime.tv_sec = st.st_ctime;
    sx.stx_rdev_major = (uint32_t)(st.st_rdev >> 8);
    sx.stx_rdev_minor = (uint32_t)(st.st_rdev & 0xff);
    sx.stx_dev_major = 0;
    sx.stx_dev_minor = 1;
    return copy_to_user(a4, &sx, sizeof sx);
}

static uint8_t dtype(uint32_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFDIR: return DT_DIR;
    case S_IFREG: return DT_REG;
    case S_IFLNK: return DT_LNK;
    case S_IFCHR: return DT_CHR;
    case S_IFIFO: return DT_FIFO;
    }
    return DT_UNKNOWN;
}

/* The directory entry at position pos: 1 with its fields, 0 at the end. *next = next pos. */
static int dir_entry_at(struct inode *dir, uint32_t pos, char *name, uint32_t *ino, uint8_t *type, uint32_t *next)
{
    if (pos == 0 || pos == 1) {
        strlcpy(name, pos ? ".." : ".", NAME_MAX + 1);
        *ino = pos ? (dir->parent ? dir->parent->ino : dir->ino) : dir->ino;
        *type = DT_DIR;
        *next = pos + 1;
        return 1;
    }
    if (dir->dops) {
        int k = dir->dops->readdir(dir, pos - 2, name, ino, type);
        if (k <= 0)
            return 0;
        *next = pos + (uint32_t)k;
        return 1;
    }
    for (struct dirent *d = dir->entries; d; d = d->next)
        if (d->seq >= pos) {
            memcpy(name, d->name, d->len + 1u);
            *ino = d->inode->ino;
            *type = dtype(d->inode->mode);
            *next = d->seq + 1;
            return 1;
        }
    return 0;
}

static long do_getdents(uint32_t fd, uint32_t ubuf, uint32_t size, int is64)
{
    struct file *f = fd_get((int)fd);
    if (!f)
        return -EBADF;
    if (!f->ip || !S_ISTYPE(f->ip->mode, S_IFDIR))
        return -ENOTDIR;
    if (!vm_access_ok(current->mm, ubuf, size, 1))
        return -EFAULT;
    uint32_t done = 0;
    char name[NAME_MAX + 1];
    uint8_t rec[NAME_MAX + 32];
    for (;;) {
        uint32_t ino, next;
        uint8_t type;
        if (!dir_entry_at(f->ip, (uint32_t)f->pos, name, &ino, &type, &next))
            break;
        uint32_t nl = strlen(name), len;
        memset(rec, 0, sizeof rec);
        if (is64) {
            len = (uint32_t)(sizeof(struct linux_dirent64_head) + nl + 1 + 7) & ~7u;
            struct linux_dirent64_head *h = (void *)rec;
            h->d_ino = ino;
            h->d_off = next;
            h->d_reclen = (uint16_t)len;
            h->d_type = type;
            memcpy(rec + sizeof *h, name, nl + 1);
        } else { /* struct linux_dirent: ino, off, reclen, name, pad, type (last byte) */
            len = (10 + nl + 2 + 3) & ~3u;
            uint32_t *w = (void *)rec;
            w[0] = ino;
            w[1] = next;
            rec[8] = (uint8_t)len;
            rec[9] = (uint8_t)(len >> 8);
            memcpy(rec + 10, name, nl + 1);
            rec[len - 1] = type;
        }
        if (done + len > size) {
            if (!done)
                return -EINVAL; /* buffer too small for one entry */
            break;
        }
        if (copy_to_user(ubuf + done, rec, len))
            return done ? (long)done : -EFAULT;
        done += len;
        f->pos = next;
    }
    return done;
}

SYSCALL(getdents64) { return do_getdents(a0, a1, a2, 1); }
SYSCALL(getdents) { return do_getdents(a0, a1, a2, 0); }

static long do_fcntl(uint32_t fd, uint32_t cmd, uint32_t arg)
{
    struct file *f = fd_get((int)fd);
    if (!f)
        return -EBADF;
    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
        if (arg >= NOFILE)
            return -EINVAL;
        int n = fd_alloc(f, (int)arg);
        if (n < 0)
            return n;
        file_get(f);
        if (cmd == F_DUPFD_CLOEXEC)
            current->cloexec |= 1ull << n;
        return n;
    }
    case F_GETFD:
        return (current->cloexec >> fd) & 1;
    case F_SETFD:
        if (arg & FD_CLOEXEC)
            current->cloexec |= 1ull << fd;
        else
            current->cloexec &= ~(1ull << fd);
        return 0;
    case F_GETFL:
        return f->flags & (O_ACCMODE | O_APPEND | O_NONBLOCK | O_LARGEFILE | O_DIRECTORY);
    case F_SETFL:
        f->flags = (f->flags & ~(O_APPEND | O_NONBLOCK)) | (arg & (O_APPEND | O_NONBLOCK));
        return 0;
    case F_GETLK:
    case F_GETLK64: { /* no locks are ever held: report the range unlocked */
        int16_t unlck = 2;
        return copy_to_user(arg, &unlck, 2);
    }
    case F_SETLK:
    case F_SETLKW:
    case F_SETLK64:
    case F_SETLKW64:
        return vm_access_ok(current->mm, arg, 16, 0) ? 0 : -EFAULT;
    }
    return -EINVAL;
}

SYSCALL(fcntl64) { return do_fcntl(a0, a1, a2); }
SYSCALL(fcntl) { return do_fcntl(a0, a1, a2); }

SYSCALL(dup)
{
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    int n = fd_alloc(f, 0);
    if (n >= 0)
        file_get(f);
    return n;
}

static long do_dup3(uint32_t oldfd, uint32_t newfd, uint32_t flags, int is_dup2)
{
    struct file *f = fd_get((int)oldfd);
    if (!f)
        return -EBADF;
    if (newfd >= NOFILE)
        return -EBADF;
    if (oldfd == newfd)
        return is_dup2 ? (long)newfd : -EINVAL;
    if (flags & ~O_CLOEXEC)
        return -EINVAL;
    file_get(f);
    if (current->fd[newfd])
        fd_close((int)newfd);
    current->fd[newfd] = f;
    if (flags & O_CLOEXEC)
        current->cloexec |= 1ull << newfd;
    else
        current->cloexec &= ~(1ull << newfd);
    return newfd;
}

SYSCALL(dup2) { return do_dup3(a0, a1, 0, 1); }
SYSCALL(dup3) { return do_dup3(a0, a1, a2, 0); }

static long do_pipe(uint32_t ufds, uint32_t flags)
{
    if (flags & ~(O_CLOEXEC | O_NONBLOCK))
        return -EINVAL;
    if (!vm_access_ok(current->mm, ufds, 8, 1))
        return -EFAULT;
    struct file *r, *w;
    int e = pipe_create(&r, &w);
    if (e)
        return e;
    r->flags |= flags & O_NONBLOCK;
    w->flags |= flags & O_NONBLOCK;
    int fr = fd_alloc(r, 0);
    if (fr < 0) {
        file_put(r);
        file_put(w);
        return fr;
    }
    int fw = fd_alloc(w, 0);
    if (fw < 0) {
        fd_close(fr);
        file_put(w);
        return fw;
    }
    if (flags & O_CLOEXEC)
        current->cloexec |= (1ull << fr) | (1ull << fw);
    int32_t fds[2] = { fr, fw };
    if (copy_to_user(ufds, fds, 8)) {
        fd_close(fr);
        fd_close(fw);
        return -EFAULT;
    }
    return 0;
}

SYSCALL(pipe) { return do_pipe(a0, 0); }
SYSCALL(pipe2) { return do_pipe(a0, a1); }

static long set_cwd(struct inode *ip)
{
    if (!S_ISTYPE(ip->mode, S_IFDIR)) {
        iput(ip);
        return -ENOTDIR;
    }
    iput(current->cwd);
    current->cwd = ip;
    return 0;
}

SYSCALL(chdir)
{
    struct inode *ip;
    int r = lookup_at(AT_FDCWD, a0, LOOKUP_FOLLOW, &ip);
    if (r)
        return r;
    return set_cwd(ip);
}

SYSCALL(fchdir)
{
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    if (!f->ip)
        return -ENOTDIR;
    iget(f->ip);
    return set_cwd(f->ip);
}

/* The name of ip in its parent directory. */
static const char *name_in_parent(struct inode *ip)
{
    struct inode *p = ip->parent;
    if (!p)
        return 0;
    for (struct dirent *d = p->entries; d; d = d->next)
        if (d->inode == ip)
            return d->name;
    return 0;
}

SYSCALL(getcwd)
{
    uint32_t size = a1;
    if (!vm_access_ok(current->mm, a0, size ? 1 : 0, 1) && size)
        return -EFAULT;
    /* Build right to left in path_a. */
    char *end = path_a + PATH_MAX - 1, *p = end;
    *p = 0;
    struct inode *ip = current->cwd;
    if (!ip->nlink)
        return -ENOENT; /* removed */
    while (ip != vfs_root) {
        const char *n = name_in_parent(ip);
        if (!n)
            return -ENOENT;
        size_t l = strlen(n);
        if ((size_t)(p - path_a) < l + 1)
            return -ENAMETOOLONG;
        p -= l;
        memcpy(p, n, l);
        *--p = '/';
        ip = ip->parent;
    }
    if (p == end)
        *--p = '/';
    uint32_t len = (uint32_t)(end - p) + 1;
    if (len > size)
        return -ERANGE;
    if (copy_to_user(a0, p, len))
        return -EFAULT;
    return len;
}

SYSCALL(ioctl)
{
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    if (a1 == FIONBIO && !(f->ops && f->ops->ioctl)) {
        int32_t on;
        if (copy_from_user(&on, a2, 4))
            return -EFAULT;
        f->flags = on ? (f->flags | O_NONBLOCK) : (f->flags & ~O_NONBLOCK);
        return 0;
    }
    if (!f->ops || !f->ops->ioctl)
        return -ENOTTY;
    return f->ops->ioctl(f, a1, a2);
}

static long do_mkdir(int dirfd, uint32_t upath, uint32_t mode)
{
    struct inode *base, *ip;
    int r = path_at(dirfd, upath, &base);
    if (r)
        return r;
    if ((r = vfs_create(base, path_a, S_IFDIR | (mode & 07777), 1, &ip)))
        return r;
    iput(ip);
    return 0;
}

SYSCALL(mkdir) { return do_mkdir(AT_FDCWD, a0, a1); }
SYSCALL(mkdirat) { return do_mkdir((int)a0, a1, a2); }

static long do_mknod(uint32_t upath, uint32_t mode)
{
    uint32_t type = mode & S_IFMT;
    if (type != S_IFREG && type != 0)
        return -EPERM; /* device nodes and fifos: not supported */
    int r = get_path(upath, path_a);
    if (r)
        return r;
    struct inode *ip;
    if ((r = vfs_create(0, path_a, S_IFREG | (mode & 07777), 1, &ip)))
        return r;
    iput(ip);
    return 0;
}
SYSCALL(mknod) { return do_mknod(a0, a1); }

/* want_dir: 0 unlink, 1 rmdir */
static long do_unlink(int dirfd, uint32_t upath, int want_dir)
{
    struct inode *base, *dir;
    char name[NAME_MAX + 1];
    int r = path_at(dirfd, upath, &base);
    if (r)
        return r;
    if ((r = nameiparent(base, path_a, &dir, name)))
        return r == -EEXIST ? -EBUSY : r;
    if (want_dir && !strcmp(name, "."))
        r = -EINVAL;
    else if (want_dir && !strcmp(name, ".."))
        r = -ENOTEMPTY;
    else
        r = dir_unlink(dir, name, want_dir);
    iput(dir);
    return r;
}

SYSCALL(unlink) { return do_unlink(AT_FDCWD, a0, 0); }
SYSCALL(rmdir) { return do_unlink(AT_FDCWD, a0, 1); }
SYSCALL(unlinkat)
{
    if (a2 & ~AT_REMOVEDIR)
        return -EINVAL;
    return do_unlink((int)a0, a1, (a2 & AT_REMOVEDIR) ? 1 : 0);
}

static int is_ancestor(struct inode *a, struct inode *d)
{
    for (struct inode *p = d; p; p = p->parent) {
        if (p == a)
            return 1;
        if (p == vfs_root)
            break;
    }
    return 0;
}

static long do_rename(int ofd, uint32_t uold, int nfd, uint32_t unew)
{
    int r = get_path(uold, path_a);
    if (!r)
        r = get_path(unew, path_b);
    if (r)
        return r;
    struct inode *ob, *nb, *od, *nd;
    char on[NAME_MAX + 1], nn[NAME_MAX + 1];
    if ((r = at_base(ofd, path_a, &ob)) || (r = at_base(nfd, path_b, &nb)))
        return r;
    if ((r = nameiparent(ob, path_a, &od, on)))
        return r == -EEXIST ? -EBUSY : r;
    if ((r = nameiparent(nb, path_b, &nd, nn))) {
        iput(od);
        return r == -EEXIST ? -EBUSY : r;
    }
    struct inode *src = 0, *dst = 0;
    if (!strcmp(on, ".") || !strcmp(on, "..") || !strcmp(nn, ".") || !strcmp(nn, "..")) {
        r = -EBUSY;
        goto out;
    }
    src = dir_lookup(od, on);
    if (!src) {
        r = -ENOENT;
        goto out;
    }
    dst = dir_lookup(nd, nn);
    if (dst == src) {
        r = 0;
        goto out;
    }
    int sdir = S_ISTYPE(src->mode, S_IFDIR);
    if (sdir && is_ancestor(src, nd)) {
        r = -EINVAL;
        goto out;
    }
    if (dst) {
        int ddir = S_ISTYPE(dst->mode, S_IFDIR);
        if (sdir && !ddir) {
            r = -ENOTDIR;
            goto out;
        }
        if (!sdir && ddir) {
            r = -EISDIR;
            goto out;
        }
        if ((r = dir_unlink(nd, nn, ddir)))
            goto out;
    }
    /* Link the new name, then drop the old one (a directory moves its ".." along). */
    iget(src);
    if (sdir) {
        /* dir_unlink refuses non-empty directories: detach the entry by hand. */
        for (struct dirent **pp = &od->entries; *pp; pp = &(*pp)->next)
            if ((*pp)->inode == src && !strcmp((*pp)->name, on)) {
                struct dirent *d = *pp;
                *pp = d->next;
                kfree(d);
                break;
            }
        od->nlink--;
        src->nlink--;
        struct inode *oldparent = src->parent;
        r = dir_link(nd, nn, src);
        if (oldparent)
            iput(oldparent); /* dir_link took a reference on the new parent */
    } else {
        r = dir_link(nd, nn, src);
        if (!r)
            dir_unlink(od, on, 0);
    }
    iput(src);
out:
    if (src)
        iput(src);
    if (dst)
        iput(dst);
    iput(od);
    iput(nd);
    return r;
}

SYSCALL(rename) { return do_rename(AT_FDCWD, a0, AT_FDCWD, a1); }
SYSCALL(renameat) { return do_rename((int)a0, a1, (int)a2, a3); }

static long do_link(int ofd, uint32_t uold, int nfd, uint32_t unew, int follow)
{
    int r = get_path(uold, path_a);
    if (!r)
        r = get_path(unew, path_b);
    if (r)
        return r;
    struct inode *ob, *nb, *src, *nd;
    char nn[NAME_MAX + 1];
    if ((r = at_base(ofd, path_a, &ob)) || (r = at_base(nfd, path_b, &nb)))
        return r;
    if ((r = namei(ob, path_a, follow ? LOOKUP_FOLLOW : 0, &src)))
        return r;
    if (S_ISTYPE(src->mode, S_IFDIR)) {
        iput(src);
        return -EPERM;
    }
    if ((r = nameiparent(nb, path_b, &nd, nn))) {
        iput(src);
        return r;
    }
    r = dir_link(nd, nn, src);
    iput(nd);
    iput(src);
    return r;
}

SYSCALL(link) { return do_link(AT_FDCWD, a0, AT_FDCWD, a1, 0); }
SYSCALL(linkat) { return do_link((int)a0, a1, (int)a2, a3, (a4 & AT_SYMLINK_FOLLOW) != 0); }

static long do_symlink(uint32_t utarget, int nfd, uint32_t upath)
{
    int r = strncpy_from_user(path_b, utarget, PATH_MAX);
    if (r < 0)
        return r;
    if (r == 0)
        return -ENOENT;
    if ((uint32_t)r > KHEAP_MAX - 1)
        return -ENAMETOOLONG;
    struct inode *base, *ip;
    if ((r = path_at(nfd, upath, &base)))
        return r;
    char *t = kmalloc(strlen(path_b) + 1);
    if (!t)
        return -ENOMEM;
    strlcpy(t, path_b, strlen(path_b) + 1);
    if ((r = vfs_create(base, path_a, S_IFLNK | 0777, 1, &ip))) {
        kfree(t);
        return r;
    }
    ip->mode = S_IFLNK | 0777;
    ip->target = t;
    ip->size = strlen(t);
    iput(ip);
    return 0;
}

SYSCALL(symlink) { return do_symlink(a0, AT_FDCWD, a1); }
SYSCALL(symlinkat) { return do_symlink(a0, (int)a1, a2); }

static long do_readlink(int dirfd, uint32_t upath, uint32_t ubuf, uint32_t size)
{
    int r = get_path(upath, path_a);
    if (r)
        return r;
    if ((int32_t)size <= 0)
        return -EINVAL;
    struct inode *base, *ip;
    if ((r = at_base(dirfd, path_a, &base)))
        return r;
    if ((r = namei(base, path_a, 0, &ip)))
        return r;
    if (!S_ISTYPE(ip->mode, S_IFLNK) || !ip->target) {
        iput(ip);
        return -EINVAL;
    }
    uint32_t l = strlen(ip->target);
    if (l > size)
        l = size;
    r = copy_to_user(ubuf, ip->target, l);
    iput(ip);
    return r ? r : (long)l;
}

SYSCALL(readlink) { return do_readlink(AT_FDCWD, a0, a1, a2); }
SYSCALL(readlinkat) { return do_readlink((int)a0, a1, a2, a3); }

static long do_access(int dirfd, uint32_t upath, uint32_t mode)
{
    if (mode & ~7u)
        return -EINVAL;
    struct inode *ip;
    int r = lookup_at(dirfd, upath, LOOKUP_FOLLOW, &ip);
    if (r)
        return r;
    /* Everyone is root: only execute needs a permission bit. */
    if ((mode & 1) && !(ip->mode & 0111) && !S_ISTYPE(ip->mode, S_IFDIR))
        r = -EACCES;
    iput(ip);
    return r;
}

SYSCALL(access) { return do_access(AT_FDCWD, a0, a1); }
SYSCALL(faccessat) { return do_access((int)a0, a1, a2); }
SYSCALL(faccessat2) { return do_access((int)a0, a1, a2); }

static long do_chmod(int dirfd, uint32_t upath, uint32_t mode, int follow)
{
    struct inode *ip;
    int r = lookup_at(dirfd, upath, follow ? LOOKUP_FOLLOW : 0, &ip);
    if (r)
        return r;
    ip->mode = (ip->mode & S_IFMT) | (mode & 07777);
    iput(ip);
    return 0;
}

SYSCALL(chmod) { return do_chmod(AT_FDCWD, a0, a1, 1); }
SYSCALL(fchmodat) { return do_chmod((int)a0, a1, a2, 1); }
SYSCALL(fchmod)
{
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    if (f->ip)
        f->ip->mode = (f->ip->mode & S_IFMT) | (a1 & 07777);
    return 0;
}

/* Ownership: everyone is root; the call checks its arguments and records the ids. */
static long chown_inode(struct inode *ip, uint32_t uid, uint32_t gid)
{
    if (uid != 0xffffffffu)
        ip->uid = uid;
    if (gid != 0xffffffffu)
        ip->gid = gid;
    return 0;
}

static long do_chown(int dirfd, uint32_t upath, uint32_t uid, uint32_t gid, int follow)
{
    struct inode *ip;
    int r = lookup_at(dirfd, upath, follow ? LOOKUP_FOLLOW : 0, &ip);
    if (r)
        return r;
    chown_inode(ip, uid, gid);
    iput(ip);
    return 0;
}

SYSCALL(chown32) { return do_chown(AT_FDCWD, a0, a1, a2, 1); }
SYSCALL(fchownat) { return do_chown((int)a0, a1, a2, a3, !(a4 & AT_SYMLINK_NOFOLLOW)); }
SYSCALL(fchown32)
{
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    return f->ip ? chown_inode(f->ip, a1, a2) : 0;
}

static long trunc_inode(struct inode *ip, uint64_t len)
{
    if (S_ISTYPE(ip->mode, S_IFDIR))
        return -EISDIR;
    if (!S_ISTYPE(ip->mode, S_IFREG) || ip->fops || ip->generate)
        return -EINVAL;
    return tmpfs_truncate(ip, len);
}

static long do_truncate(uint32_t upath, uint64_t len)
{
    if ((int64_t)len < 0)
        return -EINVAL;
    struct inode *ip;
    int r = lookup_at(AT_FDCWD, upath, LOOKUP_FOLLOW, &ip);
    if (r)
        return r;
    r = (int)trunc_inode(ip, len);
    iput(ip);
    return r;
}

static long do_ftruncate(uint32_t fd, uint64_t len)
{
    struct file *f = fd_get((int)fd);
    if (!f)
        return -EBADF;
    if ((int64_t)len < 0 || !f->ip || (f->flags & O_ACCMODE) == O_RDONLY)
        return -EINVAL;
    return trunc_inode(f->ip, len);
}

SYSCALL(truncate) { return do_truncate(a0, (uint64_t)(int32_t)a1); }
SYSCALL(ftruncate) { return do_ftruncate(a0, (uint64_t)(int32_t)a1); }
SYSCALL(truncate64) { return do_truncate(a0, (uint64_t)a1 | ((uint64_t)a2 << 32)); }
SYSCALL(ftruncate64) { return do_ftruncate(a0, (uint64_t)a1 | ((uint64_t)a2 << 32)); }

SYSCALL(umask)
{
    uint32_t old = current->umask;
    current->umask = a0 & 0777;
    return old;
}

SYSCALL(utimensat)
{
    /* utimensat(dirfd, path, times, flags): sets mtime to now (or as given, seconds only). */
    struct inode *ip;
    int r;
    int held = 0;
    if (!a1) {
        struct file *f = fd_get((int)a0);
        if (!f || !f->ip)
            return -EBADF;
        ip = f->ip;
    } else {
        if ((r = lookup_at((int)a0, a1, (a3 & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW, &ip)))
            return r;
        held = 1;
    }
    uint32_t t = get_wallclock();
    if (a2) {
        struct linux_timespec ts[2];
        if (copy_from_user(ts, a2, sizeof ts)) {
            if (held)
                iput(ip);
            return -EFAULT;
        }
        if (ts[1].tv_nsec != 0x3fffffff /* UTIME_NOW */ && ts[1].tv_nsec != 0x3ffffffe /* OMIT */)
            t = (uint32_t)ts[1].tv_sec;
    }
    ip->mtime = t;
    if (held)
        iput(ip);
    return 0;
}

SYSCALL(sync) { return 0; }
SYSCALL(fsync) { return fd_get((int)a0) ? 0 : -EBADF; }
SYSCALL(fdatasync) { return fd_get((int)a0) ? 0 : -EBADF; }

/* sendfile: in_fd -> out_fd through a kernel bounce buffer (the file operations take user
 * pointers; uaccess_kernel lets them take this buffer for the duration of the call). */
static long do_sendfile(uint32_t out_fd, uint32_t in_fd, uint32_t uoff, uint32_t count, int off64)
{
    struct file *out = fd_get((int)out_fd), *in = fd_get((int)in_fd);
    if (!out || !in)
        return -EBADF;
    if ((int32_t)count < 0)
        return -EINVAL;
    uint64_t off = 0;
    if (uoff) {
        if (!in->ip || !S_ISTYPE(in->ip->mode, S_IFREG) || in->ip->fops)
            return -ESPIPE;
        if (off64) {
            if (copy_from_user(&off, uoff, 8))
                return -EFAULT;
        } else {
            int32_t o;
            if (copy_from_user(&o, uoff, 4))
                return -EFAULT;
            off = (uint64_t)(int64_t)o;
        }
        if ((int64_t)off < 0)
            return -EINVAL;
        if (!vm_access_ok(current->mm, uoff, off64 ? 8 : 4, 1))
            return -EFAULT;
    }
    enum { CHUNK = KHEAP_MAX - 8 };
    char *bounce = kmalloc(CHUNK);
    if (!bounce)
        return -ENOMEM;
    uint64_t saved = in->pos;
    if (uoff)
        in->pos = off;
    long total = 0, r = 0;
    current->uaccess_kernel++;
    while ((uint32_t)total < count) {
        uint32_t want = count - (uint32_t)total < CHUNK ? count - (uint32_t)total : CHUNK;
        r = file_read(in, (uint32_t)(uintptr_t)bounce, want);
        if (r <= 0)
            break;
        long w = file_write(out, (uint32_t)(uintptr_t)bounce, (uint32_t)r);
        if (w < 0) { /* nothing of this chunk went out: the input gives it back */
            if (in->ip && S_ISTYPE(in->ip->mode, S_IFREG))
                in->pos -= (uint64_t)r;
            r = w;
            break;
        }
        total += w;
        if (w < r) { /* short write: give back what was read but not written */
            if (in->ip && S_ISTYPE(in->ip->mode, S_IFREG))
                in->pos -= (uint64_t)(r - w);
            break;
        }
        if ((uint32_t)r < want)
            break;
    }
    current->uaccess_kernel--;
    kfree(bounce);
    if (uoff) {
        off = in->pos;
        in->pos = saved;
        if (off64)
            copy_to_user(uoff, &off, 8);
        else {
            int32_t o = (int32_t)off;
            copy_to_user(uoff, &o, 4);
        }
    }
    return total ? total : r;
}

SYSCALL(sendfile) { return do_sendfile(a0, a1, a2, a3, 0); }
SYSCALL(sendfile64) { return do_sendfile(a0, a1, a2, a3, 1); }
