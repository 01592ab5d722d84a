/* usertests: signals. rt_sigaction with and without SA_SIGINFO (musl returns through sigreturn
 * and rt_sigreturn respectively), rt_sigprocmask, kill, delivery on the way out of a system call,
 * the mask during a handler, FPU state across a handler, EINTR without SA_RESTART, default
 * actions. */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ut.h"

static volatile sig_atomic_t hits, last_sig;
static volatile int saw_usr1_blocked, saw_usr2_blocked;

static void plain_handler(int sig)
{
    hits++;
    last_sig = sig;
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    saw_usr1_blocked = sigismember(&cur, SIGUSR1);
    saw_usr2_blocked = sigismember(&cur, SIGUSR2);
}

int t_sig_handler(void)
{
    struct sigaction sa = { .sa_handler = plain_handler }, old;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction errno %d", errno);
    CHECK(sigaction(SIGUSR1, NULL, &old) == 0 && old.sa_handler == plain_handler,
          "sigaction did not read back the handler");
    hits = 0;
    /* Values live in callee-saved registers across the kill: sigreturn must restore them. */
    volatile uint32_t before = 0x1234567;
    uint32_t x = before;
    CHECK(kill(getpid(), SIGUSR1) == 0, "kill errno %d", errno);
    /* Delivered on the way out of kill: the handler has run by now. */
    CHECK(hits == 1 && last_sig == SIGUSR1, "after kill: %d handler runs, signal %d", (int)hits,
          (int)last_sig);
    CHECK(x == before, "register state changed across the handler");
    CHECK(saw_usr1_blocked, "the signal being handled was not blocked in its handler");
    CHECK(saw_usr2_blocked, "sa_mask (SIGUSR2) not applied during the handler");
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    CHECK(!sigismember(&cur, SIGUSR1) && !sigismember(&cur, SIGUSR2),
          "mask not restored after the handler returned");
    /* The handler stays installed (no SA_RESETHAND). */
    kill(getpid(), SIGUSR1);
    CHECK(hits == 2, "second delivery: %d runs", (int)hits);
    /* SA_RESETHAND: one shot, then default. */
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR1, &sa, NULL);
    kill(getpid(), SIGUSR1);
    CHECK(sigaction(SIGUSR1, NULL, &old) == 0 && old.sa_handler == SIG_DFL && hits == 3,
          "SA_RESETHAND did not reset");
    /* SIGKILL and SIGSTOP cannot be caught. */
    CHECK_ERRNO(sigaction(SIGKILL, &sa, NULL), EINVAL);
    CHECK_ERRNO(sigaction(SIGSTOP, &sa, NULL), EINVAL);
    CHECK_ERRNO(syscall(SYS_rt_sigaction, 0, NULL, NULL, 8), EINVAL);
    CHECK_ERRNO(syscall(SYS_rt_sigaction, 65, NULL, NULL, 8), EINVAL);
    CHECK_ERRNO(syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 4), EINVAL);  /* wrong sigsetsize */
    return 0;
}

static volatile int info_signo, info_code, info_pid, info_uid, info_ctx;

static void info_handler(int sig, siginfo_t *si, void *uc)
{
    info_signo = si->si_signo == sig ? sig : -1;
    info_code = si->si_code;
    info_pid = si->si_pid;
    info_uid = (int)si->si_uid;
    info_ctx = uc != NULL;
}

int t_sig_siginfo(void)
{
    struct sigaction sa = { .sa_sigaction = info_handler, .sa_flags = SA_SIGINFO };
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0, "sigaction");
    info_signo = 0;
    CHECK(kill(getpid(), SIGUSR2) == 0, "kill");
    CHECK(info_signo == SIGUSR2, "siginfo si_signo wrong or handler not run (%d)", info_signo);
    CHECK(info_code == SI_USER, "si_code %d, want SI_USER", info_code);
    CHECK(info_pid == getpid(), "si_pid %d, want %d", info_pid, (int)getpid());
    CHECK(info_uid == (int)getuid(), "si_uid %d", info_uid);
    CHECK(info_ctx, "no ucontext");
    /* From another process: si_pid names the sender. */
    info_signo = 0;
    pid_t me = getpid();
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, &old);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0)
        _exit(kill(me, SIGUSR2) == 0 ? 0 : 1);
    if (ut_expect_exit(ut_wait(pid), 0, "sender"))
        return -1;
    sigprocmask(SIG_SETMASK, &old, NULL);   /* delivered here */
    CHECK(info_signo == SIGUSR2 && info_pid == pid, "signal from child: signo %d si_pid %d, want %d",
          info_signo, info_pid, (int)pid);
    return 0;
}

