/* Character devices in /dev: console and tty (the serial tty), null, zero, urandom. */
#include <stdint.h>
#include <lib/string.h>
#include "vfs.h"
#include "printk.h"
#include "trap.h"
#include "uaccess.h"
#include "pv/pvops.h"

static long null_read(struct file *f, uint32_t ubuf, uint32_t n) { return 0; }
static long null_write(struct file *f, uint32_t ubuf, uint32_t n) { return n; }
static long zero_read(struct file *f, uint32_t ubuf, uint32_t n) { return clear_user(ubuf, n) ? -EFAULT : (long)n; }

/* Not cryptographic: seeded from the clock, for programs that want some randomness. */
static uint32_t rnd_state = 0x9e3779b9u;
uint32_t kernel_random(void)
{
    rnd_state ^= (uint32_t)sched_clock();
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return rnd_state;
}

/* /dev/urandom and getrandom(): the bytes read so far on a fault, -EFAULT if none. */
long random_to_user(uint32_t ubuf, uint32_t n)
{
    uint32_t done = 0;
    while (done < n) {
        uint32_t v = kernel_random(), c = n - done < 4 ? n - done : 4;
        if (copy_to_user(ubuf + done, &v, c))
            return done ? (long)done : -EFAULT;
        done += c;
    }
    return done;
}

static long random_read(struct file *f, uint32_t ubuf, uint32_t n) { return random_to_user(ubuf, n); }

static const struct file_ops null_ops = { .read = null_read, .write = null_write };
static const struct file_ops zero_ops = { .read = zero_read, .write = null_write };
static const struct file_ops random_ops = { .read = random_read, .write = null_write };

static void add_dev(struct inode *dev, const char *name, const struct file_ops *ops, uint32_t rdev)
{
    struct inode *ip = inode_new(S_IFCHR | 0666);
    if (!ip || dir_link(dev, name, ip))
        panic("devfs: cannot create /dev/%s", name);
    ip->fops = ops;
    ip->rdev = rdev;
    iput(ip);
}

void devfs_init(void)
{
    struct inode *dev;
    if (vfs_create(0, "/dev", S_IFDIR | 0755, 0, &dev))
        panic("devfs: cannot create /dev");
    if (!S_ISTYPE(dev->mode, S_IFDIR))
        panic("devfs: /dev is not a directory");
    /* Entries the initrd may already have made (an empty /dev is usual) are replaced. */
    static const char *const names[] = { "console", "tty", "null", "zero", "urandom", "random" };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        dir_unlink(dev, names[i], 0);
    add_dev(dev, "console", &tty_ops, (5u << 8) | 1);
    add_dev(dev, "tty", &tty_ops, (5u << 8) | 0);
    add_dev(dev, "null", &null_ops, (1u << 8) | 3);
    add_dev(dev, "zero", &zero_ops, (1u << 8) | 5);
    add_dev(dev, "urandom", &random_ops, (1u << 8) | 9);
    add_dev(dev, "random", &random_ops, (1u << 8) | 8);
    iput(dev);
}
