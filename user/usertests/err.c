/* usertests: hostile arguments. Every pointer-taking call listed in issue 8 gets pointers the
 * process does not own — low (1), the guest kernel (0xC0000000), the Xen/Moat hypervisor hole
 * (0xF5800000), a read-only page for calls that write to user memory — and must return -EFAULT,
 * never crash or write there. Bad descriptors give EBADF, missing paths ENOENT, and system-call
 * numbers i386 Linux does not have give ENOSYS. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ut.h"

extern char **environ;

/* -1 with EFAULT, or fail naming the call and the pointer. */
#define EFAULT_CALL(desc, expr) do {                                                    \
        errno = 0;                                                                      \
        long r_ = (long)(expr);                                                         \
        if (r_ != -1 || errno != EFAULT)                                                \
            return ut_fail("%s with %p: got %ld errno %d, want EFAULT", desc, bad, r_, errno); \
    } while (0)

static int efault_with(void *bad, int wfd, int zfd, int dfd, const char *file)
{
    char buf[64];
    EFAULT_CALL("write", syscall(SYS_write, wfd, bad, 8));
    EFAULT_CALL("read", syscall(SYS_read, zfd, bad, 8));
    EFAULT_CALL("open", syscall(SYS_open, bad, O_RDONLY));
    EFAULT_CALL("openat", syscall(SYS_openat, AT_FDCWD, bad, O_RDONLY));
    EFAULT_CALL("stat64 path", syscall(SYS_stat64, bad, buf));
    EFAULT_CALL("stat64 buf", syscall(SYS_stat64, file, bad));
    EFAULT_CALL("lstat64 path", syscall(SYS_lstat64, bad, buf));
    EFAULT_CALL("fstat64 buf", syscall(SYS_fstat64, zfd, bad));
    EFAULT_CALL("getdents64", syscall(SYS_getdents64, dfd, bad, 4096));
    EFAULT_CALL("_llseek result", syscall(SYS__llseek, zfd, 0, 0, bad, SEEK_SET));
    EFAULT_CALL("uname", syscall(SYS_uname, bad));
    EFAULT_CALL("gettimeofday", syscall(SYS_gettimeofday, bad, NULL));
    EFAULT_CALL("clock_gettime", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, bad));
    EFAULT_CALL("time", syscall(SYS_time, bad));
    EFAULT_CALL("nanosleep", syscall(SYS_nanosleep, bad, NULL));
    EFAULT_CALL("pipe", syscall(SYS_pipe, bad));
    EFAULT_CALL("getcwd", syscall(SYS_getcwd, bad, 100));
    EFAULT_CALL("chdir", syscall(SYS_chdir, bad));
    EFAULT_CALL("readv iov", syscall(SYS_readv, zfd, bad, 1));
    EFAULT_CALL("writev iov", syscall(SYS_writev, wfd, bad, 1));
    struct iovec iov = { bad, 8 };
    EFAULT_CALL("writev base", syscall(SYS_writev, wfd, &iov, 1));
    EFAULT_CALL("readv base", syscall(SYS_readv, zfd, &iov, 1));
    EFAULT_CALL("rt_sigaction act", syscall(SYS_rt_sigaction, SIGUSR1, bad, NULL, 8));
    EFAULT_CALL("rt_sigaction oldact", syscall(SYS_rt_sigaction, SIGUSR1, NULL, bad, 8));
    EFAULT_CALL("rt_sigprocmask set", syscall(SYS_rt_sigprocmask, SIG_BLOCK, bad, NULL, 8));
    EFAULT_CALL("rt_sigprocmask old", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, bad, 8));
    EFAULT_CALL("poll", syscall(SYS_poll, bad, 1, 0));
    EFAULT_CALL("select readfds", syscall(SYS__newselect, 1, bad, NULL, NULL, NULL));
    EFAULT_CALL("select timeout", syscall(SYS__newselect, 0, NULL, NULL, NULL, bad));
    EFAULT_CALL("set_thread_area", syscall(SYS_set_thread_area, bad));
    if (isatty(0)) {
        EFAULT_CALL("ioctl TCGETS", syscall(SYS_ioctl, 0, TCGETS, bad));
        EFAULT_CALL("ioctl TIOCGWINSZ", syscall(SYS_ioctl, 0, TIOCGWINSZ, bad));
        EFAULT_CALL("ioctl TCSETS", syscall(SYS_ioctl, 0, TCSETS, bad));
    }
    /* wait4 with a bad status pointer (the child may be reaped or not; only EFAULT is asked). */
    pid_t pid = fork();
    if (pid < 0)
        return ut_fail("fork");
    if (pid == 0)
        _exit(0);
    ut_sleep_ms(5);
    EFAULT_CALL("wait4 status", syscall(SYS_wait4, pid, bad, 0, NULL));
    waitpid(pid, NULL, 0);
    /* execve: in a child, in case a broken kernel execs anyway. */
    pid = fork();
    if (pid < 0)
        return ut_fail("fork");
    if (pid == 0) {
        char *av[] = { "usertests", "--exec-helper", "exit", "50", NULL };
        char *bad_av[] = { "usertests", bad, NULL };
        errno = 0;
        if (syscall(SYS_execve, bad, av, environ) != -1 || errno != EFAULT)
            _exit(1);
        if (syscall(SYS_execve, ut_self, bad, environ) != -1 || errno != EFAULT)
            _exit(2);
        if (syscall(SYS_execve, ut_self, bad_av, environ) != -1 || errno != EFAULT)
            _exit(3);
        if (syscall(SYS_execve, ut_self, av, bad) != -1 || errno != EFAULT)
            _exit(4);
        _exit(0);
    }
    if (ut_expect_exit(ut_wait(pid), 0, "execve EFAULT child (1 path, 2 argv, 3 argv[1], 4 envp)"))
        return ut_fail("(with %p)", bad);
    return 0;
}

