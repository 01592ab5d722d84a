/* usertests: processes. fork (with copy-on-write checks), vfork and posix_spawn as musl does
 * them (vfork syscall; clone(CLONE_VM|CLONE_VFORK) on a separate stack), execve with argv/
 * envp/auxv, exit/exit_group, wait4 status values, getpid/getppid, reparenting, and TLS
 * through set_thread_area. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ut.h"

extern char **environ;

int t_fork_basic(void)
{
    pid_t parent = getpid();
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = fork();
    CHECK(pid >= 0, "fork failed errno %d", errno);
    if (pid == 0) {
        pid_t me = getpid();
        int ok = getppid() == parent && me != parent && me > 0;
        if (write(p[1], &me, sizeof me) != sizeof me)
            _exit(2);
        _exit(ok ? 42 : 1);
    }
    close(p[1]);
    pid_t reported = 0;
    CHECK(read(p[0], &reported, sizeof reported) == sizeof reported, "child wrote no pid");
    close(p[0]);
    CHECK(reported == pid, "fork returned %d to the parent, child's getpid is %d",
          (int)pid, (int)reported);
    return ut_expect_exit(ut_wait(pid), 42, "child (42 = getppid ok)");
}

/* Memory of every kind (data, bss, heap, stack) is private after fork, both directions. */
static int cow_data[3000] = { 1 };
static int cow_bss[3000];

int t_fork_cow(void)
{
    enum { N = 3000 };   /* ~12 KB each: spans pages */
    int stack[N];
    int *heap = malloc(N * sizeof *heap);
    CHECK(heap != NULL, "malloc");
    for (int i = 0; i < N; i++)
        cow_data[i] = cow_bss[i] = stack[i] = heap[i] = i;
    int go[2], done[2];
    CHECK_OK(pipe(go));
    CHECK_OK(pipe(done));
    pid_t pid = fork();
    CHECK(pid >= 0, "fork errno %d", errno);
    if (pid == 0) {
        char c;
        /* Wait until the parent has written its copies, then check ours are untouched. */
        if (read(go[0], &c, 1) != 1)
            _exit(2);
        for (int i = 0; i < N; i++)
            if (cow_data[i] != i || cow_bss[i] != i || stack[i] != i || heap[i] != i)
                _exit(3);
        for (int i = 0; i < N; i++)
            cow_data[i] = cow_bss[i] = stack[i] = heap[i] = -1;
        if (write(done[1], "d", 1) != 1)
            _exit(4);
        _exit(0);
    }
    for (int i = 0; i < N; i++)
        cow_data[i] = cow_bss[i] = stack[i] = heap[i] = i * 7 + 1;
    CHECK(write(go[1], "g", 1) == 1, "write go");
    char c;
    CHECK(read(done[0], &c, 1) == 1, "child did not finish (died?)");
    int st = ut_wait(pid);
    if (ut_expect_exit(st, 0, "child (3 = parent's writes leaked into the child)"))
        return -1;
    for (int i = 0; i < N; i++)
        CHECK(cow_data[i] == i * 7 + 1 && cow_bss[i] == i * 7 + 1 && stack[i] == i * 7 + 1 &&
              heap[i] == i * 7 + 1, "child's writes leaked into the parent at index %d", i);
    free(heap);
    return 0;
}

/* An fd inherited over fork is the same open file: the offset is shared. */
int t_fork_shared_fd(void)
{
    const char *path = ut_path("shared");
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
    CHECK(fd >= 0, "open %s errno %d", path, errno);
    CHECK(write(fd, "ab", 2) == 2, "write");
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0)
        _exit(write(fd, "cd", 2) == 2 ? 0 : 1);
    if (ut_expect_exit(ut_wait(pid), 0, "child write"))
        return -1;
    CHECK(lseek(fd, 0, SEEK_CUR) == 4, "offset after child's write is %ld, want 4 (shared)",
          (long)lseek(fd, 0, SEEK_CUR));
    char buf[8] = { 0 };
    CHECK(pread(fd, buf, sizeof buf, 0) == 4 && memcmp(buf, "abcd", 4) == 0, "content '%s'", buf);
    close(fd);
    unlink(path);
    return 0;
}

