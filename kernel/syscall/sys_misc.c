/* Miscellaneous system calls: uname, clocks, reboot, sysinfo, randomness, poll/select. */
#include <stdint.h>
#include <lib/string.h>
#include "syscalls.h"
#include "boot.h"
#include "kmem.h"
#include "mm.h"
#include "printk.h"
#include "proc.h"
#include "uaccess.h"
#include "vfs.h"
#include "pv/pvops.h"

static char hostname[65] = "moat";
extern void *const poll_channel;

SYSCALL(uname)
{
    struct linux_utsname u;
    memset(&u, 0, sizeof u);
    strlcpy(u.sysname, "Linux", sizeof u.sysname);
    strlcpy(u.nodename, hostname, sizeof u.nodename);
    strlcpy(u.release, "6.1.0-moat", sizeof u.release);
    strlcpy(u.version, "#1 Moat guest kernel " KERNEL_VERSION, sizeof u.version);
    strlcpy(u.machine, "i686", sizeof u.machine);
    strlcpy(u.domainname, "(none)", sizeof u.domainname);
    return copy_to_user(a0, &u, sizeof u);
}

SYSCALL(sethostname)
{
    if (a1 > 64)
        return -EINVAL;
    char n[65];
    if (copy_from_user(n, a0, a1))
        return -EFAULT;
    n[a1] = 0;
    memcpy(hostname, n, a1 + 1);
    return 0;
}

static uint32_t boot_wallclock;
static uint64_t now_ns(void) { return sched_clock(); }
static uint64_t real_ns(void)
{
    if (!boot_wallclock)
        boot_wallclock = get_wallclock() - (uint32_t)(sched_clock() / 1000000000ull);
    return (uint64_t)boot_wallclock * 1000000000ull + now_ns();
}

SYSCALL(time)
{
    int32_t t = (int32_t)(real_ns() / 1000000000ull);
    if (a0 && copy_to_user(a0, &t, 4))
        return -EFAULT;
    return t;
}

SYSCALL(gettimeofday)
{
    if (a0) {
        uint64_t ns = real_ns();
        struct linux_timeval tv = { (int32_t)(ns / 1000000000ull), (int32_t)(ns % 1000000000ull / 1000) };
        if (copy_to_user(a0, &tv, sizeof tv))
            return -EFAULT;
    }
    if (a1 && clear_user(a1, 8))
        return -EFAULT;
    return 0;
}

static int clock_ns(uint32_t clk, uint64_t *ns)
{
    switch (clk) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
        *ns = real_ns();
        return 0;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
        *ns = now_ns();
        return 0;
    }
    return -EINVAL;
}

/* Store ns at uts as a struct timespec: the 32-bit one, or (is64) the time64 one. */
static long put_timespec(uint32_t uts, uint64_t ns, int is64)
{
    if (is64) {
        struct linux_timespec64 ts = { (int64_t)(ns / 1000000000ull), (int64_t)(ns % 1000000000ull) };
        return copy_to_user(uts, &ts, sizeof ts);
    }
    struct linux_timespec ts = { (int32_t)(ns / 1000000000ull), (int32_t)(ns % 1000000000ull) };
    return copy_to_user(uts, &ts, sizeof ts);
}

/* Read the struct timespec at uts (32-bit, or is64 the time64 one): 0 or -EFAULT. */
static int get_timespec(uint32_t uts, int is64, int64_t *s, int64_t *ns)
{
    if (is64) {
        struct linux_timespec64 t;
        if (copy_from_user(&t, uts, sizeof t))
            return -EFAULT;
        *s = t.tv_sec;
        *ns = t.tv_nsec;
    } else {
        struct linux_timespec t;
        if (copy_from_user(&t, uts, sizeof t))
            return -EFAULT;
        *s = t.tv_sec;
        *ns = t.tv_nsec;
    }
    return 0;
}

static long do_clock_gettime(uint32_t clk, uint32_t uts, int is64)
{
    uint64_t ns;
    int r = clock_ns(clk, &ns);
    if (r)
        return r;
    return put_timespec(uts, ns, is64);
}

/* Every clock ticks at TIMER_HZ; a null uts only checks the clock id. */
static long do_clock_getres(uint32_t clk, uint32_t uts, int is64)
{
    uint64_t ns;
    int r = clock_ns(clk, &ns);
    if (r)
        return r;
    return uts ? put_timespec(uts, 1000000000 / TIMER_HZ, is64) : 0;
}

SYSCALL(clock_gettime) { return do_clock_gettime(a0, a1, 0); }
SYSCALL(clock_gettime64) { return do_clock_gettime(a0, a1, 1); }
SYSCALL(clock_getres) { return do_clock_getres(a0, a1, 0); }
SYSCALL(clock_getres_time64) { return do_clock_getres(a0, a1, 1); }

