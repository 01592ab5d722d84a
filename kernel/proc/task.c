/* Tasks and the scheduler (see proc.h for the concurrency model and invariants).
 *
 * The scheduler runs on the boot stack as its own context: a task gives up the CPU by
 * swtch()ing to it (sched), and it swtch()es into the next runnable task round-robin. When
 * nothing is runnable it halts with interrupts enabled until the next interrupt (the timer
 * tick at least), then polls console input and timed sleeps. */
#include <stdint.h>
#include <lib/string.h>
#include "proc.h"
#include "boot.h"
#include "cpu_switch.h"
#include "kmem.h"
#include "desc.h"
#include "kheap.h"
#include "mm.h"
#include "printk.h"
#include "uaccess.h"
#include "pv/pvops.h"

struct task tasks[NPROC];
static uint8_t kstacks[NPROC][KSTACK_SIZE] __attribute__((aligned(16)));
struct task *current;
static uint32_t sched_sp;
static int next_pid = 1;
static struct task *init_task;
static char poll_any; /* tasks waiting in poll/select sleep here: every wakeup reaches them */
void *const poll_channel = &poll_any;

static int time_after_eq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

struct task *task_by_pid(int pid)
{
    for (int i = 0; i < NPROC; i++)
        if (tasks[i].state != T_UNUSED && tasks[i].pid == pid)
            return &tasks[i];
    return 0;
}

static struct task *task_alloc(void)
{
    for (int i = 0; i < NPROC; i++) {
        struct task *t = &tasks[i];
        if (t->state != T_UNUSED)
            continue;
        memset(t, 0, sizeof *t);
        t->kstack = kstacks[i];
        /* pids increase and skip ones still in use (after wrap-around) */
        do {
            t->pid = next_pid++;
            if (next_pid > 32767)
                next_pid = 2;
        } while (task_by_pid(t->pid));
        t->state = T_SLEEPING; /* not runnable until fully built */
        t->umask = 022;
        return t;
    }
    return 0;
}

static void task_release(struct task *t)
{
    t->state = T_UNUSED;
    t->pid = 0;
}

/* ---- the scheduler ---- */

/* The privileged half goes through cpu_switch_to in lazy cpu mode: on a PV backend the
 * kernel stack, TLS slots, page-table base and CR0.TS change in one multicall. The FPU state
 * is switched eagerly (TS stays clear), so no #NM is ever taken for it. */
static void switch_in(struct task *t)
{
    struct cpu_switch_state next = {
        .cr3 = virt_to_phys(t->mm ? t->mm->pgd : kernel_pgd),
        .esp0 = (uint32_t)(uintptr_t)(t->kstack + KSTACK_SIZE),
        .tls = t->tls,
        .ldt_base = 0,
        .ldt_entries = 0,
        .fpu_ts = 0,
    };
    cpu_switch_to(&next, 1);
    fpu_restore(t->fpu);
}

static void check_timers(void)
{
    uint32_t now = jiffies;
    for (int i = 0; i < NPROC; i++) {
        struct task *t = &tasks[i];
        if (t->state == T_UNUSED || t->state == T_ZOMBIE)
            continue;
        if (t->alarm_at && time_after_eq(now, t->alarm_at)) {
            t->alarm_at = 0;
            send_signal(t, SIGALRM);
        }
        if (t->state == T_SLEEPING && t->wake_at && time_after_eq(now, t->wake_at))
            t->state = T_RUNNABLE;
    }
}

/* Runs tasks until init has exited. */
static void scheduler(void)
{
    int next = 0;
    for (;;) {
        irq_disable();
        tty_poll_input();
        check_timers();
        if (init_task->state == T_ZOMBIE)
            return;
        struct task *t = 0;
        for (int i = 0; i < NPROC; i++) {
            struct task *c = &tasks[(next + i) % NPROC];
            if (c->state == T_RUNNABLE) {
                t = c;
                next = (int)(c - tasks) + 1;
                break;
            }
        }
        if (!t) {
            safe_halt();
            continue;
        }
        current = t;
        t->state = T_RUNNING;
        t->slice_start = jiffies;
        switch_in(t);
        swtch(&sched_sp, t->ksp);
        current = 0;
    }
}

void sched(void)
{
    struct task *t = current;
    fpu_save(t->fpu);
    swtch(&t->ksp, sched_sp);
}

void yield(void)
{
    current->state = T_RUNNABLE;
    sched();
}

