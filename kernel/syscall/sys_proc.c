/* Process system calls: life cycle, identity, process groups, signals, TLS, sleeping. */
#include <stdint.h>
#include <lib/string.h>
#include "syscalls.h"
#include "boot.h"
#include "desc.h"
#include "proc.h"
#include "uaccess.h"
#include "vfs.h"
#include "pv/pvops.h"

SYSCALL(exit) { do_exit((int)((a0 & 0xff) << 8)); }
SYSCALL(exit_group) { do_exit((int)((a0 & 0xff) << 8)); }
SYSCALL(fork) { return do_fork(0, 0, 0, 0); }
SYSCALL(vfork) { return do_fork(CLONE_VM | CLONE_VFORK, 0, 0, 0); }
/* i386 clone(flags, newsp, parent_tid, tls, child_tid) */
SYSCALL(clone)
{
    long pid = do_fork(a0 & ~0xffu, a1, a3, a4);
    if (pid > 0 && (a0 & CLONE_PARENT_SETTID)) {
        int32_t p = (int32_t)pid;
        copy_to_user(a2, &p, 4);
    }
    return pid;
}

static char exec_path[PATH_MAX];
SYSCALL(execve)
{
    int r = strncpy_from_user(exec_path, a0, PATH_MAX);
    if (r < 0)
        return r;
    if (r == 0)
        return -ENOENT;
    return do_execve(exec_path, a1, a2);
}

SYSCALL(wait4)
{
    if (a3 && !vm_access_ok(current->mm, a3, 72, 1))
        return -EFAULT;
    long r = do_wait4((int)a0, a1, (int)a2);
    if (r > 0 && a3)
        clear_user(a3, 72); /* struct rusage: no accounting is kept */
    return r;
}
SYSCALL(waitpid) { return do_wait4((int)a0, a1, (int)a2); }

SYSCALL(getpid) { return current->pid; }
SYSCALL(gettid) { return current->pid; }
SYSCALL(getppid) { return current->parent ? current->parent->pid : 0; }

SYSCALL(getpgid)
{
    struct task *t = a0 ? task_by_pid((int)a0) : current;
    return t ? t->pgid : -ESRCH;
}
SYSCALL(getpgrp) { return current->pgid; }
SYSCALL(getsid)
{
    struct task *t = a0 ? task_by_pid((int)a0) : current;
    return t ? t->sid : -ESRCH;
}
SYSCALL(setpgid)
{
    int pid = a0 ? (int)a0 : current->pid;
    int pg = a1 ? (int)a1 : pid;
    if ((int)a1 < 0)
        return -EINVAL;
    struct task *t = task_by_pid(pid);
    if (!t || (t != current && t->parent != current))
        return -ESRCH;
    if (t->sid != current->sid)
        return -EPERM;
    t->pgid = pg;
    return 0;
}
SYSCALL(setsid)
{
    if (current->pgid == current->pid)
        return -EPERM;
    current->sid = current->pgid = current->pid;
    return current->sid;
}

static int kill_one(int pid, int sig)
{
    struct task *t = task_by_pid(pid);
    if (!t || t->state == T_ZOMBIE)
        return t ? 0 : -ESRCH;
    return sig ? send_signal(t, sig) : 0;
}

SYSCALL(kill)
{
    int pid = (int)a0, sig = (int)a1;
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    if (pid > 0)
        return kill_one(pid, sig);
    if (pid == 0)
        return kill_pgrp(current->pgid, sig);
    if (pid == -1) {
        int found = 0;
        for (int i = 0; i < NPROC; i++)
            if (tasks[i].state != T_UNUSED && tasks[i].state != T_ZOMBIE && tasks[i].pid > 1 &&
                &tasks[i] != current) {
                if (sig)
                    send_signal(&tasks[i], sig);
                found = 1;
            }
        return found ? 0 : -ESRCH;
    }
    return kill_pgrp(-pid, sig);
}
SYSCALL(tkill) { return ((int)a1 < 0 || (int)a1 > NSIG) ? -EINVAL : kill_one((int)a0, (int)a1); }
SYSCALL(tgkill) { return ((int)a2 < 0 || (int)a2 > NSIG) ? -EINVAL : kill_one((int)a1, (int)a2); }

