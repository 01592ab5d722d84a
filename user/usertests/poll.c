/* usertests: poll and select on pipes (readable, writable, hang-up, invalid fd, timeouts,
 * wakeup by another process) and poll on the console when it is a tty. */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ut.h"

struct ktimeval { int32_t sec, usec; };

int t_poll_pipe(void)
{
    int p[2];
    CHECK_OK(pipe(p));
    struct pollfd f[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };
    long r = syscall(SYS_poll, f, 2, 0);
    CHECK(r == 1 && f[0].revents == 0 && f[1].revents == POLLOUT,
          "empty pipe: poll %ld, revents %#x %#x", r, f[0].revents, f[1].revents);
    CHECK(write(p[1], "a", 1) == 1, "write");
    r = syscall(SYS_poll, f, 2, 0);
    CHECK(r == 2 && f[0].revents == POLLIN, "after write: poll %ld, read end revents %#x", r,
          f[0].revents);
    /* Timeout: nothing ready for 30 ms. */
    char c;
    CHECK(read(p[0], &c, 1) == 1, "read");
    struct pollfd g = { p[0], POLLIN, 0 };
    long long t0 = ut_now_ns();
    r = syscall(SYS_poll, &g, 1, 30);
    long long dt = ut_now_ns() - t0;
    CHECK(r == 0 && g.revents == 0, "poll with nothing ready returned %ld revents %#x", r, g.revents);
    CHECK(dt >= 30 * 1000000LL, "30 ms poll timeout returned after %lld ns", dt);
    /* Writer closed: POLLHUP on the read end. */
    close(p[1]);
    r = syscall(SYS_poll, &g, 1, 0);
    CHECK(r == 1 && (g.revents & POLLHUP), "after the writer closed: revents %#x", g.revents);
    /* Reader closed: POLLERR on the write end. */
    CHECK_OK(pipe(p));
    close(p[0]);
    struct pollfd w = { p[1], POLLOUT, 0 };
    r = syscall(SYS_poll, &w, 1, 0);
    CHECK(r == 1 && (w.revents & POLLERR), "after the reader closed: revents %#x", w.revents);
    close(p[1]);
    /* A closed descriptor gives POLLNVAL; a negative one is skipped. */
    struct pollfd bad[2] = { { 9999, POLLIN, 0 }, { -1, POLLIN, 0x7f } };
    r = syscall(SYS_poll, bad, 2, 0);
    CHECK(r == 1 && bad[0].revents == POLLNVAL && bad[1].revents == 0,
          "bad fds: poll %ld revents %#x %#x", r, bad[0].revents, bad[1].revents);
    CHECK_ERRNO(syscall(SYS_poll, bad, 1u << 30, 0), EINVAL);   /* nfds > RLIMIT_NOFILE */
    CHECK(syscall(SYS_poll, NULL, 0, 0) == 0, "poll of nothing");
    return 0;
}

int t_poll_wakeup(void)
{
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        ut_sleep_ms(50);
        _exit(write(p[1], "w", 1) == 1 ? 0 : 1);
    }
    struct pollfd f = { p[0], POLLIN, 0 };
    long long t0 = ut_now_ns();
    long r = syscall(SYS_poll, &f, 1, -1);
    long long dt = ut_now_ns() - t0;
    CHECK(r == 1 && f.revents == POLLIN, "poll(-1) returned %ld revents %#x errno %d", r,
          f.revents, errno);
    CHECK(dt >= 40 * 1000000LL, "poll returned after %lld ns, before the writer wrote", dt);
    /* select(-1 timeout) too, woken the same way. */
    char c;
    CHECK(read(p[0], &c, 1) == 1, "read");
    if (ut_expect_exit(ut_wait(pid), 0, "writer"))
        return -1;
    pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        ut_sleep_ms(30);
        _exit(write(p[1], "s", 1) == 1 ? 0 : 1);
    }
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    r = syscall(SYS__newselect, p[0] + 1, &rs, NULL, NULL, NULL);
    CHECK(r == 1 && FD_ISSET(p[0], &rs), "select(NULL timeout) returned %ld", r);
    close(p[0]);
    close(p[1]);
    return ut_expect_exit(ut_wait(pid), 0, "writer 2");
}

