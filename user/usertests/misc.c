/* usertests: tty ioctls, uname, user and group ids, clocks, nanosleep, sched_yield. */
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ut.h"

struct ktimespec { int32_t sec, nsec; };
struct ktimeval { int32_t sec, usec; };

/* On a tty the four ioctls work; on anything else they fail with ENOTTY. The host may run us
 * with stdin on /dev/null: that is reported, never counted as a tty pass. */
static int tty_check(int fd)
{
    struct termios t, t2;
    struct winsize ws;
    pid_t pg = 0;
    if (!isatty(fd)) {
        CHECK_ERRNO(ioctl(fd, TCGETS, &t), ENOTTY);
        CHECK_ERRNO(ioctl(fd, TIOCGWINSZ, &ws), ENOTTY);
        CHECK_ERRNO(ioctl(fd, TIOCGPGRP, &pg), ENOTTY);
        ut_note("fd %d not a tty (ENOTTY checked) ", fd);
        return 0;
    }
    CHECK(ioctl(fd, TCGETS, &t) == 0, "TCGETS fd %d errno %d", fd, errno);
    CHECK(ioctl(fd, TCSETS, &t) == 0, "TCSETS fd %d errno %d", fd, errno);
    CHECK(ioctl(fd, TCGETS, &t2) == 0 && t2.c_lflag == t.c_lflag && t2.c_iflag == t.c_iflag &&
          t2.c_oflag == t.c_oflag && t2.c_cflag == t.c_cflag, "TCSETS did not round-trip");
    /* Flip ECHO off and back: the change must be visible, then undone. */
    t2.c_lflag ^= ECHO;
    CHECK(ioctl(fd, TCSETS, &t2) == 0, "TCSETS ^ECHO");
    struct termios t3;
    CHECK(ioctl(fd, TCGETS, &t3) == 0 && t3.c_lflag == t2.c_lflag, "ECHO change not kept");
    CHECK(ioctl(fd, TCSETS, &t) == 0, "restore termios");
    CHECK(ioctl(fd, TIOCGWINSZ, &ws) == 0, "TIOCGWINSZ fd %d errno %d", fd, errno);
    CHECK(ioctl(fd, TIOCGPGRP, &pg) == 0 && pg > 0, "TIOCGPGRP fd %d: %d errno %d", fd, (int)pg,
          errno);
    ut_note("fd %d is a tty (%ux%u, pgrp %d) ", fd, ws.ws_col, ws.ws_row, (int)pg);
    return 0;
}

int t_tty_ioctls(void)
{
    if (tty_check(0) || tty_check(1))
        return -1;
    /* Never a tty, wherever we run. */
    int p[2];
    CHECK_OK(pipe(p));
    struct termios t;
    CHECK_ERRNO(ioctl(p[0], TCGETS, &t), ENOTTY);
    close(p[0]);
    close(p[1]);
    int n = open("/dev/null", O_RDWR);
    CHECK(n >= 0, "open /dev/null");
    CHECK_ERRNO(ioctl(n, TCGETS, &t), ENOTTY);
    close(n);
    CHECK_ERRNO(ioctl(9999, TCGETS, &t), EBADF);
    return 0;
}

static int terminated(const char *field, size_t size)
{
    return memchr(field, 0, size) != NULL;
}

int t_uname(void)
{
    struct utsname u;
    memset(&u, 'X', sizeof u);
    CHECK(syscall(SYS_uname, &u) == 0, "uname errno %d", errno);
    CHECK(terminated(u.sysname, sizeof u.sysname) && terminated(u.nodename, sizeof u.nodename) &&
          terminated(u.release, sizeof u.release) && terminated(u.version, sizeof u.version) &&
          terminated(u.machine, sizeof u.machine), "a uname field is not NUL-terminated");
    CHECK(u.sysname[0] && u.release[0] && u.machine[0], "empty uname field");
    CHECK(strcmp(u.machine, "i386") == 0 || strcmp(u.machine, "i486") == 0 ||
          strcmp(u.machine, "i586") == 0 || strcmp(u.machine, "i686") == 0 ||
          strcmp(u.machine, "x86_64") == 0, "machine '%s'", u.machine);
    ut_note("%s %s %s", u.sysname, u.release, u.machine);
    return 0;
}