SYSCALL(rt_sigaction)
{
    int sig = (int)a0;
    if (a3 != 8)
        return -EINVAL;
    if (sig < 1 || sig > NSIG)
        return -EINVAL;
    struct linux_sigaction act, old = current->sig_act[sig];
    if (a1 && copy_from_user(&act, a1, sizeof act))
        return -EFAULT;
    if (a2 && !vm_access_ok(current->mm, a2, sizeof old, 1))
        return -EFAULT;
    if (a1) {
        if (sig == SIGKILL || sig == SIGSTOP)
            return -EINVAL;
        act.mask = sigmask_fix(act.mask);
        current->sig_act[sig] = act;
        /* Setting SIG_IGN (or a default that ignores) discards a pending instance. */
        if (act.handler == SIG_IGN || (act.handler == SIG_DFL && sig_default_ignored(sig)))
            current->sig_pending &= ~(1ull << (sig - 1));
    }
    if (a2 && copy_to_user(a2, &old, sizeof old))
        return -EFAULT;
    return 0;
}

SYSCALL(rt_sigprocmask)
{
    if (a3 != 8)
        return -EINVAL;
    uint64_t set, old = current->sig_blocked;
    if (a1 && copy_from_user(&set, a1, 8))
        return -EFAULT;
    if (a2 && !vm_access_ok(current->mm, a2, 8, 1))
        return -EFAULT;
    if (a1) {
        uint64_t m = current->sig_blocked;
        int r = sigprocmask_apply((int)a0, &m, set);
        if (r)
            return r;
        current->sig_blocked = m;
    }
    if (a2 && copy_to_user(a2, &old, 8))
        return -EFAULT;
    return 0;
}

SYSCALL(rt_sigpending)
{
    if (a1 != 8)
        return -EINVAL;
    uint64_t p = current->sig_pending & current->sig_blocked;
    return copy_to_user(a0, &p, 8);
}

SYSCALL(rt_sigsuspend)
{
    if (a1 != 8)
        return -EINVAL;
    uint64_t m;
    if (copy_from_user(&m, a0, 8))
        return -EFAULT;
    /* The handler runs with the temporary mask and its frame records the old one, which
     * sigreturn brings back (or the return path, if no handler runs). */
    current->sig_saved = current->sig_blocked;
    current->has_saved_mask = 1;
    current->sig_blocked = sigmask_fix(m);
    while (!signal_pending(current))
        sleep_on(current, 1);
    return -EINTR;
}

SYSCALL(pause)
{
    while (!signal_pending(current))
        sleep_on(current, 1);
    return -EINTR;
}

SYSCALL(sigreturn) { return sys_sigreturn_common(current->tf, 0); }
SYSCALL(rt_sigreturn) { return sys_sigreturn_common(current->tf, 1); }
SYSCALL(sigaltstack)
{
    /* No alternate signal stacks: report none, refuse to install one. */
    if (a1) {
        uint32_t none[3] = { 0, 2 /* SS_DISABLE */, 0 };
        if (copy_to_user(a1, none, sizeof none))
            return -EFAULT;
    }
    return a0 ? -ENOMEM : 0;
}

SYSCALL(alarm)
{
    uint32_t left = 0;
    if (current->alarm_at) {
        int32_t d = (int32_t)(current->alarm_at - jiffies);
        left = d > 0 ? ((uint32_t)d + TIMER_HZ - 1) / TIMER_HZ : 0;
    }
    current->alarm_at = a0 ? jiffies + a0 * TIMER_HZ : 0;
    if (a0 && !current->alarm_at)
        current->alarm_at = 1;
    return left;
}

/* ---- TLS: set_thread_area through the GDT TLS slots (load_tls pv-op) ---- */

static uint64_t desc_from_user(const struct linux_user_desc *u, int *err)
{
    uint32_t f = u->flags;
    uint32_t seg32 = f & 1, contents = (f >> 1) & 3, ro = (f >> 3) & 1, pages = (f >> 4) & 1;
    uint32_t notp = (f >> 5) & 1, useable = (f >> 6) & 1;
    *err = 0;
    /* The "empty" descriptor clears the slot. */
    if ((u->base_addr == 0 && u->limit == 0 && contents == 0 && ro == 1 && seg32 == 0 && pages == 0 &&
         notp == 1 && useable == 0) || (u->base_addr == 0 && u->limit == 0 && f == 0x28))
        return 0;
    /* Data segments only, present ones only: a TLS slot has no business holding code, and
     * a not-present descriptor would only make the reload in the exit path fault. */
    if (contents >= 2 || notp) {
        *err = -EINVAL;
        return 0;
    }
    uint32_t base = u->base_addr, limit = u->limit & 0xfffff;
    uint32_t lo = (limit & 0xffff) | (base << 16);
    uint32_t hi = ((base >> 16) & 0xff) | (base & 0xff000000u) | (limit & 0xf0000u) |
                  ((ro ^ 1) << 9) | (contents << 10) | 0x1000u /* S */ | 0x6000u /* DPL 3 */ |
                  ((notp ^ 1) << 15) | (useable << 20) | (seg32 << 22) | (pages << 23);
    return ((uint64_t)hi << 32) | lo;
}

