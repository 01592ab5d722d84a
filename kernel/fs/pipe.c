/* Pipes: a one-page ring buffer between a read end and a write end.
 *
 * Invariants:
 *  - 0 <= wpos - rpos <= PIPE_SIZE (free-running counters).
 *  - Writes of at most PIPE_BUF bytes are atomic: they wait until all of it fits.
 *  - Reading with no writer left returns 0 (end of file); writing with no reader left
 *    raises SIGPIPE and fails with -EPIPE. */
#include <stdint.h>
#include "vfs.h"
#include "kheap.h"
#include "kmem.h"
#include "mm.h"
#include "proc.h"
#include "uaccess.h"

#define PIPE_SIZE PAGE_SIZE
#define PIPE_BUF 4096

struct pipe {
    uint8_t *buf;
    uint32_t rpos, wpos;
    int readers, writers;
};

static long pipe_read(struct file *f, uint32_t ubuf, uint32_t n)
{
    struct pipe *p = f->priv;
    if (!n)
        return 0;
    while (p->wpos == p->rpos) {
        if (!p->writers)
            return 0;
        if (f->flags & O_NONBLOCK)
            return -EAGAIN;
        if (sleep_on(p, 1))
            return -EINTR;
    }
    uint32_t done = 0;
    while (done < n && p->rpos != p->wpos) {
        uint32_t at = p->rpos % PIPE_SIZE, chunk = PIPE_SIZE - at;
        if (chunk > p->wpos - p->rpos)
            chunk = p->wpos - p->rpos;
        if (chunk > n - done)
            chunk = n - done;
        if (copy_to_user(ubuf + done, p->buf + at, chunk)) {
            if (!done)
                return -EFAULT;
            break;
        }
        p->rpos += chunk;
        done += chunk;
    }
    wakeup(p);
    return done;
}

static long pipe_write(struct file *f, uint32_t ubuf, uint32_t n)
{
    struct pipe *p = f->priv;
    uint32_t done = 0;
    while (done < n) {
        if (!p->readers) {
            send_signal(current, SIGPIPE);
            return done ? (long)done : -EPIPE;
        }
        uint32_t space = PIPE_SIZE - (p->wpos - p->rpos);
        uint32_t want = n - done;
        int atomic = n <= PIPE_BUF;
        if (space == 0 || (atomic && space < want)) {
            if (f->flags & O_NONBLOCK)
                return done ? (long)done : -EAGAIN;
            if (sleep_on(p, 1))
                return done ? (long)done : -EINTR;
            continue;
        }
        uint32_t at = p->wpos % PIPE_SIZE, chunk = PIPE_SIZE - at;
        if (chunk > space)
            chunk = space;
        if (chunk > want)
            chunk = want;
        if (copy_from_user(p->buf + at, ubuf + done, chunk)) {
            if (!done)
                return -EFAULT;
            break;
        }
        p->wpos += chunk;
        done += chunk;
        wakeup(p);
    }
    return done;
}

static int pipe_poll(struct file *f)
{
    struct pipe *p = f->priv;
    int m = 0;
    if ((f->flags & O_ACCMODE) == O_RDONLY) {
        if (p->wpos != p->rpos)
            m |= POLLIN;
        if (!p->writers)
            m |= POLLHUP;
    } else {
        if (PIPE_SIZE - (p->wpos - p->rpos) > 0)
            m |= POLLOUT;
        if (!p->readers)
            m |= POLLERR;
    }
    return m;
}

static void pipe_release(struct file *f)
{
    struct pipe *p = f->priv;
    if ((f->flags & O_ACCMODE) == O_RDONLY)
        p->readers--;
    else
        p->writers--;
    wakeup(p);
    if (!p->readers && !p->writers) {
        free_page(virt_to_pfn(p->buf));
        kfree(p);
    }
}

static long pipe_bad_read(struct file *f, uint32_t ubuf, uint32_t n) { return -EBADF; }
static long pipe_bad_write(struct file *f, uint32_t ubuf, uint32_t n) { return -EBADF; }

static const struct file_ops pipe_read_ops = { .read = pipe_read, .write = pipe_bad_write, .poll = pipe_poll, .release = pipe_release };
static const struct file_ops pipe_write_ops = { .read = pipe_bad_read, .write = pipe_write, .poll = pipe_poll, .release = pipe_release };

int pipe_create(struct file **rd, struct file **wr)
{
    struct pipe *p = kmalloc(sizeof *p);
    if (!p)
        return -ENOMEM;
    uint32_t pfn;
    if (alloc_zeroed_page(&pfn)) {
        kfree(p);
        return -ENOMEM;
    }
    p->buf = pfn_to_virt(pfn);
    struct file *r = file_open_inode(0, O_RDONLY), *w = file_open_inode(0, O_WRONLY);
    if (!r || !w) {
        kfree(r);
        kfree(w);
        free_page(pfn);
        kfree(p);
        return -ENOMEM;
    }
    p->readers = p->writers = 1;
    r->priv = w->priv = p;
    r->ops = &pipe_read_ops;
    w->ops = &pipe_write_ops;
    *rd = r;
    *wr = w;
    return 0;
}
