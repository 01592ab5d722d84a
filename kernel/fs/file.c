/* Open files and file descriptors. A struct file is shared by dup'ed and inherited
 * descriptors (one offset, one set of status flags), as in Unix. */
#include <stdint.h>
#include <lib/string.h>
#include "vfs.h"
#include "kheap.h"
#include "proc.h"
#include "uaccess.h"

static long reg_read(struct file *f, uint32_t ubuf, uint32_t n)
{
    long r = tmpfs_read_user(f->ip, f->pos, ubuf, n);
    if (r > 0)
        f->pos += (uint64_t)r;
    return r;
}

static long reg_write(struct file *f, uint32_t ubuf, uint32_t n)
{
    if (f->flags & O_APPEND)
        f->pos = f->ip->size;
    long r = tmpfs_write(f->ip, f->pos, (const void *)(uintptr_t)ubuf, n, 1);
    if (r > 0)
        f->pos += (uint64_t)r;
    return r;
}

static int reg_poll(struct file *f) { return POLLIN | POLLOUT; }

static const struct file_ops reg_ops = { .read = reg_read, .write = reg_write, .poll = reg_poll };

/* Generated (/proc) files: contents are produced once at open, then read like a file. */
static long gen_read(struct file *f, uint32_t ubuf, uint32_t n)
{
    if (f->pos >= f->priv_len)
        return 0;
    if (n > f->priv_len - f->pos)
        n = (uint32_t)(f->priv_len - f->pos);
    if (copy_to_user(ubuf, (char *)f->priv + f->pos, n))
        return -EFAULT;
    f->pos += n;
    return n;
}
static long gen_write(struct file *f, uint32_t ubuf, uint32_t n) { return -EACCES; }
static void gen_release(struct file *f) { kfree(f->priv); }
static const struct file_ops gen_ops = { .read = gen_read, .write = gen_write, .poll = reg_poll, .release = gen_release };

static long dir_read(struct file *f, uint32_t ubuf, uint32_t n) { return -EISDIR; }
static long dir_write(struct file *f, uint32_t ubuf, uint32_t n) { return -EISDIR; }
static const struct file_ops dir_ops_file = { .read = dir_read, .write = dir_write, .poll = reg_poll };

struct file *file_open_inode(struct inode *ip, uint32_t flags)
{
    struct file *f = kmalloc(sizeof *f);
    if (!f)
        return 0;
    f->refs = 1;
    f->ip = ip;
    f->flags = flags;
    if (ip) {
        iget(ip);
        if (ip->generate) {
            f->ops = &gen_ops;
            f->priv = kmalloc(KHEAP_MAX);
            if (!f->priv) {
                iput(ip);
                kfree(f);
                return 0;
            }
            int len = ip->generate(ip, f->priv, KHEAP_MAX);
            f->priv_len = len > 0 ? (uint32_t)len : 0;
        } else if (ip->fops) {
            f->ops = ip->fops;
        } else if (S_ISTYPE(ip->mode, S_IFDIR)) {
            f->ops = &dir_ops_file;
        } else {
            f->ops = &reg_ops;
        }
    }
    return f;
}

void file_get(struct file *f) { f->refs++; }

void file_put(struct file *f)
{
    if (!f || --f->refs > 0)
        return;
    if (f->ops && f->ops->release)
        f->ops->release(f);
    if (f->ip)
        iput(f->ip);
    kfree(f);
}

long file_read(struct file *f, uint32_t ubuf, uint32_t n)
{
    if ((f->flags & O_ACCMODE) == O_WRONLY || (f->flags & O_PATH))
        return -EBADF;
    return f->ops->read(f, ubuf, n);
}

long file_write(struct file *f, uint32_t ubuf, uint32_t n)
{
    if ((f->flags & O_ACCMODE) == O_RDONLY || (f->flags & O_PATH))
        return -EBADF;
    return f->ops->write(f, ubuf, n);
}

int file_poll(struct file *f) { return f->ops->poll ? f->ops->poll(f) : (POLLIN | POLLOUT); }

void stat_fill(struct inode *ip, struct linux_stat64 *st)
{
    memset(st, 0, sizeof *st);
    st->st_dev = 1;
    st->__st_ino = ip->ino;
    st->st_ino = ip->ino;
    st->st_mode = ip->mode;
    st->st_nlink = ip->nlink ? ip->nlink : 1;
    st->st_uid = ip->uid;
    st->st_gid = ip->gid;
    st->st_rdev = ip->rdev;
    st->st_size = S_ISTYPE(ip->mode, S_IFLNK) && ip->target ? (int64_t)strlen(ip->target) : (int64_t)ip->size;
    st->st_blksize = 4096;
    st->st_blocks = (ip->size + 511) / 512;
    st->st_atime = ip->atime;
    st->st_mtime = ip->mtime;
    st->st_ctime = ip->ctime;
}

/* ---- descriptors of the current task ---- */

int fd_alloc(struct file *f, int min)
{
    for (int fd = min < 0 ? 0 : min; fd < NOFILE; fd++)
        if (!current->fd[fd]) {
            current->fd[fd] = f;
            current->cloexec &= ~(1ull << fd);
            return fd;
        }
    return -EMFILE;
}

struct file *fd_get(int fd)
{
    if (fd < 0 || fd >= NOFILE)
        return 0;
    return current->fd[fd];
}

int fd_close(int fd)
{
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    current->fd[fd] = 0;
    current->cloexec &= ~(1ull << fd);
    file_put(f);
    return 0;
}
