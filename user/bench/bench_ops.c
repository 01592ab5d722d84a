/* bench: the operations (issue 9 item 1, user-level part). Each names the system-call path it
 * measures; docs/performance.md explains what each costs on Moat. System calls go through raw
 * numbers where musl would otherwise try a newer call first (statx before stat64), so every
 * iteration is exactly one trip into the kernel. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

enum { PG = 4096 };

static int zero_fd = -1;
static char stat_buf[96];   /* the kernel's struct stat64 */

static void op_getppid(void) { (void)getppid(); }

static void op_read_zero(void)
{
    char c;
    (void)!read(zero_fd, &c, 1);
}

static void op_stat(void) { syscall(SYS_stat64, "/bin/sh", stat_buf); }

static void op_open_close(void)
{
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0)
        close(fd);
}

static volatile int handled;
static void on_usr1(int sig) { (void)sig; handled++; }
static struct sigaction usr1 = { .sa_handler = on_usr1 };

static void op_sigaction(void) { sigaction(SIGUSR1, &usr1, NULL); }

static pid_t self;
static void op_kill_self(void) { kill(self, SIGUSR1); }

static int64_t m_null_syscall(int n) { return bench_loop(op_getppid, n); }

static int64_t m_null_io(int n)
{
    zero_fd = open("/dev/zero", O_RDONLY);
    if (zero_fd < 0)
        return bench_error("open /dev/zero failed");
    int64_t t = bench_loop(op_read_zero, n);
    close(zero_fd);
    return t;
}

static int64_t m_stat(int n)
{
    if (syscall(SYS_stat64, "/bin/sh", stat_buf) != 0)
        return bench_error("stat64 /bin/sh failed");
    return bench_loop(op_stat, n);
}

static int64_t m_open_close(int n) { return bench_loop(op_open_close, n); }

static int64_t m_sig_install(int n)
{
    int64_t t = bench_loop(op_sigaction, n);
    signal(SIGUSR1, SIG_DFL);
    return t;
}

static int64_t m_sig_handler(int n)
{
    sigaction(SIGUSR1, &usr1, NULL);
    self = getpid();
    handled = 0;
    int64_t t = bench_loop(op_kill_self, n);
    signal(SIGUSR1, SIG_DFL);
    if (handled != n + 1)
        return bench_error("handler ran %d times for %d signals", handled, n + 1);
    return t;
}

/* fork/exec family: a failure in any iteration is counted and reported after the loop. */
static int child_failures;

static void reap(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        child_failures++;
}

static void op_fork_exit(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    reap(pid);
}

static void op_fork_execve(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        char *av[] = { "bench-true", NULL }, *ev[] = { NULL };
        execve(bench_true_path, av, ev);
        _exit(127);
    }
    reap(pid);
}

static void op_fork_sh_c(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        char *av[] = { "sh", "-c", "true", NULL }, *ev[] = { "PATH=/bin:/usr/bin", NULL };
        execve("/bin/sh", av, ev);
        _exit(127);
    }
    reap(pid);
}

static int64_t children(void (*fn)(void), int n, const char *what)
{
    child_failures = 0;
    int64_t t = bench_loop(fn, n);
    if (child_failures)
        return bench_error("%d of %d %s children failed", child_failures, n + 1, what);
    return t;
}

static int64_t m_fork_exit(int n) { return children(op_fork_exit, n, "fork+exit"); }
static int64_t m_fork_execve(int n) { return children(op_fork_execve, n, bench_true_path); }
static int64_t m_fork_sh_c(int n) { return children(op_fork_sh_c, n, "sh -c true"); }

/* Token passing between two processes over two pipes (lmbench lat_pipe / lat_ctx 2p 0K).
 * Returns ticks per round trip, or -1. */
