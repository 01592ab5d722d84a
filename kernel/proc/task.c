/* Tasks and the scheduler (see proc.h for the concurrency model and invariants).
 *
 * Every online CPU runs the scheduler loop on its own stack as its own context (CPU 0 on the
 * boot stack, the others on theirs, kstack.h): a task gives up its CPU by swtch()ing to that
 * CPU's loop (sched), and the loop swtch()es into the next runnable task of the one table,
 * round-robin, whichever CPU ran it before. When nothing is runnable a CPU halts with
 * interrupts enabled and the big kernel lock released; a CPU that makes a task runnable kicks
 * an idle one (an IPI). CPU 0 also polls console input and timed sleeps, and returns when
 * init has exited; another CPU leaves its loop when it is going offline (its task, if any,
 * was preempted back into the table first: proc_return_to_user), and comes back to it through
 * the boot path. */
#include <stdint.h>
#include <lib/string.h>
#include <lib/format.h>
#include "proc.h"
#include "boot.h"
#include "cpu_switch.h"
#include "kmem.h"
#include "desc.h"
#include "kheap.h"
#include "klock.h"
#include "mm.h"
#include "printk.h"
#include "smp.h"
#include "uaccess.h"
#include "pv/pvops.h"

struct task tasks[NPROC];
/* Task stacks, then the stacks of CPUs 1.. (kstack.h). */
uint8_t kernel_stacks[NPROC + NR_CPUS][KSTACK_SIZE] __attribute__((aligned(16)));
uint8_t kstack_cpu[NPROC];
struct task *kstack_task[NPROC];
static uint32_t sched_sp[NR_CPUS];
static uint8_t on_task_mm[NR_CPUS];    /* cr3 is a task's tables (not kernel_pgd) */
static volatile uint32_t idle_cpus;    /* CPUs halted in their scheduler loop */
volatile int sched_running;            /* CPU 0's loop has started: the others join */
static int next_task;                  /* round-robin cursor */
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
        t->kstack = kernel_stacks[i];
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
static void switch_in(struct task *t, unsigned cpu)
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
    on_task_mm[cpu] = 1;
    fpu_restore(t->fpu);
}

/* Before a CPU halts or leaves its loop: off the last task's tables, so they can be freed
 * while this CPU sleeps (a PV hypervisor refuses to unpin or remap a page table that is still
 * some vcpu's cr3, and a native CPU could walk freed tables). */
static void leave_task_mm(unsigned cpu)
{
    if (on_task_mm[cpu]) {
        vm_activate(0);
        on_task_mm[cpu] = 0;
    }
}

/* A task became runnable: wake one idle CPU other than this one to look at the table. CPU 0
 * needs no kick: its tick wakes it within one period anyway (and a PV vcpu 0 has no IPI
 * port). */
static void kick_idle_cpu(void)
{
    uint32_t idle = idle_cpus & cpu_online_mask & ~1u & ~(1u << smp_processor_id());
    if (idle && smp_ops)
        smp_ops->send_ipi((unsigned)__builtin_ctz(idle));
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
        if (t->state == T_SLEEPING && t->wake_at && time_after_eq(now, t->wake_at)) {
            t->state = T_RUNNABLE;
            kick_idle_cpu();
        }
    }
}

static struct task *pick_next(void)
{
    for (int i = 0; i < NPROC; i++) {
        struct task *c = &tasks[(next_task + i) % NPROC];
        if (c->state == T_RUNNABLE) {
            next_task = (int)(c - tasks) + 1;
            return c;
        }
    }
    return 0;
}

/* Halts until the next interrupt with the lock released (interrupts are off on entry and on
 * return). The idle bit is set under the lock, so a CPU that makes a task runnable after we
 * released it sees the bit and kicks; a kick that arrives before the halt ends it at once. */
static void idle(unsigned cpu)
{
    leave_task_mm(cpu);
    __atomic_or_fetch(&idle_cpus, 1u << cpu, __ATOMIC_SEQ_CST);
    klock_release();
    safe_halt();
    irq_disable();
    __atomic_and_fetch(&idle_cpus, ~(1u << cpu), __ATOMIC_SEQ_CST);
    klock_acquire();
}

/* The loop of one CPU, entered with interrupts off and the lock held. CPU 0 returns (holding
 * the lock) when init has exited; another CPU returns (not holding it) once it is no longer
 * online, i.e. going offline. */