/* vfork: the child borrows the parent's memory until it exits or execs, and the parent does
 * not run meanwhile. musl's vfork() is the vfork system call on i386. */
static volatile int vfork_flag;

int t_vfork_shares_memory(void)
{
    vfork_flag = 0;
    pid_t pid = vfork();
    CHECK(pid >= 0, "vfork errno %d", errno);
    if (pid == 0) {
        vfork_flag = 1234;   /* visible to the parent: same address space */
        _exit(9);
    }
    CHECK(vfork_flag == 1234, "child's write not seen by the parent (flag %d): not sharing memory",
          vfork_flag);
    if (ut_expect_exit(ut_wait(pid), 9, "vfork child"))
        return -1;
    /* vfork + execve: the classic use. */
    pid = vfork();
    CHECK(pid >= 0, "second vfork errno %d", errno);
    if (pid == 0) {
        char *av[] = { "usertests", "--exec-helper", "exit", "17", NULL };
        execve(ut_self, av, environ);
        _exit(127);
    }
    return ut_expect_exit(ut_wait(pid), 17, "vfork+execve helper");
}

/* posix_spawn: musl uses clone(CLONE_VM|CLONE_VFORK|SIGCHLD) with its own stack and a pipe
 * to report exec failure. Also checks a file action (dup2 onto stdout). */
int t_posix_spawn(void)
{
    pid_t pid;
    char *av[] = { "usertests", "--exec-helper", "exit", "7", NULL };
    int r = posix_spawn(&pid, ut_self, NULL, NULL, av, environ);
    CHECK(r == 0, "posix_spawn returned %d", r);
    if (ut_expect_exit(ut_wait(pid), 7, "spawned helper"))
        return -1;

    int p[2];
    CHECK_OK(pipe(p));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    char *av2[] = { "usertests", "--exec-helper", "print", "spawned", "ok", NULL };
    r = posix_spawn(&pid, ut_self, &fa, NULL, av2, environ);
    posix_spawn_file_actions_destroy(&fa);
    CHECK(r == 0, "posix_spawn with file actions returned %d", r);
    close(p[1]);
    char buf[64] = { 0 };
    size_t got = 0;
    ssize_t n;
    while (got < sizeof buf - 1 && (n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    close(p[0]);
    if (ut_expect_exit(ut_wait(pid), 0, "spawned printer"))
        return -1;
    CHECK(strcmp(buf, "spawned\nok\n") == 0, "spawned child's stdout was '%s'", buf);

    /* A missing program: posix_spawn reports the exec error, no child is left. */
    r = posix_spawn(&pid, "/nonexistent/usertests", NULL, NULL, av, environ);
    CHECK(r == ENOENT, "posix_spawn of a missing file returned %d, want ENOENT", r);
    errno = 0;
    CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD, "a child is left after failed spawn");
    return 0;
}

int t_execve_argv_envp_auxv(void)
{
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        char *av[] = { "usertests", "--exec-helper", "argv", "hello world", "", NULL };
        char *ev[] = { "UT_ENV=42", "UT_EMPTY=", NULL };
        execve(ut_self, av, ev);
        _exit(127);
    }
    return ut_expect_exit(ut_wait(pid), 0, "exec-helper argv (exit code = failed check, see "
                          "helper.c; 127 = execve failed)");
}

static void any_handler(int sig) { (void)sig; }

