/* /proc: generated files for the utilities (cpuinfo, meminfo, uptime, version, mounts) and a
 * directory per process with stat, status and cmdline, enough for busybox ps; interrupts
 * (per-irq per-CPU counts, target and affinity: smp/irq_route.c).
 *
 * Generated inodes are made fresh at each lookup (nlink 0), so they vanish with their last
 * reference; their contents are produced when a file is opened. */
#include <stdint.h>
#include <lib/format.h>
#include <lib/string.h>
#include "vfs.h"
#include "boot.h"
#include "kmem.h"
#include "kheap.h"
#include "printk.h"
#include "proc.h"
#include "smp_irq.h"
#include "pv/pvops.h"

static int gen_cpuinfo(struct inode *ip, char *b, uint32_t n)
{
    uint32_t a, bx, c, d;
    char vendor[13];
    cpuid(0, &a, &bx, &c, &d);
    memcpy(vendor, &bx, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = 0;
    cpuid(1, &a, &bx, &c, &d);
    return snprintf(b, n, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
                    "stepping\t: %u\nflags\t\t: fpu pae%s%s%s\nbogomips\t: 100.00\n\n", vendor,
                    (a >> 8) & 0xf, (a >> 4) & 0xf, a & 0xf, (d & (1u << 25)) ? " sse" : "",
                    (d & (1u << 26)) ? " sse2" : "", nx_enabled ? " nx" : "");
}

static int gen_meminfo(struct inode *ip, char *b, uint32_t n)
{
    uint32_t total = lowmem_end_pfn * 4, fr = page_alloc_nr_free(&phys_pages) * 4;
    return snprintf(b, n, "MemTotal:       %8u kB\nMemFree:        %8u kB\nMemAvailable:   %8u kB\n"
                    "Buffers:               0 kB\nCached:                0 kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\n",
                    total, fr, fr);
}

static int gen_uptime(struct inode *ip, char *b, uint32_t n)
{
    uint32_t cs = (uint32_t)(sched_clock() / 10000000u);
    return snprintf(b, n, "%u.%02u 0.00\n", cs / 100, cs % 100);
}

static int gen_version(struct inode *ip, char *b, uint32_t n)
{
    return snprintf(b, n, "Moat guest kernel %s (%s)\n", KERNEL_VERSION, pv_ops.name);
}

static int gen_mounts(struct inode *ip, char *b, uint32_t n)
{
    return snprintf(b, n, "rootfs / tmpfs rw 0 0\nproc /proc proc rw 0 0\n");
}

/* Per-irq, per-CPU counts with the current target and affinity (smp/irq_route.c). */
static int gen_interrupts(struct inode *ip, char *b, uint32_t n) { return smp_irq_proc_interrupts(b, n); }

static char state_char(struct task *t)
{
    switch (t->state) {
    case T_RUNNING: case T_RUNNABLE: return 'R';
    case T_SLEEPING: return 'S';
    case T_ZOMBIE: return 'Z';
    default: return '?';
    }
}

static int gen_stat(struct inode *ip, char *b, uint32_t n)
{
    struct task *t = task_by_pid((int)ip->priv);
    if (!t)
        return 0;
    uint32_t vsz = 0, rss = 0;
    if (t->mm)
        for (struct vma *v = t->mm->vmas; v; v = v->next)
            vsz += v->end - v->start;
    return snprintf(b, n, "%d (%s) %c %d %d %d 0 %d 0 0 0 0 0 0 0 0 0 20 0 1 0 0 %u %u\n",
                    t->pid, t->name, state_char(t), t->parent ? t->parent->pid : 0, t->pgid,
                    t->sid, tty_foreground_pgrp(), vsz, rss);
}

static int gen_status(struct inode *ip, char *b, uint32_t n)
{
    struct task *t = task_by_pid((int)ip->priv);
    if (!t)
        return 0;
    return snprintf(b, n, "Name:\t%s\nState:\t%c\nPid:\t%d\nPPid:\t%d\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n",
                    t->name, state_char(t), t->pid, t->parent ? t->parent->pid : 0);
}

static int gen_cmdline(struct inode *ip, char *b, uint32_t n)
{
    struct task *t = task_by_pid((int)ip->priv);
    if (!t)
        return 0;
    uint32_t len = t->cmdline_len < n ? t->cmdline_len : n;
    memcpy(b, t->cmdline, len);
    return (int)len;
}

struct gen_file { const char *name; int (*gen)(struct inode *, char *, uint32_t); };
static const struct gen_file root_files[] = {
    { "cpuinfo", gen_cpuinfo }, { "meminfo", gen_meminfo }, { "uptime", gen_uptime },
    { "version", gen_version }, { "mounts", gen_mounts }, { "interrupts", gen_interrupts },
};
static const struct gen_file pid_files[] = {
    { "stat", gen_stat }, { "status", gen_status }, { "cmdline", gen_cmdline },
};
#define NROOT (sizeof root_files / sizeof root_files[0])
#define NPID (sizeof pid_files / sizeof pid_files[0])

static struct inode *gen_inode(const struct gen_file *g, uint32_t pid)
{
    struct inode *ip = inode_new(S_IFREG | 0444);
    if (ip) {
        ip->generate = g->gen;
        ip->priv = pid;
    }
    return ip;
}

static int parse_pid(const char *s)
{
    int v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 100000)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

static struct inode *proc_root;
static struct inode *pid_lookup(struct inode *dir, const char *name);
static int pid_readdir(struct inode *dir, uint32_t pos, char *name, uint32_t *ino, uint8_t *type);
static const struct dir_ops pid_dir_ops = { pid_lookup, pid_readdir };

static struct inode *pid_dir(int pid)
{
    struct inode *ip = inode_new(S_IFDIR | 0555);
    if (ip) {
        ip->dops = &pid_dir_ops;
        ip->priv = (uint32_t)pid;
        ip->parent = proc_root;
        iget(proc_root);
        ip->nlink = 0;
    }
    return ip;
}

static struct inode *root_lookup(struct inode *dir, const char *name)
{
    for (unsigned i = 0; i < NROOT; i++)
        if (!strcmp(name, root_files[i].name))
            return gen_inode(&root_files[i], 0);
    if (!strcmp(name, "self")) {
        struct inode *ip = inode_new(S_IFLNK | 0777);
        if (ip && current) {
            ip->target = kmalloc(16);
            if (ip->target)
                snprintf(ip->target, 16, "%d", current->pid);
        }
        return ip;
    }
    int pid = parse_pid(name);
    if (pid > 0 && task_by_pid(pid))
        return pid_dir(pid);
    return 0;
}

static int root_readdir(struct inode *dir, uint32_t pos, char *name, uint32_t *ino, uint8_t *type)
{
    if (pos < NROOT) {
        strlcpy(name, root_files[pos].name, NAME_MAX + 1);
        *ino = 0x10000 + pos;
        *type = DT_REG;
        return 1;
    }
    if (pos == NROOT) {
        strlcpy(name, "self", NAME_MAX + 1);
        *ino = 0x10000 + pos;
        *type = DT_LNK;
        return 1;
    }
    /* Positions past the fixed entries are task slots: the first used slot at or after pos
     * is the entry, and the reader continues after it. */
    for (uint32_t i = pos - NROOT - 1; i < NPROC; i++) {
        if (tasks[i].state != T_UNUSED) {
            snprintf(name, NAME_MAX + 1, "%d", tasks[i].pid);
            *ino = 0x20000 + (uint32_t)tasks[i].pid;
            *type = DT_DIR;
            return (int)(i - (pos - NROOT - 1)) + 1; /* how far it advanced, + 1 */
        }
    }
    return 0;
}

static struct inode *pid_lookup(struct inode *dir, const char *name)
{
    if (!task_by_pid((int)dir->priv))
        return 0;
    for (unsigned i = 0; i < NPID; i++)
        if (!strcmp(name, pid_files[i].name))
            return gen_inode(&pid_files[i], dir->priv);
    return 0;
}

static int pid_readdir(struct inode *dir, uint32_t pos, char *name, uint32_t *ino, uint8_t *type)
{
    if (pos >= NPID)
        return 0;
    strlcpy(name, pid_files[pos].name, NAME_MAX + 1);
    *ino = 0x30000 + pos;
    *type = DT_REG;
    return 1;
}

static const struct dir_ops proc_root_ops = { root_lookup, root_readdir };

void procfs_init(void)
{
    struct inode *p;
    if (vfs_create(0, "/proc", S_IFDIR | 0555, 0, &p))
        panic("procfs: cannot create /proc");
    /* Whatever the initrd put in /proc is hidden behind the generated contents. */
    p->dops = &proc_root_ops;
    proc_root = p;
}