int t_efault(void)
{
    int p[2];
    CHECK_OK(pipe(p));
    int zfd = open("/dev/zero", O_RDONLY);
    int dfd = open("/", O_RDONLY | O_DIRECTORY);
    CHECK(zfd >= 0 && dfd >= 0, "open /dev/zero or /");
    const char *file = "/dev/null";
    /* Read-only and partly mapped buffers, made here. */
    char *ro = mmap(NULL, 2 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(ro != MAP_FAILED, "mmap");
    void *bads[] = { (void *)1, (void *)0xC0000000UL, (void *)0xF5800000UL, (void *)0xFFFFF000UL };
    int skipped = 0;
    for (unsigned i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        if (ut_probe(bads[i], 0, NULL, NULL) == 0) {
            skipped++;   /* our own memory on a 64-bit host kernel */
            continue;
        }
        if (efault_with(bads[i], p[1], zfd, dfd, file))
            return -1;
    }
    /* Calls that write to user memory must refuse a read-only page. */
    void *bad = ro;
    EFAULT_CALL("read into a PROT_READ page", syscall(SYS_read, zfd, ro, 16));
    EFAULT_CALL("uname into a PROT_READ page", syscall(SYS_uname, ro));
    EFAULT_CALL("fstat64 into a PROT_READ page", syscall(SYS_fstat64, zfd, ro));
    EFAULT_CALL("pipe into a PROT_READ page", syscall(SYS_pipe, ro));
    EFAULT_CALL("clock_gettime into a PROT_READ page", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, ro));
    EFAULT_CALL("getcwd into a PROT_READ page", syscall(SYS_getcwd, ro, 100));
    EFAULT_CALL("read into program text", syscall(SYS_read, zfd, (void *)t_efault, 16));
    CHECK(ro[0] == 0, "the kernel wrote into a read-only page");
    /* A buffer running off the end of the mapping: a short count or EFAULT, nothing else. */
    char *rw = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(rw != MAP_FAILED, "mmap rw");
    munmap(rw + 4096, 4096);
    memcpy(rw + 4096 - 4, "tail", 4);
    errno = 0;
    long r = syscall(SYS_write, p[1], rw + 4096 - 4, 16);
    CHECK((r == -1 && errno == EFAULT) || (r >= 0 && r <= 4),
          "write straddling the end of a mapping: %ld errno %d", r, errno);
    errno = 0;
    r = syscall(SYS_read, zfd, rw + 4096 - 4, 16);
    CHECK((r == -1 && errno == EFAULT) || (r >= 0 && r <= 4),
          "read straddling the end of a mapping: %ld errno %d", r, errno);
    munmap(rw, 4096);
    munmap(ro, 2 * 4096);
    if (skipped)
        ut_note("%d of 4 pointers are this process's memory here (64-bit host kernel)", skipped);
    close(p[0]);
    close(p[1]);
    close(zfd);
    close(dfd);
    return 0;
}

