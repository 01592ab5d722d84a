/* Bringing up the Unix layer at boot: the filesystem from the initrd, /dev and /proc, the
 * system-call gate, then pid 1 (/init normally; /bin/usertests with `test`). */
#include <stdint.h>
#include "boot.h"
#include "printk.h"
#include "smp.h"
#include "proc.h"
#include "vfs.h"
#include "pv/pvops.h"

static int unix_ready;

static int unix_boot(void)
{
    if (unix_ready)
        return unix_ready > 0 ? 0 : -1;
    unix_ready = -1;
    vfs_init();
    if (!boot_initrd_len) {
        printk(KERN_ERR "unix: no initrd: no user space to run\n");
        return -1;
    }
    int n = initrd_unpack(boot_initrd, boot_initrd_len);
    if (n < 0) {
        printk(KERN_ERR "unix: initrd unreadable (error %d)\n", -n);
        return -1;
    }
    devfs_init();
    procfs_init();
    sysfs_init(); /* H15: /sys/devices/system/cpu (CPU hotplug) */
    proc_init();
    printk(KERN_INFO "unix: initrd unpacked: %d files\n", n);
    unix_ready = 1;
    return 0;
}

static void report(const char *what, int status)
{
    if ((status & 0x7f) == 0)
        printk(KERN_INFO "%s exited with status %d\n", what, (status >> 8) & 0xff);
    else
        printk(KERN_INFO "%s killed by signal %d\n", what, status & 0x7f);
}

int unix_run_usertests(void)
{
    static const char *const argv[] = { "usertests", 0 };
    if (unix_boot()) {
        printk("usertests: 0 passed, 1 failed (no user space)\n");
        return 1;
    }
    int st = proc_run_init("/bin/usertests", argv);
    report("usertests", st);
    return st != 0;
}

int unix_run_bench(const char *const argv[]) /* H12: argv 0 = the whole suite */
{
    static const char *const all[] = { "bench", 0 };
    if (!argv)
        argv = all;
    if (unix_boot())
        return -ENOENT;
    struct inode *ip;
    if (namei(0, "/bin/bench", LOOKUP_FOLLOW, &ip))
        return -ENOENT;
    iput(ip);
    return proc_run_init("/bin/bench", argv);
}

void __attribute__((noreturn)) unix_start_init(void)
{
    static const char *const argv[] = { "/init", 0 };
    if (unix_boot()) {
        printk(KERN_INFO "no user space: idle\n");
        for (;;)
            safe_halt();
    }
    int st = proc_run_init("/init", argv);
    report("init", st);
    power_off(st == 0 ? 0 : 1);
}