int t_select_pipe(void)
{
    int p[2];
    CHECK_OK(pipe(p));
    fd_set rs, ws;
    FD_ZERO(&rs);
    FD_ZERO(&ws);
    FD_SET(p[0], &rs);
    FD_SET(p[1], &ws);
    struct ktimeval tv = { 0, 0 };
    long r = syscall(SYS__newselect, p[1] + 1, &rs, &ws, NULL, &tv);
    CHECK(r == 1 && !FD_ISSET(p[0], &rs) && FD_ISSET(p[1], &ws), "empty pipe: select %ld", r);
    CHECK(write(p[1], "x", 1) == 1, "write");
    FD_SET(p[0], &rs);
    FD_SET(p[1], &ws);
    r = syscall(SYS__newselect, p[1] + 1, &rs, &ws, NULL, &tv);
    CHECK(r == 2 && FD_ISSET(p[0], &rs) && FD_ISSET(p[1], &ws), "after write: select %ld", r);
    /* Timeout with the time-left written back (Linux semantics). */
    char c;
    CHECK(read(p[0], &c, 1) == 1, "read");
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    tv.sec = 0;
    tv.usec = 30000;
    long long t0 = ut_now_ns();
    r = syscall(SYS__newselect, p[0] + 1, &rs, NULL, NULL, &tv);
    long long dt = ut_now_ns() - t0;
    CHECK(r == 0 && !FD_ISSET(p[0], &rs), "select timeout returned %ld", r);
    CHECK(dt >= 30 * 1000000LL, "30 ms select timeout after %lld ns", dt);
    CHECK(tv.sec == 0 && tv.usec == 0, "time left after a timeout: %d.%06d", tv.sec, tv.usec);
    /* libc select agrees. */
    FD_ZERO(&ws);
    FD_SET(p[1], &ws);
    struct timeval ltv = { 0, 0 };
    CHECK(select(p[1] + 1, NULL, &ws, NULL, &ltv) == 1, "libc select");
    /* A closed descriptor in a set is EBADF (one just closed: Linux ignores bits beyond its
     * descriptor table); a negative nfds is EINVAL. */
    int closed = dup(p[0]);
    CHECK(closed > p[1], "dup");
    close(closed);
    FD_ZERO(&rs);
    FD_SET(closed, &rs);
    tv.usec = 0;
    CHECK_ERRNO(syscall(SYS__newselect, closed + 1, &rs, NULL, NULL, &tv), EBADF);
    CHECK_ERRNO(syscall(SYS__newselect, -1, NULL, NULL, NULL, &tv), EINVAL);
    struct ktimeval badtv = { 0, -1 };
    CHECK_ERRNO(syscall(SYS__newselect, 0, NULL, NULL, NULL, &badtv), EINVAL);
    close(p[0]);
    close(p[1]);
    return 0;
}

int t_poll_tty(void)
{
    if (!isatty(1)) {
        ut_note("stdout not a tty: console poll not checked here");
        /* Still: whatever stdout is, poll must not fail on it. */
        struct pollfd f = { 1, POLLOUT, 0 };
        CHECK(syscall(SYS_poll, &f, 1, 0) >= 0, "poll on stdout errno %d", errno);
        return 0;
    }
    struct pollfd f = { 1, POLLOUT, 0 };
    long r = syscall(SYS_poll, &f, 1, 1000);
    CHECK(r == 1 && (f.revents & POLLOUT), "tty not writable: poll %ld revents %#x", r, f.revents);
    fd_set ws;
    FD_ZERO(&ws);
    FD_SET(1, &ws);
    struct ktimeval tv = { 1, 0 };
    CHECK(syscall(SYS__newselect, 2, NULL, &ws, NULL, &tv) == 1, "select on the tty");
    /* Input: nothing typed, so a short poll for POLLIN on fd 0 times out (if fd 0 is a tty). */
    if (isatty(0)) {
        struct pollfd in = { 0, POLLIN, 0 };
        r = syscall(SYS_poll, &in, 1, 10);
        CHECK(r == 0 || (r == 1 && (in.revents & POLLIN)), "poll on tty input: %ld revents %#x",
              r, in.revents);
    }
    return 0;
}
