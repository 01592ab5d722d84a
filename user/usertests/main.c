/* usertests: runner. `usertests` runs every default test, `usertests NAME...` the named ones,
 * `-a` adds the optional ones, `-l` lists. Output is TAP-like:
 *   ok <n> - <name> [# note]      not ok <n> - <name>: <reason>
 * and the closing line exactly `usertests: N passed, N failed`; exit status 0 iff none failed.
 *
 * Each test runs in a forked child with a pipe for its reason, so a crash (signal) or a hang
 * (alarm) is a failure of that test only. The child sets a per-test alarm; if the kernel has no
 * alarm() the test simply has no timeout.
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests.h"
#include "ut.h"

#define X(name, opt) int t_##name(void);
UT_TESTS(X)
#undef X

struct test { const char *name; int (*fn)(void); int optional; };
static const struct test tests[] = {
#define X(name, opt) { #name, t_##name, opt },
    UT_TESTS(X)
#undef X
};
#define NTESTS (int)(sizeof(tests) / sizeof(tests[0]))

enum { TEST_TIMEOUT_S = 60 };

const char *ut_self;
static char reason[512];
static char note[256];
static int report_fd = -1;

int ut_fail(const char *fmt, ...)
{
    if (!reason[0]) {           /* keep the first reason: later ones are usually consequences */
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(reason, sizeof reason, fmt, ap);
        va_end(ap);
    }
    return -1;
}

void ut_note(const char *fmt, ...)
{
    size_t used = strlen(note);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(note + used, sizeof note - used, fmt, ap);
    va_end(ap);
}

const char *ut_path(const char *name)
{
    static char slots[4][PATH_MAX];
    static int next;
    const char *tmp = getenv("USERTESTS_TMP");
    char *p = slots[next++ % 4];
    snprintf(p, PATH_MAX, "%s/ut-%d-%s", tmp && *tmp ? tmp : "/tmp", (int)getpid(), name);
    return p;
}

int ut_wait(pid_t pid)
{
    int status;
    pid_t r;
    do
        r = waitpid(pid, &status, 0);
    while (r < 0 && errno == EINTR);
    if (r != pid)
        return ut_fail("waitpid(%d) returned %d errno %d", (int)pid, (int)r, errno);
    return status;
}

int ut_expect_exit(int status, int code, const char *what)
{
    if (status == -1)
        return -1;
    if (WIFSIGNALED(status))
        return ut_fail("%s: killed by signal %d", what, WTERMSIG(status));
    if (!WIFEXITED(status))
        return ut_fail("%s: odd wait status %#x", what, status);
    if (WEXITSTATUS(status) != code)
        return ut_fail("%s: exit code %d, want %d", what, WEXITSTATUS(status), code);
    return 0;
}

struct ktimespec { int32_t sec, nsec; };   /* the i386 kernel's 32-bit timespec */

long long ut_now_ns(void)
{
    struct ktimespec ts;
    if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) != 0)
        return -1;
    return ts.sec * 1000000000LL + ts.nsec;
}

void ut_sleep_ms(long ms)
{
    struct ktimespec ts = { (int32_t)(ms / 1000), (int32_t)(ms % 1000 * 1000000) };
    while (syscall(SYS_nanosleep, &ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Runs test t in a child; prints its line; returns 1 if it passed. */
static int run_one(int n, const struct test *t)
{
    int p[2];
    if (pipe(p) != 0) {
        printf("not ok %d - %s: runner: pipe failed errno %d\n", n, t->name, errno);
        return 0;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        printf("not ok %d - %s: runner: fork failed errno %d\n", n, t->name, errno);
        close(p[0]);
        close(p[1]);
        return 0;
    }
    if (pid == 0) {
        close(p[0]);
        report_fd = p[1];
        alarm(TEST_TIMEOUT_S);
        reason[0] = note[0] = 0;
        int r = t->fn();
        if (r != 0 && !reason[0])
            strcpy(reason, "failed without a reason");
        /* One message: 'P' or 'F', then the text. */
        char msg[sizeof reason + sizeof note + 2];
        int len = snprintf(msg, sizeof msg, "%c%s", r == 0 ? 'P' : 'F', r == 0 ? note : reason);
        if (write(report_fd, msg, (size_t)len) != len)
            _exit(3);
        fflush(stdout);
        _exit(r == 0 ? 0 : 1);
    }
    close(p[1]);
    /* Wait first, then read: a test that leaked a process holding the pipe must not hang us.
     * The message fits in the pipe buffer, so the child never blocks writing it. */
    int status = ut_wait(pid);
    char msg[sizeof reason + sizeof note + 2];
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    ssize_t len = read(p[0], msg, sizeof msg - 1);
    close(p[0]);
    msg[len > 0 ? len : 0] = 0;
    if (WIFSIGNALED(status)) {
        printf("not ok %d - %s: killed by signal %d%s\n", n, t->name, WTERMSIG(status),
               WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
        return 0;
    }
    if (len > 0 && msg[0] == 'P' && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        if (msg[1])
            printf("ok %d - %s # %s\n", n, t->name, msg + 1);
        else
            printf("ok %d - %s\n", n, t->name);
        return 1;
    }
    if (len > 0 && msg[0] == 'F')
        printf("not ok %d - %s: %s\n", n, t->name, msg + 1);
    else
        printf("not ok %d - %s: exited with status %#x and no report\n", n, t->name, status);
    return 0;
}

static void set_self(const char *argv0)
{
    static char buf[PATH_MAX];
    if (argv0 && argv0[0] == '/')
        ut_self = argv0;
    else if (argv0 && strchr(argv0, '/') && getcwd(buf, sizeof buf - strlen(argv0) - 2)) {
        strcat(buf, "/");
        strcat(buf, argv0);
        ut_self = buf;
    } else
        ut_self = "/bin/usertests";
}

static int find(const char *name)
{
    for (int i = 0; i < NTESTS; i++)
        if (strcmp(tests[i].name, name) == 0)
            return i;
    return -1;
}

int main(int argc, char **argv, char **envp)
{
    if (argc >= 2 && strcmp(argv[1], "--exec-helper") == 0)
        return ut_exec_helper(argc, argv, envp);
    set_self(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);

    int all = 0, list = 0, first = 1;
    while (first < argc && argv[first][0] == '-') {
        if (strcmp(argv[first], "-l") == 0)
            list = 1;
        else if (strcmp(argv[first], "-a") == 0)
            all = 1;
        else {
            fprintf(stderr, "usage: usertests [-l] [-a] [NAME...]\n");
            return 2;
        }
        first++;
    }
    if (list) {
        for (int i = 0; i < NTESTS; i++)
            printf("%s%s\n", tests[i].name, tests[i].optional ? " (optional)" : "");
        return 0;
    }

    int passed = 0, failed = 0, n = 0;
    if (first < argc) {
        for (int a = first; a < argc; a++) {
            int i = find(argv[a]);
            if (i < 0) {
                printf("not ok %d - %s: no such test\n", ++n, argv[a]);
                failed++;
                continue;
            }
            if (run_one(++n, &tests[i]))
                passed++;
            else
                failed++;
        }
    } else {
        for (int i = 0; i < NTESTS; i++) {
            if (tests[i].optional && !all)
                continue;
            if (run_one(++n, &tests[i]))
                passed++;
            else
                failed++;
        }
    }
    printf("usertests: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
