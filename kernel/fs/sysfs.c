/* /sys/devices/system/cpu: CPU hotplug from user space, as Linux spells it.
 *
 *   cpuN/online   read "1\n" or "0\n"; write "0" takes CPU N offline, "1" brings it back
 *                 (cpu_down / cpu_up, smp/hotplug.c); busybox `echo 0 > .../cpu1/online`
 *   cpuN/stat     "ticks T ipis I stray S boots B state X tasks N\n": the per-CPU counters
 *                 the system test reads to see that nothing is lost and an offline CPU is
 *                 quiet; tasks counts the task switches onto that CPU (processes run there)
 *   online, possible   CPU lists ("0-3", "0,2-3")
 * cpu0/online does not exist (the boot CPU cannot go offline), as on Linux without
 * CONFIG_BOOTPARAM_HOTPLUG_CPU0.
 *
 * Invariant: a write is parsed completely before anything changes: only "0" or "1" with an
 * optional newline is accepted (else -EINVAL); errors from the hotplug core come back as the
 * write's result (-EBUSY, -EIO), so a shell sees them. */
#include <stdint.h>
#include <lib/format.h>
#include <lib/string.h>
#include "vfs.h"
#include "printk.h"
#include "smp.h"
#include "trap.h"
#include "uaccess.h"

static long read_text(struct file *f, uint32_t ubuf, uint32_t n, const char *text)
{
    uint32_t len = (uint32_t)strlen(text);
    if (f->pos >= len)
        return 0;
    uint32_t c = len - (uint32_t)f->pos < n ? len - (uint32_t)f->pos : n;
    if (copy_to_user(ubuf, text + f->pos, c))
        return -EFAULT;
    f->pos += c;
    return c;
}

static long online_read(struct file *f, uint32_t ubuf, uint32_t n)
{
    return read_text(f, ubuf, n, cpu_online(f->ip->priv) ? "1\n" : "0\n");
}

static long online_write(struct file *f, uint32_t ubuf, uint32_t n)
{
    char b[4] = { 0 };
    if (n == 0 || n > 2)
        return -EINVAL;
    if (copy_from_user(b, ubuf, n))
        return -EFAULT;
    if ((b[0] != '0' && b[0] != '1') || (n == 2 && b[1] != '\n'))
        return -EINVAL;
    unsigned cpu = f->ip->priv;
    int want = b[0] == '1';
    if (want == cpu_online(cpu))
        return n; /* already there: Linux accepts it too */
    int rc = want ? cpu_up(cpu) : cpu_down(cpu);
    if (rc == 0)
        printk(KERN_INFO "smp: cpu %u %s\n", cpu, want ? "online" : "offline");
    return rc ? rc : (long)n;
}

static long stat_read(struct file *f, uint32_t ubuf, uint32_t n)
{
    static const char *const names[] = { "absent", "offline", "booting", "online", "dying", "dead" };
    const struct cpu_data *c = &cpu_data[f->ip->priv];
    char b[128];
    int st = c->state;
    snprintf(b, sizeof b, "ticks %u ipis %u stray %u boots %u state %s tasks %u\n", c->ticks, c->ipis,
             c->stray, c->boots, st >= 0 && st <= CPU_DEAD ? names[st] : "?", c->tasks);
    return read_text(f, ubuf, n, b);
}

static void cpu_list(uint32_t mask, char *b, uint32_t size)
{
    uint32_t len = 0;
    b[0] = 0;
    for (unsigned c = 0; c < NR_CPUS; c++) {
        if (!((mask >> c) & 1))
            continue;
        unsigned e = c;
        while (e + 1 < NR_CPUS && ((mask >> (e + 1)) & 1))
            e++;
        len += (uint32_t)snprintf(b + len, size - len, e > c ? "%s%u-%u" : "%s%u", len ? "," : "", c, e);
        c = e;
    }
    snprintf(b + len, size - len, "\n");
}

static long list_read(struct file *f, uint32_t ubuf, uint32_t n)
{
    char b[48];
    uint32_t mask = f->ip->priv ? cpu_online_mask : (nr_cpus_possible >= 32 ? ~0u : (1u << nr_cpus_possible) - 1);
    cpu_list(mask, b, sizeof b);
    return read_text(f, ubuf, n, b);
}

static long ro_write(struct file *f, uint32_t ubuf, uint32_t n) { return -EACCES; }

static const struct file_ops online_ops = { .read = online_read, .write = online_write };
static const struct file_ops stat_ops = { .read = stat_read, .write = ro_write };
static const struct file_ops list_ops = { .read = list_read, .write = ro_write };

static void add_file(struct inode *dir, const char *name, uint32_t mode, const struct file_ops *ops, uint32_t priv)
{
    struct inode *ip = inode_new(S_IFREG | mode);
    if (!ip || dir_link(dir, name, ip))
        panic("sysfs: cannot create %s", name);
    ip->fops = ops;
    ip->priv = priv;
    iput(ip);
}

static struct inode *make_dir(struct inode *base, const char *path)
{
    struct inode *d;
    if (vfs_create(base, path, S_IFDIR | 0755, 0, &d) || !S_ISTYPE(d->mode, S_IFDIR))
        panic("sysfs: cannot create %s", path);
    return d;
}

void sysfs_init(void)
{
    iput(make_dir(0, "/sys"));
    iput(make_dir(0, "/sys/devices"));
    iput(make_dir(0, "/sys/devices/system"));
    struct inode *cpus = make_dir(0, "/sys/devices/system/cpu");
    dir_unlink(cpus, "online", 0);
    dir_unlink(cpus, "possible", 0);
    add_file(cpus, "online", 0444, &list_ops, 1);
    add_file(cpus, "possible", 0444, &list_ops, 0);
    for (unsigned c = 0; c < nr_cpus_possible; c++) {
        char name[8];
        snprintf(name, sizeof name, "cpu%u", c);
        struct inode *d = make_dir(cpus, name);
        dir_unlink(d, "online", 0);
        dir_unlink(d, "stat", 0);
        if (c != 0 && CONFIG_HOTPLUG_CPU)
            add_file(d, "online", 0644, &online_ops, c);
        add_file(d, "stat", 0444, &stat_ops, c);
        iput(d);
    }
    iput(cpus);
}