long set_tls_from_user(struct task *t, uint32_t udesc, int write_back)
{
    struct linux_user_desc u;
    if (copy_from_user(&u, udesc, sizeof u))
        return -EFAULT;
    int idx = (int)u.entry_number;
    if (idx == -1) {
        for (int i = 0; i < GDT_TLS_ENTRIES; i++)
            if (!t->tls[i]) {
                idx = GDT_ENTRY_TLS_MIN + i;
                break;
            }
        if (idx == -1)
            return -ESRCH;
    }
    if (idx < GDT_ENTRY_TLS_MIN || idx >= GDT_ENTRY_TLS_MIN + GDT_TLS_ENTRIES)
        return -EINVAL;
    int err;
    uint64_t d = desc_from_user(&u, &err);
    if (err)
        return err;
    if (write_back) {
        uint32_t e = (uint32_t)idx;
        if (copy_to_user(udesc, &e, 4))
            return -EFAULT;
    }
    t->tls[idx - GDT_ENTRY_TLS_MIN] = d;
    return 0;
}

SYSCALL(set_thread_area)
{
    long r = set_tls_from_user(current, a0, 1);
    if (!r)
        load_tls(this_cpu_gdt(), GDT_ENTRY_TLS_MIN, current->tls);
    return r;
}

SYSCALL(get_thread_area)
{
    struct linux_user_desc u;
    if (copy_from_user(&u, a0, sizeof u))
        return -EFAULT;
    int idx = (int)u.entry_number;
    if (idx < GDT_ENTRY_TLS_MIN || idx >= GDT_ENTRY_TLS_MIN + GDT_TLS_ENTRIES)
        return -EINVAL;
    uint64_t d = current->tls[idx - GDT_ENTRY_TLS_MIN];
    uint32_t lo = (uint32_t)d, hi = (uint32_t)(d >> 32);
    u.base_addr = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
    u.limit = (lo & 0xffff) | (hi & 0xf0000u);
    u.flags = ((hi >> 22) & 1) | (((hi >> 10) & 3) << 1) | ((((hi >> 9) & 1) ^ 1) << 3) |
              (((hi >> 23) & 1) << 4) | ((((hi >> 15) & 1) ^ 1) << 5) | (((hi >> 20) & 1) << 6);
    if (!d)
        u.flags = 0x28;
    return copy_to_user(a0, &u, sizeof u);
}

SYSCALL(set_tid_address)
{
    current->clear_child_tid = a0;
    return current->pid;
}
SYSCALL(set_robust_list) { return a1 == 12 ? 0 : -EINVAL; }
SYSCALL(prctl) { return -EINVAL; }

/* ---- identity: everyone is root ---- */
SYSCALL(getuid) { return 0; }
SYSCALL(getgid) { return 0; }
SYSCALL(geteuid) { return 0; }
SYSCALL(getegid) { return 0; }
SYSCALL(getuid32) { return 0; }
SYSCALL(getgid32) { return 0; }
SYSCALL(geteuid32) { return 0; }
SYSCALL(getegid32) { return 0; }
SYSCALL(setuid32) { return a0 == 0 ? 0 : -EPERM; }
SYSCALL(setgid32) { return a0 == 0 ? 0 : -EPERM; }
SYSCALL(setreuid32) { return 0; }
SYSCALL(setregid32) { return 0; }
SYSCALL(setresuid32) { return 0; }
SYSCALL(setresgid32) { return 0; }
static long put_three_zero(uint32_t a, uint32_t b, uint32_t c)
{
    uint32_t z = 0;
    if (copy_to_user(a, &z, 4) || copy_to_user(b, &z, 4) || copy_to_user(c, &z, 4))
        return -EFAULT;
    return 0;
}
SYSCALL(getresuid32) { return put_three_zero(a0, a1, a2); }
SYSCALL(getresgid32) { return put_three_zero(a0, a1, a2); }
SYSCALL(getgroups32)
{
    if ((int32_t)a0 < 0)
        return -EINVAL;
    if (a0 == 0)
        return 1;
    uint32_t g = 0;
    return copy_to_user(a1, &g, 4) ? -EFAULT : 1;
}
SYSCALL(setgroups32) { return 0; }