static int64_t round_trips(int n)
{
    int to[2], from[2];
    if (pipe(to) || pipe(from))
        return bench_error("pipe failed");
    pid_t pid = fork();
    if (pid < 0)
        return bench_error("fork failed");
    if (pid == 0) {
        char c;
        close(to[1]);
        close(from[0]);
        while (read(to[0], &c, 1) == 1)
            if (write(from[1], &c, 1) != 1)
                _exit(1);
        _exit(0);
    }
    close(to[0]);
    close(from[1]);
    char c = 't';
    int bad = 0;
    bad |= write(to[1], &c, 1) != 1 || read(from[0], &c, 1) != 1;   /* warm-up */
    uint64_t t0 = rdtsc();
    for (int i = 0; i < n; i++)
        bad |= write(to[1], &c, 1) != 1 || read(from[0], &c, 1) != 1;
    uint64_t t1 = rdtsc();
    close(to[1]);
    close(from[0]);
    child_failures = 0;
    reap(pid);
    if (bad || child_failures)
        return bench_error("token lost (bad %d, child failures %d)", bad, child_failures);
    return (int64_t)((t1 - t0) / (uint64_t)n);
}

static int self_pipe[2];
static void op_self_pipe(void)
{
    char c = 's';
    if (write(self_pipe[1], &c, 1) != 1 || read(self_pipe[0], &c, 1) != 1)
        child_failures++;
}

/* A context switch: half a round trip, minus the write+read each side does anyway (measured
 * in one process, no switch), as lmbench's lat_ctx subtracts its pipe overhead. */
static int64_t m_ctx_switch(int n)
{
    if (pipe(self_pipe))
        return bench_error("pipe failed");
    child_failures = 0;
    int64_t overhead = bench_loop(op_self_pipe, n);
    close(self_pipe[0]);
    close(self_pipe[1]);
    if (child_failures)
        return bench_error("self pipe failed");
    int64_t rt = round_trips(n);
    if (rt < 0)
        return -1;
    int64_t ctx = (rt - 2 * overhead) / 2;
    return ctx > 0 ? ctx : 0;
}

static int64_t m_pipe_latency(int n) { return round_trips(n); }

/* Write one byte to each of n fresh anonymous pages (mapped beforehand, outside the timing). */
static int64_t m_page_fault(int n)
{
    char *p = mmap(NULL, (size_t)(n + 1) * PG, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return bench_error("mmap of %d pages failed", n + 1);
    p[0] = 1;   /* warm-up */
    uint64_t t0 = rdtsc();
    for (int i = 1; i <= n; i++)
        ((volatile char *)p)[(size_t)i * PG] = 1;
    uint64_t t1 = rdtsc();
    munmap(p, (size_t)(n + 1) * PG);
    return (int64_t)((t1 - t0) / (uint64_t)n);
}

static int map_failures;
static void op_mmap_munmap(void)
{
    void *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || munmap(p, 1 << 20) != 0)
        map_failures++;
}

static int64_t m_mmap_munmap_1mb(int n)
{
    map_failures = 0;
    int64_t t = bench_loop(op_mmap_munmap, n);
    return map_failures ? bench_error("%d mmap/munmap failures", map_failures) : t;
}

/* Fixed iteration counts: small enough for seconds under QEMU TCG, never clock-derived. */
const struct bench_op bench_ops[] = {
    { "null_syscall", 200, m_null_syscall },
    { "null_io", 200, m_null_io },
    { "stat", 200, m_stat },
    { "open_close", 200, m_open_close },
    { "sig_install", 200, m_sig_install },
    { "sig_handler", 200, m_sig_handler },
    { "fork_exit", 20, m_fork_exit },
    { "fork_execve", 20, m_fork_execve },
    { "fork_sh_c", 20, m_fork_sh_c },
    { "ctx_switch", 100, m_ctx_switch },
    { "pipe_latency", 100, m_pipe_latency },
    { "page_fault", 200, m_page_fault },
    { "mmap_munmap_1mb", 100, m_mmap_munmap_1mb },
};
const int bench_nops = sizeof bench_ops / sizeof bench_ops[0];