int t_uid_gid(void)
{
    long uid = syscall(SYS_getuid32), euid = syscall(SYS_geteuid32);
    long gid = syscall(SYS_getgid32), egid = syscall(SYS_getegid32);
    CHECK(uid >= 0 && euid >= 0 && gid >= 0 && egid >= 0, "an id call failed");
    CHECK(uid == (long)getuid() && euid == (long)geteuid() && gid == (long)getgid() &&
          egid == (long)getegid(),
          "32-bit ids disagree with libc");
    /* The old 16-bit calls agree while the ids fit. */
    if (uid < 65535 && gid < 65535 && euid < 65535 && egid < 65535)
        CHECK(syscall(SYS_getuid) == uid && syscall(SYS_geteuid) == euid &&
              syscall(SYS_getgid) == gid && syscall(SYS_getegid) == egid,
              "16-bit ids disagree with the 32-bit ones");
    /* Inherited by children. */
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0)
        _exit(syscall(SYS_getuid32) == uid && syscall(SYS_getgid32) == gid ? 0 : 1);
    return ut_expect_exit(ut_wait(pid), 0, "child ids");
}

int t_time_monotonic(void)
{
    struct ktimespec a, b;
    CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &a) == 0, "clock_gettime errno %d", errno);
    for (int i = 0; i < 1000; i++) {
        CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b) == 0, "clock_gettime");
        CHECK(b.nsec >= 0 && b.nsec < 1000000000, "tv_nsec %d out of range", b.nsec);
        CHECK(b.sec > a.sec || (b.sec == a.sec && b.nsec >= a.nsec),
              "monotonic clock went back: %d.%09d -> %d.%09d", a.sec, a.nsec, b.sec, b.nsec);
        a = b;
    }
    struct ktimeval tv0, tv1;
    CHECK(syscall(SYS_gettimeofday, &tv0, NULL) == 0, "gettimeofday errno %d", errno);
    CHECK(tv0.usec >= 0 && tv0.usec < 1000000, "tv_usec %d", tv0.usec);
    struct ktimespec rt;
    CHECK(syscall(SYS_clock_gettime, CLOCK_REALTIME, &rt) == 0, "CLOCK_REALTIME");
    int32_t t = 0;
    long tr = syscall(SYS_time, &t);
    CHECK(tr == t, "time() returned %ld, stored %d", tr, t);
    CHECK(syscall(SYS_gettimeofday, &tv1, NULL) == 0, "gettimeofday 2");
    CHECK(tv0.sec <= rt.sec + 1 && rt.sec <= t + 1 && t <= tv1.sec + 1 && tv0.sec <= tv1.sec,
          "realtime clocks disagree: gettimeofday %d, clock_gettime %d, time %d, gettimeofday %d",
          tv0.sec, rt.sec, t, tv1.sec);
    CHECK(syscall(SYS_time, NULL) >= t, "time(NULL) went back");
    /* libc's wrappers (vDSO or time64 calls) agree. */
    struct timespec lt;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &lt) == 0 && lt.tv_sec >= a.sec, "libc clock_gettime");
    CHECK_ERRNO(syscall(SYS_clock_gettime, 12345, &rt), EINVAL);
    return 0;
}

int t_nanosleep(void)
{
    long long t0 = ut_now_ns();
    struct ktimespec req = { 0, 20 * 1000000 }, rem = { -1, -1 };
    CHECK(syscall(SYS_nanosleep, &req, &rem) == 0, "nanosleep errno %d", errno);
    long long dt = ut_now_ns() - t0;
    CHECK(dt >= 20 * 1000000LL, "slept %lld ns, asked for 20 ms", dt);
    CHECK(dt < 5 * 1000000000LL, "20 ms sleep took %lld ns", dt);
    struct ktimespec zero = { 0, 0 };
    CHECK(syscall(SYS_nanosleep, &zero, NULL) == 0, "zero sleep");
    struct ktimespec bad = { 0, 1000000000 };
    CHECK_ERRNO(syscall(SYS_nanosleep, &bad, NULL), EINVAL);
    struct ktimespec neg = { -1, 0 };
    CHECK_ERRNO(syscall(SYS_nanosleep, &neg, NULL), EINVAL);
    struct ktimespec negns = { 0, -5 };
    CHECK_ERRNO(syscall(SYS_nanosleep, &negns, NULL), EINVAL);
    CHECK(usleep(1000) == 0, "libc usleep");
    return 0;
}

int t_sched_yield(void)
{
    for (int i = 0; i < 100; i++)
        CHECK(syscall(SYS_sched_yield) == 0, "sched_yield errno %d", errno);
    /* Two processes that only yield both finish: yielding gives the CPU, never loses it. */
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        for (int i = 0; i < 200; i++)
            sched_yield();
        _exit(write(p[1], "y", 1) == 1 ? 0 : 1);
    }
    for (int i = 0; i < 200; i++)
        sched_yield();
    char c;
    CHECK(read(p[0], &c, 1) == 1, "yielding child never finished");
    close(p[0]);
    close(p[1]);
    return ut_expect_exit(ut_wait(pid), 0, "yielding child");
}