SYSCALL(reboot)
{
    if (a0 != LINUX_REBOOT_MAGIC1 || (a1 != 672274793 && a1 != 85072278 && a1 != 369367448 && a1 != 537993216))
        return -EINVAL;
    switch (a2) {
    case LINUX_REBOOT_CMD_POWER_OFF:
    case LINUX_REBOOT_CMD_HALT:
    case LINUX_REBOOT_CMD_RESTART:
        printk(KERN_INFO "reboot: power off requested by pid %d\n", current->pid);
        power_off(0);
    case LINUX_REBOOT_CMD_CAD_OFF:
    case 0x89ABCDEF: /* CAD_ON */
        return 0;
    }
    return -EINVAL;
}

SYSCALL(sysinfo)
{
    uint32_t info[16];
    memset(info, 0, sizeof info);
    info[0] = (uint32_t)(sched_clock() / 1000000000ull);
    info[4] = lowmem_end_pfn;                     /* totalram (in mem_unit) */
    info[5] = page_alloc_nr_free(&phys_pages);    /* freeram */
    uint16_t procs = 0;
    for (int i = 0; i < NPROC; i++)
        procs += tasks[i].state != T_UNUSED;
    info[10] = procs;
    info[13] = PAGE_SIZE; /* mem_unit, after totalhigh/freehigh at 11, 12 */
    /* struct sysinfo: uptime, loads[3], totalram, freeram, sharedram, bufferram, totalswap,
     * freeswap, procs (u16 + pad), totalhigh, freehigh, mem_unit, padding: 64 bytes. */
    uint8_t out[64];
    memset(out, 0, sizeof out);
    memcpy(out, info, 40);
    memcpy(out + 40, &procs, 2);
    uint32_t unit = PAGE_SIZE;
    memcpy(out + 52, &unit, 4);
    return copy_to_user(a0, out, sizeof out);
}

SYSCALL(getrandom)
{
    if (a2 & ~7u)
        return -EINVAL;
    return random_to_user(a0, a1);
}

/* ---- poll and select: check every descriptor, sleep until any wakeup or the timeout ---- */

#define POLL_MAX 256

/* A timeout in ticks, rounded up, plus one: the current tick is already partly over, so
 * without it a wait could end up to one tick early (Linux adds the same jiffy). */
static long wait_ticks(int64_t timeout_ms)
{
    if (timeout_ms < 0)
        return -1;
    if (timeout_ms == 0)
        return 0;
    if (timeout_ms > 0x7fffffffLL / TIMER_HZ)
        timeout_ms = 0x7fffffffLL / TIMER_HZ;
    return (long)((timeout_ms * TIMER_HZ + 999) / 1000) + 1;
}

static long do_poll(uint32_t ufds, uint32_t nfds, int64_t timeout_ms)
{
    if (nfds > POLL_MAX)
        return -EINVAL;
    static struct linux_pollfd pf[POLL_MAX];
    if (nfds && copy_from_user(pf, ufds, nfds * sizeof pf[0]))
        return -EFAULT;
    if (nfds && !vm_access_ok(current->mm, ufds, nfds * sizeof pf[0], 1))
        return -EFAULT;
    long ticks = wait_ticks(timeout_ms);
    uint32_t deadline = jiffies + (uint32_t)(ticks > 0 ? ticks : 0);
    for (;;) {
        long ready = 0;
        for (uint32_t i = 0; i < nfds; i++) {
            pf[i].revents = 0;
            if (pf[i].fd < 0)
                continue;
            struct file *f = fd_get(pf[i].fd);
            if (!f) {
                pf[i].revents = POLLNVAL;
            } else {
                int m = file_poll(f);
                int want = pf[i].events | POLLERR | POLLHUP;
                if (m & POLLIN)
                    m |= POLLRDNORM;
                if (m & POLLOUT)
                    m |= POLLWRNORM;
                pf[i].revents = (int16_t)(m & want);
            }
            if (pf[i].revents)
                ready++;
        }
        if (ready || ticks == 0 || (ticks > 0 && (int32_t)(jiffies - deadline) >= 0)) {
            if (nfds && copy_to_user(ufds, pf, nfds * sizeof pf[0]))
                return -EFAULT;
            return ready;
        }
        int r = ticks > 0 ? sleep_timeout(poll_channel, deadline - jiffies, 1) : sleep_on(poll_channel, 1);
        if (r)
            return -EINTR;
    }
}

SYSCALL(poll) { return do_poll(a0, a1, (int32_t)a2); }