int t_sig_mask(void)
{
    struct sigaction sa = { .sa_handler = plain_handler };
    sigaction(SIGUSR1, &sa, NULL);
    hits = 0;
    sigset_t set, old, cur;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, &old, 8) == 0, "rt_sigprocmask errno %d",
          errno);
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGUSR1);   /* standard signals do not queue: one delivery */
    CHECK(hits == 0, "blocked signal was delivered");
    CHECK(syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, NULL, 8) == 0, "unblock");
    CHECK(hits == 1, "after unblocking: %d deliveries, want exactly 1", (int)hits);
    /* SIG_SETMASK and reading back; SIGKILL/SIGSTOP silently stay unblockable. */
    sigfillset(&set);
    CHECK(sigprocmask(SIG_SETMASK, &set, NULL) == 0, "SETMASK all");
    CHECK(sigprocmask(SIG_SETMASK, &old, &cur) == 0, "restore");
    CHECK(!sigismember(&cur, SIGKILL) && !sigismember(&cur, SIGSTOP) && sigismember(&cur, SIGUSR1),
          "blocking everything: SIGKILL/SIGSTOP blocked, or SIGUSR1 not");
    CHECK_ERRNO(syscall(SYS_rt_sigprocmask, 99, &set, NULL, 8), EINVAL);
    CHECK_ERRNO(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4), EINVAL);
    /* The mask is inherited over fork. */
    sigprocmask(SIG_BLOCK, &(sigset_t){ 0 }, NULL);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        sigprocmask(SIG_BLOCK, NULL, &cur);
        _exit(sigismember(&cur, SIGUSR2) ? 0 : 1);
    }
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    return ut_expect_exit(ut_wait(pid), 0, "child inherits the mask");
}

/* FPU state survives asynchronous interruption: the same floating-point loop (no calls, so
 * its state stays in x87 registers) must give the bit-identical result every time while a
 * second process keeps sending signals whose handler does FP work, and runs its own FP loop
 * in between (so the kernel switches FPU state between two users of it). */
static volatile double fpu_junk;

static void fpu_handler(int sig)
{
    hits++;
    double x = sig;
    for (int i = 0; i < 50; i++)
        x = x * 1.0001 + 3.5 / (i + 1);
    fpu_junk = x;
}

static __attribute__((noinline)) double fp_loop(int n, double seed)
{
    double a = seed, b = 1.0;
    for (int i = 1; i <= n; i++) {
        a = a + b / i;
        b = b * 0.9999999 + 1e-7;
    }
    return a;
}

int t_sig_fpu_preserved(void)
{
    enum { N = 20000, SIGNALS = 100 };
    struct sigaction sa = { .sa_handler = fpu_handler };
    sigaction(SIGUSR1, &sa, NULL);
    hits = 0;
    const double ref = fp_loop(N, 0.5);
    pid_t parent = getpid();
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        const double mine = fp_loop(N, 2.25);
        for (int s = 0; s < SIGNALS; s++) {
            if (fp_loop(N, 2.25) != mine)
                _exit(1);
            if (kill(parent, SIGUSR1) != 0)
                _exit(2);
            sched_yield();
        }
        _exit(0);
    }
    int rounds = 0, mismatches = 0;
    double bad = 0;
    int st = -1;
    for (;;) {
        double r = fp_loop(N, 0.5);
        rounds++;
        if (r != ref) {
            mismatches++;
            bad = r;
        }
        /* Yield so a kernel without preemption still lets the sender run (with preemption,
         * the timer also lands inside fp_loop, which is the interesting case). */
        sched_yield();
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        CHECK(w == 0, "waitpid errno %d", errno);
        CHECK(rounds < 1000000, "sender never finished");
    }
    CHECK(mismatches == 0, "%d of %d rounds gave %.17g instead of %.17g", mismatches, rounds,
          bad, ref);
    if (ut_expect_exit(st, 0, "FP sender (1 = its own FP loop was corrupted)"))
        return -1;
    CHECK(hits > 0, "no signal arrived");
    ut_note("%d rounds, %d signals", rounds, (int)hits);
    return 0;
}