int t_ebadf(void)
{
    static const int fds[] = { -1, 9999, 0x7fffffff };
    char buf[16];
    struct iovec iov = { buf, sizeof buf };
    struct { char b[96]; } st;
    for (unsigned i = 0; i < sizeof fds / sizeof fds[0]; i++) {
        int fd = fds[i];
        CHECK_ERRNO(syscall(SYS_read, fd, buf, 1), EBADF);
        CHECK_ERRNO(syscall(SYS_write, fd, buf, 1), EBADF);
        CHECK_ERRNO(syscall(SYS_readv, fd, &iov, 1), EBADF);
        CHECK_ERRNO(syscall(SYS_writev, fd, &iov, 1), EBADF);
        CHECK_ERRNO(syscall(SYS_close, fd), EBADF);
        CHECK_ERRNO(syscall(SYS_fstat64, fd, &st), EBADF);
        CHECK_ERRNO(syscall(SYS_lseek, fd, 0, SEEK_SET), EBADF);
        CHECK_ERRNO(syscall(SYS_dup, fd), EBADF);
        CHECK_ERRNO(syscall(SYS_fcntl64, fd, F_GETFL), EBADF);
        CHECK_ERRNO(syscall(SYS_getdents64, fd, buf, sizeof buf), EBADF);
        CHECK_ERRNO(syscall(SYS_ioctl, fd, TCGETS, buf), EBADF);
        CHECK_ERRNO(syscall(SYS_mmap2, NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0), EBADF);
    }
    /* Wrong direction. */
    int r = open("/dev/null", O_RDONLY), w = open("/dev/null", O_WRONLY);
    CHECK(r >= 0 && w >= 0, "open /dev/null");
    CHECK_ERRNO(write(r, buf, 1), EBADF);
    CHECK_ERRNO(read(w, buf, 1), EBADF);
    /* A closed descriptor. */
    close(r);
    CHECK_ERRNO(read(r, buf, 1), EBADF);
    close(w);
    return 0;
}

int t_enoent(void)
{
    struct { char b[96]; } st;
    char *av[] = { "x", NULL };
    CHECK_ERRNO(syscall(SYS_open, "/nonexistent-ut", O_RDONLY), ENOENT);
    CHECK_ERRNO(syscall(SYS_open, "/nonexistent-ut/dir/file", O_CREAT | O_WRONLY, 0600), ENOENT);
    CHECK_ERRNO(syscall(SYS_openat, AT_FDCWD, "nonexistent-ut", O_RDONLY), ENOENT);
    CHECK_ERRNO(syscall(SYS_open, "", O_RDONLY), ENOENT);
    CHECK_ERRNO(syscall(SYS_stat64, "/nonexistent-ut", &st), ENOENT);
    CHECK_ERRNO(syscall(SYS_lstat64, "/nonexistent-ut", &st), ENOENT);
    CHECK_ERRNO(syscall(SYS_stat64, "", &st), ENOENT);
    CHECK_ERRNO(syscall(SYS_chdir, "/nonexistent-ut"), ENOENT);
    CHECK_ERRNO(syscall(SYS_execve, "/nonexistent-ut", av, environ), ENOENT);
    CHECK_ERRNO(unlink("/nonexistent-ut"), ENOENT);
    /* A path longer than PATH_MAX is ENAMETOOLONG, not a crash. */
    static char longp[5000];
    memset(longp, 'a', sizeof longp - 1);
    longp[0] = '/';
    CHECK_ERRNO(syscall(SYS_open, longp, O_RDONLY), ENAMETOOLONG);
    return 0;
}

int t_enosys(void)
{
    /* 222, 223, 251 and 285 are holes in the i386 table; the rest are past its end. */
    static const long nrs[] = { 222, 223, 251, 285, 1000, 4096, 0x7fffffffL, -1L, (long)0x80000000UL };
    for (unsigned i = 0; i < sizeof nrs / sizeof nrs[0]; i++) {
        errno = 0;
        long r = syscall(nrs[i], 1, 2, 3, 4, 5, 6);
        CHECK(r == -1 && errno == ENOSYS, "system call %ld: got %ld errno %d, want ENOSYS", nrs[i],
              r, errno);
    }
    /* Still alive and well. */
    CHECK(syscall(SYS_getpid) == getpid(), "getpid after unknown calls");
    return 0;
}