static int64_t ts_ms(uint32_t uts, int is64, int *err)
{
    *err = 0;
    if (!uts)
        return -1;
    int64_t s, ns;
    if ((*err = get_timespec(uts, is64, &s, &ns)))
        return 0;
    if (s < 0 || ns < 0 || ns >= 1000000000) {
        *err = -EINVAL;
        return 0;
    }
    return s * 1000 + (ns + 999999) / 1000000;
}

SYSCALL(ppoll)
{
    int err;
    int64_t ms = ts_ms(a2, 0, &err);
    if (err)
        return err;
    uint64_t saved = current->sig_blocked, m;
    if (a3) {
        if (copy_from_user(&m, a3, 8))
            return -EFAULT;
        current->sig_blocked = sigmask_fix(m);
    }
    long r = do_poll(a0, a1, ms);
    if (a3) {
        if (r == -EINTR) {
            current->sig_saved = saved;
            current->has_saved_mask = 1;
        } else {
            current->sig_blocked = saved;
        }
    }
    return r;
}

/* *left: ticks of the timeout still unused when it returns (Linux writes it back). */
static long do_select(uint32_t n, uint32_t urd, uint32_t uwr, uint32_t uex, int64_t timeout_ms, uint32_t *left)
{
    *left = 0;
    if ((int32_t)n < 0)
        return -EINVAL;
    if (n > NOFILE)
        n = NOFILE;
    uint32_t words = (n + 31) / 32;
    uint32_t rd[2] = { 0, 0 }, wr[2] = { 0, 0 }, ex[2] = { 0, 0 };
    if ((urd && copy_from_user(rd, urd, words * 4)) || (uwr && copy_from_user(wr, uwr, words * 4)) ||
        (uex && copy_from_user(ex, uex, words * 4)))
        return -EFAULT;
    if ((urd && !vm_access_ok(current->mm, urd, words * 4, 1)) || (uwr && !vm_access_ok(current->mm, uwr, words * 4, 1)) ||
        (uex && !vm_access_ok(current->mm, uex, words * 4, 1)))
        return -EFAULT;
    for (uint32_t fd = 0; fd < n; fd++)
        if ((((rd[fd / 32] | wr[fd / 32] | ex[fd / 32]) >> (fd % 32)) & 1) && !fd_get((int)fd))
            return -EBADF;
    long ticks = wait_ticks(timeout_ms);
    uint32_t deadline = jiffies + (uint32_t)(ticks > 0 ? ticks : 0);
    for (;;) {
        uint32_t ord[2] = { 0, 0 }, owr[2] = { 0, 0 };
        long ready = 0;
        for (uint32_t fd = 0; fd < n; fd++) {
            uint32_t bit = 1u << (fd % 32), w = fd / 32;
            if (!((rd[w] | wr[w]) & bit))
                continue;
            int m = file_poll(fd_get((int)fd));
            if ((rd[w] & bit) && (m & (POLLIN | POLLHUP | POLLERR))) {
                ord[w] |= bit;
                ready++;
            }
            if ((wr[w] & bit) && (m & (POLLOUT | POLLERR))) {
                owr[w] |= bit;
                ready++;
            }
        }
        if (ready || ticks == 0 || (ticks > 0 && (int32_t)(jiffies - deadline) >= 0)) {
            uint32_t zero[2] = { 0, 0 };
            if (ticks > 0 && (int32_t)(deadline - jiffies) > 0)
                *left = deadline - jiffies;
            if ((urd && copy_to_user(urd, ord, words * 4)) || (uwr && copy_to_user(uwr, owr, words * 4)) ||
                (uex && copy_to_user(uex, zero, words * 4)))
                return -EFAULT;
            return ready;
        }
        int r = ticks > 0 ? sleep_timeout(poll_channel, deadline - jiffies, 1) : sleep_on(poll_channel, 1);
        if (r)
            return -EINTR;
    }
}

SYSCALL(_newselect)
{
    int64_t ms = -1;
    if (a4) {
        struct linux_timeval tv;
        if (copy_from_user(&tv, a4, sizeof tv))
            return -EFAULT;
        if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
            return -EINVAL;
        ms = (int64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
    }
    uint32_t left;
    long r = do_select(a0, a1, a2, a3, ms, &left);
    if (a4 && r != -EFAULT && r != -EBADF && r != -EINVAL) {
        struct linux_timeval tv = { (int32_t)(left / TIMER_HZ), (int32_t)(left % TIMER_HZ) * (1000000 / TIMER_HZ) };
        copy_to_user(a4, &tv, sizeof tv);
    }
    return r;
}

SYSCALL(pselect6)
{
    int err;
    int64_t ms = ts_ms(a4, 0, &err);
    if (err)
        return err;
    uint32_t left;
    return do_select(a0, a1, a2, a3, ms, &left);
}