int t_execve_fds_and_signals(void)
{
    int p[2], q[2];
    CHECK_OK(pipe2(p, O_CLOEXEC));
    CHECK_OK(pipe(q));
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        char r[16], w[16];
        snprintf(r, sizeof r, "%d", p[0]);
        snprintf(w, sizeof w, "%d", q[1]);
        char *av[] = { "usertests", "--exec-helper", "fds", r, w, NULL };
        execve(ut_self, av, environ);
        _exit(127);
    }
    close(q[1]);
    if (ut_expect_exit(ut_wait(pid), 0, "exec-helper fds"))
        return -1;
    char c;
    CHECK(read(q[0], &c, 1) == 1 && c == 'x', "helper's write on the inherited fd not received");
    close(p[0]);
    close(p[1]);
    close(q[0]);

    pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        struct sigaction sa = { .sa_handler = SIG_IGN };
        sigaction(SIGUSR2, &sa, NULL);
        sa.sa_handler = any_handler;
        sigaction(SIGUSR1, &sa, NULL);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGHUP);
        sigprocmask(SIG_BLOCK, &set, NULL);
        char *av[] = { "usertests", "--exec-helper", "signals", NULL };
        execve(ut_self, av, environ);
        _exit(127);
    }
    return ut_expect_exit(ut_wait(pid), 0, "exec-helper signals");
}

int t_execve_errors(void)
{
    char *av[] = { "x", NULL };
    CHECK_ERRNO(execve("/nonexistent-ut/prog", av, environ), ENOENT);
    /* A file with execute permission that is not an ELF (nor a #! script): ENOEXEC. */
    const char *junk = ut_path("junk");
    int fd = open(junk, O_CREAT | O_TRUNC | O_WRONLY, 0755);
    CHECK(fd >= 0, "create %s errno %d", junk, errno);
    static const char garbage[64] = "\x7f" "ELX not an executable at all";
    CHECK(write(fd, garbage, sizeof garbage) == sizeof garbage, "write");
    close(fd);
    CHECK_ERRNO(execve(junk, av, environ), ENOEXEC);
    /* A truncated ELF header: the first bytes of a real executable only. */
    int self = open(ut_self, O_RDONLY);
    CHECK(self >= 0, "open self errno %d", errno);
    char hdr[20];
    CHECK(read(self, hdr, sizeof hdr) == sizeof hdr, "read self");
    close(self);
    fd = open(junk, O_TRUNC | O_WRONLY);
    CHECK(fd >= 0 && write(fd, hdr, sizeof hdr) == sizeof hdr, "write truncated ELF");
    close(fd);
    errno = 0;
    long r = execve(junk, av, environ);
    CHECK(r == -1 && (errno == ENOEXEC || errno == EIO || errno == EINVAL),
          "execve of a truncated ELF: %ld errno %d", r, errno);
    unlink(junk);
    /* A directory. */
    CHECK_ERRNO(execve("/", av, environ), EACCES);
    /* The process is intact after all those failures. */
    CHECK(getpid() > 0, "getpid after failed execve");
    return 0;
}

int t_exit_status(void)
{
    static const int codes[] = { 0, 1, 127, 255, 256 + 3 };
    for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        pid_t pid = fork();
        CHECK(pid >= 0, "fork");
        if (pid == 0)
            _exit(codes[i]);
        char what[32];
        snprintf(what, sizeof what, "_exit(%d)", codes[i]);
        if (ut_expect_exit(ut_wait(pid), codes[i] & 0xff, what))
            return -1;
    }
    /* exit_group (252) and exit (1) by raw number: the status byte is the argument's low byte. */
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0)
        syscall(SYS_exit_group, 0x1234);
    if (ut_expect_exit(ut_wait(pid), 0x34, "exit_group(0x1234)"))
        return -1;
    pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0)
        syscall(SYS_exit, 5);
    if (ut_expect_exit(ut_wait(pid), 5, "exit(5)"))
        return -1;
    /* Killed by a signal: WIFSIGNALED with the number, not an exit code. */
    pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        kill(getpid(), SIGKILL);
        _exit(1);
    }
    int st = ut_wait(pid);
    CHECK(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
          "child killed by SIGKILL: status %#x", st);
    return 0;
}