int sleep_on(void *chan, int interruptible)
{
    struct task *t = current;
    if (interruptible && signal_pending(t))
        return -EINTR;
    t->chan = chan;
    t->interruptible = interruptible;
    t->state = T_SLEEPING;
    sched();
    t->chan = 0;
    if (interruptible && signal_pending(t))
        return -EINTR;
    return 0;
}

int sleep_timeout(void *chan, uint32_t ticks, int interruptible)
{
    current->wake_at = jiffies + (ticks ? ticks : 1);
    if (!current->wake_at)
        current->wake_at = 1;
    int r = sleep_on(chan, interruptible);
    current->wake_at = 0;
    return r;
}

void wakeup(void *chan)
{
    for (int i = 0; i < NPROC; i++) {
        struct task *t = &tasks[i];
        if (t->state == T_SLEEPING && (t->chan == chan || t->chan == poll_channel))
            t->state = T_RUNNABLE;
    }
}

/* ---- fork ---- */

/* The swtch context of a new task: resume at `entry` with the user frame just above. */
static void set_initial_context(struct task *t, void (*entry)(void))
{
    uint32_t *sp = (uint32_t *)user_frame(t);
    *--sp = (uint32_t)(uintptr_t)entry;
    for (int i = 0; i < 4; i++)
        *--sp = 0; /* ebp ebx esi edi */
    t->ksp = (uint32_t)(uintptr_t)sp;
}

void proc_fork_tail(struct trap_frame *f)
{
    iret_prepare(f->eflags);
}

long set_tls_from_user(struct task *t, uint32_t udesc, int write_back);

long do_fork(uint32_t flags, uint32_t newsp, uint32_t tls_desc, uint32_t child_tid)
{
    struct task *p = current;
    if (flags & (CLONE_THREAD | CLONE_SIGHAND))
        return -EINVAL; /* threads are not supported */
    struct task *t = task_alloc();
    if (!t)
        return -EAGAIN;
    if (flags & CLONE_VM) {
        t->mm = p->mm;
        p->mm->users++;
    } else {
        t->mm = vm_mm_fork(p->mm);
        if (!t->mm) {
            task_release(t);
            return -ENOMEM;
        }
    }
    for (int i = 0; i < NOFILE; i++)
        if ((t->fd[i] = p->fd[i]))
            file_get(t->fd[i]);
    t->cloexec = p->cloexec;
    t->cwd = p->cwd;
    iget(t->cwd);
    t->umask = p->umask;
    memcpy(t->tls, p->tls, sizeof t->tls);
    memcpy(t->sig_act, p->sig_act, sizeof t->sig_act);
    t->sig_blocked = p->sig_blocked;
    t->pgid = p->pgid;
    t->sid = p->sid;
    t->parent = (flags & CLONE_PARENT) && p->parent ? p->parent : p;
    memcpy(t->name, p->name, sizeof t->name);
    memcpy(t->cmdline, p->cmdline, sizeof t->cmdline);
    t->cmdline_len = p->cmdline_len;
    fpu_save(t->fpu); /* the parent's live FPU state */
    struct trap_frame *f = user_frame(t);
    *f = *p->tf;
    f->eax = 0;
    if (newsp)
        f->user_esp = newsp;
    if ((flags & CLONE_SETTLS) && set_tls_from_user(t, tls_desc, 0) < 0) {
        /* bad descriptor: undo */
        for (int i = 0; i < NOFILE; i++)
            if (t->fd[i])
                file_put(t->fd[i]);
        iput(t->cwd);
        vm_mm_put(t->mm);
        task_release(t);
        return -EINVAL;
    }
    if ((flags & CLONE_CHILD_CLEARTID))
        t->clear_child_tid = child_tid;
    set_initial_context(t, fork_return);
    int pid = t->pid;
    t->state = T_RUNNABLE;
    if (flags & CLONE_VFORK) {
        t->vfork_parent = p;
        while (t->vfork_parent == p && t->state != T_UNUSED)
            sleep_on(&t->vfork_parent, 0);
    }
    return pid;
}

/* Called at exec and exit: a vfork parent may run again. */
void vfork_release(struct task *t)
{
    if (t->vfork_parent) {
        t->vfork_parent = 0;
        wakeup(&t->vfork_parent);
    }
}

/* ---- exit and wait ---- */

