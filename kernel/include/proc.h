/* Processes: one kernel stack and one user address space each, a round-robin scheduler,
 * sleep/wakeup on channels, fork (copy-on-write) / vfork, execve, exit, wait4 and signals.
 *
 * Concurrency model: kernel code runs with interrupts disabled (every gate is an interrupt
 * gate, except int $0x80, a trap gate so it can be direct on Moat; trap_dispatch disables them
 * on every entry from ring 3), so nothing preempts it on its CPU; and on every CPU it runs
 * under the big kernel lock (klock.h), taken on each entry from ring 3 and by each CPU's
 * scheduler loop, released on each return to ring 3 and around the idle halt. So at most one
 * CPU at a time runs process-level kernel code, as on a uniprocessor: a task gives up its CPU
 * only in sched() (sleeping, exiting, or at a return to user mode whose time slice is used up,
 * or whose CPU is going offline), and sleep/wakeup are free of lost wake-ups. Interrupt and
 * event handlers may run on any CPU without the lock (from the idle halt), so they touch only
 * per-CPU data, atomics or state under their own irq-safe spinlock, never a task.
 * Every CPU runs tasks: one table, picked round-robin by whichever CPU's scheduler loop gets
 * there first (task.c); an address space is live on one CPU at a time (no threads; a vfork
 * parent sleeps), so user mappings never need a cross-CPU TLB shootdown.
 *
 * Invariants:
 *  - At most NPROC tasks exist; fork beyond that fails with -EAGAIN.
 *  - A task's user register frame is at the top of its kernel stack (user_frame()).
 *  - A zombie keeps its kernel stack and pid until its parent reaps it; orphans go to init. */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H
#include <stdint.h>
#include "trap.h"
#include "vm.h"
#include "vfs.h"
#include "uapi.h"
#include "kstack.h"   /* NPROC, KSTACK_SIZE, smp_processor_id */

#define NOFILE 64
#define TIME_SLICE_TICKS 5

enum task_state { T_UNUSED, T_RUNNABLE, T_RUNNING, T_SLEEPING, T_ZOMBIE };

struct task {
    enum task_state state;
    int pid, pgid, sid;
    struct task *parent;
    int exit_status;          /* wait status (exit code << 8, or signal number) */
    void *chan;               /* sleeping on */
    int interruptible;
    uint32_t wake_at;         /* jiffies deadline for timed sleeps, 0 = none */
    uint32_t alarm_at;        /* jiffies when SIGALRM is due, 0 = none */
    uint32_t slice_start;
    uint32_t ksp;             /* saved kernel stack pointer (swtch) */
    uint8_t *kstack;
    struct trap_frame *tf;    /* the user frame of the system call in progress */
    int uaccess_kernel;       /* >0: uaccess also takes kernel buffers (sendfile's bounce) */
    struct mm *mm;
    struct file *fd[NOFILE];
    uint64_t cloexec;
    struct inode *cwd;
    uint32_t umask;
    uint64_t tls[3];
    uint64_t sig_pending, sig_blocked;
    uint64_t sig_saved;       /* mask to restore after rt_sigsuspend */
    int has_saved_mask;
    int sig_from[NSIG];       /* pid that sent each pending signal (0: the kernel) */
    uint32_t fault_addr;      /* last user fault address (siginfo si_addr) */
    int fault_code;           /* its si_code (SEGV_MAPERR 1 / SEGV_ACCERR 2 ...) */
    struct linux_sigaction sig_act[NSIG + 1]; /* indexed by signal number 1..NSIG */
    struct task *vfork_parent; /* sleeping until this task execs or exits */
    uint32_t clear_child_tid;
    char name[16];
    char cmdline[128];        /* argv, NUL-separated, for /proc/<pid>/cmdline */
    uint32_t cmdline_len;
    uint8_t fpu[512] __attribute__((aligned(16)));
};

extern struct task tasks[NPROC];

/* The task running on this CPU: the owner of the kernel stack we are on (kstack.h), or 0 on a
 * CPU's own stack (boot, scheduler loop, idle). */
extern struct task *kstack_task[NPROC];   /* &tasks[i] (a load is cheaper than the multiply) */
static inline struct task *task_current(void)
{
    uint32_t s = kstack_slot();
    return s < NPROC ? kstack_task[s] : 0;
}
#define current (task_current())

static inline struct trap_frame *user_frame(struct task *t)
{
    return (struct trap_frame *)(t->kstack + KSTACK_SIZE - sizeof(struct trap_frame));
}

/* boot (proc/unix_boot.c): called from core/main.c */
int unix_run_usertests(void);                    /* 0 when the suite passed */
void __attribute__((noreturn)) unix_start_init(void);
void proc_init(void);
/* Starts path as pid 1 and runs the scheduler until it exits; returns its wait status
 * (or -errno if it could not start). */
int proc_run_init(const char *path, const char *const argv[]);

/* scheduling */
void sched(void);
void yield(void);
int sleep_on(void *chan, int interruptible);   /* 0, or -EINTR when a signal is pending */
int sleep_timeout(void *chan, uint32_t ticks, int interruptible); /* 0 woken/timeout, -EINTR */
void wakeup(void *chan);
struct task *task_by_pid(int pid);

/* process life cycle */
long do_fork(uint32_t flags, uint32_t newsp, uint32_t tls_desc, uint32_t child_tid);
long do_execve(const char *path, uint32_t uargv, uint32_t uenvp);
void __attribute__((noreturn)) do_exit(int status);
void vfork_release(struct task *t);              /* at exec/exit: the vfork parent runs on */
long do_wait4(int pid, uint32_t ustatus, int options);
/* exec from the kernel (init): argv are kernel strings. */
long exec_kernel(const char *path, const char *const argv[], const char *const envp[]);

/* signals */
int send_signal(struct task *t, int sig);        /* 0 or -errno */
int kill_pgrp(int pgrp, int sig);
void force_signal(int sig);                      /* fault on the current task */
int signal_pending(struct task *t);
void signal_deliver(struct trap_frame *f);       /* at return to user */
long sys_sigreturn_common(struct trap_frame *f, int rt);

/* Hooks called from the trap path (cpu/traps.c). */
void proc_return_to_user(struct trap_frame *f);
int proc_user_exception(struct trap_frame *f);

/* file descriptors */
int fd_alloc(struct file *f, int min);           /* fd or -EMFILE */
struct file *fd_get(int fd);                     /* borrowed, or 0 */
int fd_close(int fd);

/* syscall layer */
void syscall_init(void);
int syscall_dispatch(struct trap_frame *f);

/* arch (user_entry.S) */
void swtch(uint32_t *old_sp, uint32_t new_sp);
void fork_return(void);
void fpu_save(void *area);
void fpu_restore(const void *area);
void fpu_init_state(void *area); /* fninit + fxsave: a clean state */
extern char syscall_entry[];

/* pure signal-mask logic (host-tested, proc/sigmask.c) */
uint64_t sigmask_fix(uint64_t m);                 /* SIGKILL/SIGSTOP can never be blocked */
int sig_next_deliverable(uint64_t pending, uint64_t blocked); /* lowest signal or 0 */
int sig_default_ignored(int sig);
int sig_default_stops(int sig);
int sigprocmask_apply(int how, uint64_t *mask, uint64_t set); /* 0 or -EINVAL */
#endif