int t_wait4(void)
{
    int p[2];
    CHECK_OK(pipe(p));
    pid_t a = fork();
    CHECK(a >= 0, "fork");
    if (a == 0) {
        char c;
        close(p[1]);
        _exit(read(p[0], &c, 1) == 0 ? 11 : 1);   /* exits when the parent closes the pipe */
    }
    pid_t b = fork();
    CHECK(b >= 0, "fork");
    if (b == 0)
        _exit(22);
    close(p[0]);
    int st = -1;
    /* a is still running: WNOHANG returns 0 for it. */
    CHECK(syscall(SYS_wait4, a, &st, WNOHANG, NULL) == 0, "wait4(a, WNOHANG) did not return 0");
    /* b by pid, with rusage. */
    struct rusage ru;
    long r = syscall(SYS_wait4, b, &st, 0, &ru);
    CHECK(r == b, "wait4(b) returned %ld errno %d", r, errno);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 22, "b status %#x, want exit 22", st);
    /* Waiting for b again: it is gone. */
    CHECK_ERRNO(syscall(SYS_wait4, b, &st, 0, NULL), ECHILD);
    close(p[1]);
    r = syscall(SYS_wait4, -1, &st, 0, NULL);
    CHECK(r == a, "wait4(-1) returned %ld, want %d", r, (int)a);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 11, "a status %#x, want exit 11", st);
    CHECK_ERRNO(syscall(SYS_wait4, -1, &st, 0, NULL), ECHILD);
    CHECK_ERRNO(syscall(SYS_wait4, -1, &st, WNOHANG, NULL), ECHILD);
    /* A pid that is not our child (our parent). */
    CHECK_ERRNO(syscall(SYS_wait4, getppid(), &st, WNOHANG, NULL), ECHILD);
    /* NULL status pointer is allowed. */
    pid_t c = fork();
    CHECK(c >= 0, "fork");
    if (c == 0)
        _exit(0);
    CHECK(syscall(SYS_wait4, c, NULL, 0, NULL) == c, "wait4 with NULL status errno %d", errno);
    return 0;
}

int t_getpid_getppid(void)
{
    pid_t me = getpid();
    CHECK(me > 0 && syscall(SYS_getpid) == me, "getpid %d, raw %ld", (int)me, syscall(SYS_getpid));
    CHECK(getppid() > 0 && getppid() != me, "getppid %d", (int)getppid());
    /* Children get distinct pids. */
    pid_t kids[4];
    for (int i = 0; i < 4; i++) {
        kids[i] = fork();
        CHECK(kids[i] >= 0, "fork");
        if (kids[i] == 0)
            _exit(getppid() == me ? 0 : 1);
    }
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < i; j++)
            CHECK(kids[i] != kids[j], "two children got pid %d", (int)kids[i]);
        CHECK(kids[i] != me, "child got the parent's pid");
        if (ut_expect_exit(ut_wait(kids[i]), 0, "child getppid == parent"))
            return -1;
    }
    return 0;
}

/* A grandchild whose parent exits is reparented (to init or a subreaper): getppid changes. */
int t_orphan_reparent(void)
{
    int p[2];
    CHECK_OK(pipe(p));
    pid_t mid = fork();
    CHECK(mid >= 0, "fork");
    if (mid == 0) {
        pid_t me = getpid();
        pid_t g = fork();
        if (g < 0)
            _exit(2);
        if (g == 0) {
            close(p[0]);
            for (int i = 0; i < 2000 && getppid() == me; i++)
                ut_sleep_ms(1);
            char verdict = getppid() != me ? 'R' : 'N';
            if (write(p[1], &verdict, 1) != 1)
                _exit(1);
            _exit(0);
        }
        _exit(0);
    }
    close(p[1]);
    if (ut_expect_exit(ut_wait(mid), 0, "middle process"))
        return -1;
    char v = 0;
    CHECK(read(p[0], &v, 1) == 1, "grandchild reported nothing");
    close(p[0]);
    CHECK(v == 'R', "grandchild's getppid still names its dead parent after 2 s");
    return 0;
}