void __attribute__((noreturn)) do_exit(int status)
{
    struct task *t = current;
    for (int i = 0; i < NOFILE; i++)
        if (t->fd[i]) {
            file_put(t->fd[i]);
            t->fd[i] = 0;
        }
    if (t->cwd) {
        iput(t->cwd);
        t->cwd = 0;
    }
    vfork_release(t);
    if (t->mm) {
        vm_activate(0); /* off the tables we are about to free */
        struct mm *mm = t->mm;
        t->mm = 0;
        vm_mm_put(mm);
    }
    int zombies_for_init = 0;
    for (int i = 0; i < NPROC; i++) {
        struct task *c = &tasks[i];
        if (c->state != T_UNUSED && c->parent == t) {
            c->parent = init_task;
            zombies_for_init |= c->state == T_ZOMBIE;
        }
    }
    if (zombies_for_init)
        wakeup(init_task);
    t->exit_status = status;
    t->state = T_ZOMBIE;
    t->sig_pending = 0;
    struct task *p = t->parent;
    if (t == init_task) {
        printk(KERN_INFO "init (pid %d) exited with status 0x%x\n", t->pid, status);
    } else if (p) {
        struct linux_sigaction *a = &p->sig_act[SIGCHLD];
        if (a->handler == SIG_IGN || (a->flags & SA_NOCLDWAIT)) {
            task_release(t); /* nobody will wait: reap now (we never run again) */
        } else {
            send_signal(p, SIGCHLD);
        }
        wakeup(p);
    }
    sched();
    panic("a zombie ran again");
}

static int wait_matches(struct task *c, int pid)
{
    if (pid > 0)
        return c->pid == pid;
    if (pid == -1)
        return 1;
    if (pid == 0)
        return c->pgid == current->pgid;
    return c->pgid == -pid;
}

long do_wait4(int pid, uint32_t ustatus, int options)
{
    struct task *me = current;
    if (options & ~(WNOHANG | WUNTRACED | 0x08 /* WCONTINUED */ | 0x40000000 /* __WALL */))
        return -EINVAL;
    if (ustatus && !vm_access_ok(me->mm, ustatus, 4, 1))
        return -EFAULT;
    for (;;) {
        int have = 0;
        for (int i = 0; i < NPROC; i++) {
            struct task *c = &tasks[i];
            if (c->state == T_UNUSED || c->parent != me || !wait_matches(c, pid))
                continue;
            have = 1;
            if (c->state != T_ZOMBIE)
                continue;
            int32_t st = c->exit_status;
            if (ustatus && copy_to_user(ustatus, &st, 4))
                return -EFAULT;
            int cpid = c->pid;
            task_release(c);
            return cpid;
        }
        if (!have)
            return -ECHILD;
        if (options & WNOHANG)
            return 0;
        if (sleep_on(me, 1))
            return -EINTR;
    }
}

/* ---- boot ---- */

void proc_init_entry(void);
extern void init_trampoline(void);
static const char *const *init_argv;
static const char *init_path;

/* First code of pid 1, on its own kernel stack: become the init program. */
void proc_init_entry(void)
{
    static const char *const envp[] = { "HOME=/", "PATH=/bin:/sbin:/usr/bin:/usr/sbin", "TERM=vt100", 0 };
    long r = exec_kernel(init_path, init_argv, envp);
    if (r < 0) {
        printk(KERN_ERR "init: cannot execute %s: error %ld\n", init_path, -r);
        do_exit(127 << 8);
    }
}

void proc_init(void)
{
    uint32_t cr4 = read_cr4();
    if (!(cr4 & (1u << 9))) /* OSFXSR|OSXMMEXCPT: user programs use SSE (fxsave at switches) */
        write_cr4(cr4 | (1u << 9) | (1u << 10));
    vm_init();
    syscall_init();
}

int proc_run_init(const char *path, const char *const argv[])
{
    struct task *t = task_alloc();
    if (!t)
        return -EAGAIN;
    init_task = t;
    t->pgid = t->sid = t->pid;
    t->cwd = vfs_root;
    iget(vfs_root);
    fpu_init_state(t->fpu);
    /* Descriptors 0, 1, 2 on the console, as a kernel starting init provides. */
    struct inode *con;
    if (namei(0, "/dev/console", LOOKUP_FOLLOW, &con) == 0) {
        struct file *f = file_open_inode(con, O_RDWR);
        iput(con);
        if (f) {
            t->fd[0] = t->fd[1] = t->fd[2] = f;
            f->refs = 3;
        }
    }
    extern int tty_set_foreground(int pgrp);
    tty_set_foreground(t->pgid);
    init_path = path;
    init_argv = argv;
    memset(user_frame(t), 0, sizeof(struct trap_frame));
    set_initial_context(t, init_trampoline);
    t->state = T_RUNNABLE;
    scheduler();
    int status = t->exit_status;
    /* Power off follows: other processes are simply abandoned. */
    return status;
}
