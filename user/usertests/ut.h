/* usertests: the shared test vocabulary.
 *
 * Each test is `int t_name(void)` and returns 0 on pass. A failing check records a reason and
 * returns -1 from the test (CHECK/CHECK_ERRNO), so every test can fail and says why. The runner
 * (main.c) runs each test in its own child process: a test that crashes or hangs is reported as
 * "not ok" with the signal, it does not take the suite down.
 *
 * Invariants:
 *  - a test never leaves processes behind: every fork is reaped inside the test;
 *  - a test that needs a scratch file uses ut_path() (under $USERTESTS_TMP or /tmp) and removes it;
 *  - raw syscall() is used where the issue names a system call, so the guest kernel sees exactly
 *    that call number, not whatever musl happens to prefer (statx, clock_gettime64, ...).
 */
#ifndef UT_H
#define UT_H

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>

/* Record a failure reason (printf-style); always returns -1 so tests can `return ut_fail(...)`. */
int ut_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Record a note shown after the ok line ("# ..."), e.g. when stdin is not a tty on the host. */
void ut_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define CHECK(cond, ...) do { if (!(cond)) return ut_fail(__VA_ARGS__); } while (0)
/* A call that must fail with one errno: checks both the -1 and the errno. */
#define CHECK_ERRNO(expr, want) do {                                                   \
        errno = 0;                                                                     \
        long ut_r_ = (long)(expr);                                                     \
        int ut_e_ = errno;                                                             \
        if (ut_r_ != -1 || ut_e_ != (want))                                            \
            return ut_fail("%s: got %ld errno %d (%s), want -1 errno %d (%s)", #expr,   \
                           ut_r_, ut_e_, strerror(ut_e_), (want), strerror(want));     \
    } while (0)
/* A call that must succeed (return >= 0). */
#define CHECK_OK(expr) do {                                                            \
        errno = 0;                                                                     \
        long ut_r_ = (long)(expr);                                                     \
        if (ut_r_ < 0)                                                                 \
            return ut_fail("%s failed: errno %d (%s)", #expr, errno, strerror(errno)); \
    } while (0)

/* musl names the 32-bit-time calls *_time32 (it prefers the time64 ones); the guest ABI is
 * the original i386 numbering, so tests use these. */
#define SYS_gettimeofday 78
#define SYS_clock_gettime 265

/* Absolute path of this executable (for exec-self tests), set by main(). */
extern const char *ut_self;

/* Scratch path "<tmp>/ut-<pid>-<name>" in a static buffer (one of 4 rotating slots). */
const char *ut_path(const char *name);

/* Wait for pid and return its raw wait status, or -1 (with a recorded failure) on error. */
int ut_wait(pid_t pid);
/* Child exited normally with this code? Records a failure describing the status otherwise. */
int ut_expect_exit(int status, int code, const char *what);

/* Monotonic nanoseconds (raw clock_gettime), for elapsed-time checks. */
long long ut_now_ns(void);
/* Sleep n milliseconds with raw nanosleep (retrying on EINTR). */
void ut_sleep_ms(long ms);

/* Hidden sub-commands used by exec tests: return the process exit code. */
int ut_exec_helper(int argc, char **argv, char **envp);

#endif

/* Touch one byte at addr (read, or write when write != 0) with a SIGSEGV/SIGBUS handler armed.
 * Returns 0 if the access went through, else the signal number; *fault_addr and *fault_code (if
 * not NULL) get the siginfo's si_addr and si_code. */
int ut_probe(volatile void *addr, int write, void **fault_addr, int *fault_code);