/* A handler without SA_RESTART interrupts a blocking read with EINTR. The sender repeats the
 * signal until the reader reports, so there is no race with the reader reaching read(). */
static void nop_handler(int sig) { (void)sig; hits++; }

int t_sig_eintr(void)
{
    int data[2], report[2];
    CHECK_OK(pipe(data));
    CHECK_OK(pipe(report));
    /* Installed before the fork so that no signal finds the child with the default action. */
    struct sigaction sa = { .sa_handler = nop_handler, .sa_flags = 0 };
    sigaction(SIGUSR1, &sa, NULL);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        close(data[1]);
        char c;
        hits = 0;
        ssize_t r = read(data[0], &c, 1);
        char verdict = r == -1 && errno == EINTR && hits > 0 ? 'E' : 'x';
        (void)!write(report[1], &verdict, 1);
        _exit(0);
    }
    close(report[1]);
    char v = 0;
    CHECK_OK(fcntl(report[0], F_SETFL, O_NONBLOCK));
    for (int i = 0; i < 500 && read(report[0], &v, 1) != 1; i++) {
        kill(pid, SIGUSR1);
        ut_sleep_ms(10);
    }
    close(data[0]);
    close(data[1]);
    close(report[0]);
    if (ut_expect_exit(ut_wait(pid), 0, "reader"))
        return -1;
    CHECK(v == 'E', "read was not interrupted with EINTR (verdict '%c')", v ? v : '?');
    return 0;
}

int t_sig_default_actions(void)
{
    static const int fatal[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGALRM };
    for (unsigned i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
        pid_t pid = fork();
        CHECK(pid >= 0, "fork");
        if (pid == 0) {
            signal(fatal[i], SIG_DFL);
            kill(getpid(), fatal[i]);
            _exit(0);
        }
        int st = ut_wait(pid);
        CHECK(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == fatal[i],
              "default action of signal %d: status %#x", fatal[i], st);
    }
    /* Ignored and default-ignored signals do nothing. */
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        signal(SIGTERM, SIG_IGN);
        kill(getpid(), SIGTERM);
        signal(SIGCHLD, SIG_DFL);
        kill(getpid(), SIGCHLD);
        signal(SIGURG, SIG_DFL);
        kill(getpid(), SIGURG);
        _exit(33);
    }
    return ut_expect_exit(ut_wait(pid), 33, "child with ignored signals");
}

int t_sig_kill(void)
{
    CHECK(kill(getpid(), 0) == 0, "kill(self, 0) errno %d", errno);
    CHECK_ERRNO(kill(getpid(), 1000), EINVAL);
    CHECK_ERRNO(kill(getpid(), -1), EINVAL);
    /* Find a pid that is not in use: a reaped child's. */
    pid_t dead = fork();
    CHECK(dead >= 0, "fork");
    if (dead == 0)
        _exit(0);
    if (ut_expect_exit(ut_wait(dead), 0, "short child"))
        return -1;
    CHECK_ERRNO(kill(dead, SIGTERM), ESRCH);
    CHECK_ERRNO(kill(dead, 0), ESRCH);
    /* Signalling a child: it handles it and reports. */
    int p[2], ready[2];
    CHECK_OK(pipe(p));
    CHECK_OK(pipe(ready));
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        struct sigaction sa = { .sa_handler = nop_handler };
        sigaction(SIGUSR2, &sa, NULL);
        hits = 0;
        (void)!write(ready[1], "r", 1);
        for (int i = 0; i < 5000 && hits == 0; i++)
            ut_sleep_ms(1);
        _exit(write(p[1], "h", 1) == 1 ? 0 : 1);
    }
    char c;
    CHECK(read(ready[0], &c, 1) == 1, "child not ready");
    CHECK(kill(pid, SIGUSR2) == 0, "kill child errno %d", errno);
    CHECK(read(p[0], &c, 1) == 1 && c == 'h', "child did not handle the signal");
    if (ut_expect_exit(ut_wait(pid), 0, "signalled child"))
        return -1;
    /* A zombie can still be signalled (no error) until it is reaped. */
    pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0)
        _exit(0);
    ut_sleep_ms(50);
    CHECK(kill(pid, 0) == 0, "kill(zombie, 0) errno %d", errno);
    ut_wait(pid);
    close(p[0]);
    close(p[1]);
    close(ready[0]);
    close(ready[1]);
    return 0;
}