static void scheduler(unsigned cpu)
{
    for (;;) {
        if (cpu == 0) {
            tty_poll_input();
            check_timers();
            if (init_task->state == T_ZOMBIE)
                return;
        } else if (cpu_data[cpu].state != CPU_ONLINE) {
            leave_task_mm(cpu);
            cpu_data[cpu].busy = 0;
            for (int i = 0; i < NPROC; i++)
                if (tasks[i].state == T_RUNNABLE) { /* someone must take what was ours */
                    kick_idle_cpu();
                    break;
                }
            klock_release();
            return;
        }
        struct task *t = pick_next();
        if (!t) {
            cpu_data[cpu].busy = 0;
            idle(cpu);
            continue;
        }
        t->state = T_RUNNING;
        t->slice_start = jiffies;
        kstack_cpu[t - tasks] = (uint8_t)cpu;
        cpu_data[cpu].tasks++;
        if (cpu && !cpu_data[cpu].busy) {
            cpu_data[cpu].busy = 1;
            if (smp_ops && smp_ops->cpu_busy)
                smp_ops->cpu_busy(cpu); /* a PV vcpu starts its tick: preemption needs it */
        }
        switch_in(t, cpu);
        swtch(&sched_sp[cpu], t->ksp);
    }
}

static void cpu_enable_fxsr(void);

/* A CPU other than 0 joins the scheduler (smp_cpu_loop): returns when it goes offline. */
void proc_cpu_schedule(unsigned cpu)
{
    irq_disable();
    cpu_enable_fxsr();
    klock_acquire();
    scheduler(cpu);
}

void sched(void)
{
    struct task *t = current;
    fpu_save(t->fpu);
    swtch(&t->ksp, sched_sp[smp_processor_id()]);
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
        if (t->state == T_SLEEPING && (t->chan == chan || t->chan == poll_channel)) {
            t->state = T_RUNNABLE;
            kick_idle_cpu();
        }
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

/* A new task's first return to ring 3 (fork_return): it was switched in by a scheduler loop,
 * whose CPU holds the big kernel lock; it leaves without trap_dispatch, so it releases it. */
void proc_fork_tail(struct trap_frame *f)
{
    klock_release();
    iret_prepare(f->eflags);
}

long set_tls_from_user(struct task *t, uint32_t udesc, int write_back);

long do_fork(uint32_t flags, uint32_t newsp, uint32_t tls_desc, uint32_t child_tid)
{
    struct task *p = current;
    /* Threads are not supported; nor is an address space shared by two tasks that both run
     * (CLONE_VM without CLONE_VFORK): one mm is live on one CPU at a time (proc.h), which is
     * why user mappings need no cross-CPU TLB shootdown. */
    if ((flags & (CLONE_THREAD | CLONE_SIGHAND)) || (flags & (CLONE_VM | CLONE_VFORK)) == CLONE_VM)
        return -EINVAL;
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
    kick_idle_cpu();
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

/* OSFXSR|OSXMMEXCPT on this CPU: user programs use SSE (fxsave at switches). Every CPU that
 * runs tasks needs it (a CPU started before proc_init copied the boot CPU's older CR4). */
static void cpu_enable_fxsr(void)
{
    uint32_t cr4 = read_cr4();
    if (!(cr4 & (1u << 9)))
        write_cr4(cr4 | (1u << 9) | (1u << 10));
}

void proc_init(void)
{
    for (int i = 0; i < NPROC; i++)
        kstack_task[i] = &tasks[i];
    cpu_enable_fxsr();
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
    sched_running = 1;
    for (unsigned c = 1; c < NR_CPUS; c++)
        if (cpu_online(c) && smp_ops)
            smp_ops->send_ipi(c); /* out of their halt: join the scheduler */
    scheduler(0);
    if (num_online_cpus() > 1 || nr_cpus_possible > 1) {
        char line[128];
        unsigned len = 0;
        for (unsigned c = 0; c < nr_cpus_possible && c < NR_CPUS; c++)
            len += (unsigned)snprintf(line + len, sizeof line - len, " cpu%u %u", c, cpu_data[c].tasks);
        printk(KERN_INFO "sched: task switches per CPU:%s\n", line);
    }
    int status = t->exit_status;
    /* Power off follows: other processes are simply abandoned. */
    return status;
}