/* TLS: musl points %gs at the thread descriptor through set_thread_area. Check that a
 * __thread variable works and is private after fork, then install a second descriptor
 * ourselves (entry -1 = "pick a free one"), load it in %fs and read through it. */
static __thread int tls_var = 5;

struct user_desc32 {            /* the kernel's struct user_desc */
    uint32_t entry_number, base_addr, limit;
    uint32_t seg_32bit : 1, contents : 2, read_exec_only : 1, limit_in_pages : 1,
             seg_not_present : 1, useable : 1;
};

int t_tls_set_thread_area(void)
{
    unsigned gs;
    __asm__ volatile("mov %%gs, %0" : "=r"(gs));
    CHECK(gs != 0 && (gs & 4) == 0 && (gs & 3) == 3, "%%gs = %#x: not a ring-3 GDT selector", gs);
    CHECK(tls_var == 5, "__thread initial value %d, want 5", tls_var);
    tls_var = 6;
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        int ok = tls_var == 6;
        tls_var = 99;
        _exit(ok ? 0 : 1);
    }
    if (ut_expect_exit(ut_wait(pid), 0, "child sees the parent's __thread value"))
        return -1;
    CHECK(tls_var == 6, "child's __thread write leaked into the parent (%d)", tls_var);

    static uint32_t block[4] = { 0x600df00d, 0x12345678, 0, 0 };
    struct user_desc32 d = { .entry_number = (uint32_t)-1, .base_addr = (uint32_t)block,
                             .limit = 0xfffff, .seg_32bit = 1, .limit_in_pages = 1, .useable = 1 };
    long r = syscall(SYS_set_thread_area, &d);
    CHECK(r == 0, "set_thread_area(entry -1) returned %ld errno %d", r, errno);
    CHECK(d.entry_number != (uint32_t)-1 && d.entry_number != gs >> 3,
          "set_thread_area gave entry %u (musl's %%gs uses %u)", d.entry_number, gs >> 3);
    unsigned sel = d.entry_number << 3 | 3, word0, word1;
    __asm__ volatile("mov %2, %%fs\n\tmov %%fs:0, %0\n\tmov %%fs:4, %1\n\tmov %3, %%fs"
                     : "=&r"(word0), "=&r"(word1) : "r"(sel), "r"(0));
    CHECK(word0 == block[0] && word1 == block[1], "read through the new TLS segment: %#x %#x",
          word0, word1);
    /* Out-of-range entry numbers are refused. */
    struct user_desc32 bad = d;
    bad.entry_number = 1;   /* a kernel GDT slot, not a TLS slot */
    CHECK_ERRNO(syscall(SYS_set_thread_area, &bad), EINVAL);
    /* Clearing our entry again (base 0, limit 0, not present/read-exec-only = empty). */
    struct user_desc32 clear = { .entry_number = d.entry_number, .read_exec_only = 1,
                                 .seg_not_present = 1 };
    CHECK(syscall(SYS_set_thread_area, &clear) == 0, "clearing the TLS entry errno %d", errno);
    CHECK(tls_var == 6, "__thread value changed after another TLS entry was used");
    return 0;
}

static void *thread_body(void *arg)
{
    int *out = arg;
    out[0] = tls_var;     /* a new thread starts from the initial image: 5 */
    tls_var = 77;
    out[1] = tls_var;
    return arg;
}

int t_pthread_tls(void)
{
    tls_var = 6;
    int out[2] = { 0, 0 };
    pthread_t th;
    int r = pthread_create(&th, NULL, thread_body, out);
    CHECK(r == 0, "pthread_create returned %d", r);
    void *ret;
    CHECK(pthread_join(th, &ret) == 0 && ret == out, "pthread_join");
    CHECK(out[0] == 5 && out[1] == 77, "thread saw __thread %d then %d, want 5 then 77",
          out[0], out[1]);
    CHECK(tls_var == 6, "thread's __thread write changed the main thread's copy (%d)", tls_var);
    return 0;
}