/* ---- limits and accounting ---- */
static long put_rlimit(uint32_t res, uint32_t u)
{
    if (res >= 16)
        return -EINVAL;
    struct linux_rlimit r = { 0xffffffffu, 0xffffffffu };
    if (res == 7 /* NOFILE */)
        r.cur = r.max = NOFILE;
    if (res == 6 /* NPROC */)
        r.cur = r.max = NPROC;
    if (res == 3 /* STACK */)
        r.cur = r.max = USER_STACK_MAX;
    return copy_to_user(u, &r, sizeof r);
}
SYSCALL(getrlimit) { return put_rlimit(a0, a1); }
SYSCALL(ugetrlimit) { return put_rlimit(a0, a1); }
SYSCALL(setrlimit)
{
    struct linux_rlimit r;
    if (a0 >= 16)
        return -EINVAL;
    return copy_from_user(&r, a1, sizeof r);
}
SYSCALL(prlimit64)
{
    if (a0 && a0 != (uint32_t)current->pid)
        return task_by_pid((int)a0) ? -EPERM : -ESRCH;
    if (a1 >= 16)
        return -EINVAL;
    if (a3) {
        struct linux_rlimit64 r = { ~0ull, ~0ull };
        if (a1 == 7)
            r.cur = r.max = NOFILE;
        if (a1 == 6)
            r.cur = r.max = NPROC;
        if (a1 == 3)
            r.cur = r.max = USER_STACK_MAX;
        if (copy_to_user(a3, &r, sizeof r))
            return -EFAULT;
    }
    if (a2) {
        struct linux_rlimit64 r;
        if (copy_from_user(&r, a2, sizeof r))
            return -EFAULT;
    }
    return 0;
}
SYSCALL(getrusage)
{
    return clear_user(a1, 72);
}
SYSCALL(times)
{
    struct linux_tms t = { (int32_t)jiffies, 0, 0, 0 };
    if (a0 && copy_to_user(a0, &t, sizeof t))
        return -EFAULT;
    return (long)jiffies;
}

/* ---- sleeping ---- */

static uint32_t ns_to_ticks(uint64_t sec, uint64_t nsec)
{
    uint64_t ns = sec * 1000000000ull + nsec;
    uint64_t per = 1000000000ull / TIMER_HZ;
    uint64_t t = (ns + per - 1) / per;
    if (t)
        t++; /* the current tick is partly over: never wake early */
    return t > 0x7fffffff ? 0x7fffffff : (uint32_t)t;
}

static long sleep_ticks(uint32_t ticks, uint32_t *left)
{
    static char nap;
    uint32_t until = jiffies + ticks;
    *left = 0;
    while ((int32_t)(until - jiffies) > 0) {
        if (sleep_timeout(&nap, until - jiffies, 1)) {
            *left = until - jiffies;
            return -EINTR;
        }
    }
    return 0;
}

SYSCALL(nanosleep)
{
    struct linux_timespec ts;
    if (copy_from_user(&ts, a0, sizeof ts))
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
        return -EINVAL;
    uint32_t left;
    long r = sleep_ticks(ns_to_ticks((uint64_t)ts.tv_sec, (uint64_t)ts.tv_nsec), &left);
    if (r && a1) {
        struct linux_timespec rem = { (int32_t)(left / TIMER_HZ), (int32_t)(left % TIMER_HZ) * (1000000000 / TIMER_HZ) };
        copy_to_user(a1, &rem, sizeof rem);
    }
    return r;
}

static long clock_sleep(uint32_t flags, uint64_t sec, uint64_t nsec, uint32_t clk)
{
    uint32_t left;
    if (flags & 1) { /* TIMER_ABSTIME against the monotonic/boot clock */
        uint64_t now = sched_clock(), target = sec * 1000000000ull + nsec;
        if (clk == CLOCK_REALTIME)
            return -EINVAL;
        if (target <= now)
            return 0;
        return sleep_ticks(ns_to_ticks(0, target - now), &left);
    }
    return sleep_ticks(ns_to_ticks(sec, nsec), &left);
}

SYSCALL(clock_nanosleep)
{
    struct linux_timespec ts;
    if (copy_from_user(&ts, a2, sizeof ts))
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
        return -EINVAL;
    return clock_sleep(a1, (uint64_t)ts.tv_sec, (uint64_t)ts.tv_nsec, a0);
}

SYSCALL(clock_nanosleep_time64)
{
    struct linux_timespec64 ts;
    if (copy_from_user(&ts, a2, sizeof ts))
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
        return -EINVAL;
    return clock_sleep(a1, (uint64_t)ts.tv_sec, (uint64_t)ts.tv_nsec, a0);
}

SYSCALL(sched_yield)
{
    yield();
    return 0;
}
