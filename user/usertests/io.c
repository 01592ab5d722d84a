/* usertests: pipes and plain I/O. read/write/readv/writev, pipe capacity and EOF/EPIPE,
 * a large transfer between processes, /dev/null and /dev/zero. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ut.h"

int t_pipe_rw(void)
{
    int p[2];
    CHECK(syscall(SYS_pipe, p) == 0, "pipe errno %d", errno);
    CHECK(p[0] >= 0 && p[1] >= 0 && p[0] != p[1], "pipe fds %d %d", p[0], p[1]);
    CHECK(syscall(SYS_write, p[1], "hello", 5) == 5, "write 5");
    CHECK(syscall(SYS_write, p[1], "", 0) == 0, "write 0");
    char buf[16] = { 0 };
    /* A read returns what is there, not what was asked for. */
    CHECK(syscall(SYS_read, p[0], buf, 3) == 3 && memcmp(buf, "hel", 3) == 0, "read 3");
    CHECK(syscall(SYS_read, p[0], buf, sizeof buf) == 2 && memcmp(buf, "lo", 2) == 0,
          "short read of the rest");
    CHECK(syscall(SYS_read, p[0], buf, 0) == 0, "read 0");
    /* Wrong ends. */
    CHECK_ERRNO(syscall(SYS_read, p[1], buf, 1), EBADF);
    CHECK_ERRNO(syscall(SYS_write, p[0], "x", 1), EBADF);
    /* Writer gone: EOF after the data. */
    CHECK(write(p[1], "z", 1) == 1, "write z");
    close(p[1]);
    CHECK(read(p[0], buf, sizeof buf) == 1 && buf[0] == 'z', "data before EOF");
    CHECK(read(p[0], buf, sizeof buf) == 0, "no EOF after the writer closed");
    close(p[0]);
    /* Reader gone: EPIPE with SIGPIPE ignored... */
    CHECK_OK(pipe(p));
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    CHECK_ERRNO(write(p[1], "x", 1), EPIPE);
    signal(SIGPIPE, SIG_DFL);
    /* ...and death by SIGPIPE by default. */
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        (void)!write(p[1], "x", 1);
        _exit(0);
    }
    int st = ut_wait(pid);
    CHECK(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE,
          "write to a reader-less pipe: status %#x, want killed by SIGPIPE", st);
    close(p[1]);
    return 0;
}

/* Fill a non-blocking pipe until EAGAIN, then read everything back in order. */
int t_pipe_capacity(void)
{
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(fcntl(p[1], F_SETFL, O_NONBLOCK));
    CHECK_OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
    char buf[512];
    char rd[512];
    CHECK_ERRNO(read(p[0], rd, sizeof rd), EAGAIN);
    size_t total = 0;
    unsigned char seq = 0;
    for (;;) {
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = (char)(seq + i);
        ssize_t n = write(p[1], buf, sizeof buf);
        if (n < 0) {
            CHECK(errno == EAGAIN, "write to full pipe errno %d, want EAGAIN", errno);
            break;
        }
        CHECK(n > 0, "write returned 0");
        seq = (unsigned char)(seq + n);
        total += (size_t)n;
        CHECK(total <= 4 << 20, "pipe accepted more than 4 MB without blocking");
    }
    CHECK(total >= 4096, "pipe capacity %zu < 4096", total);
    size_t back = 0;
    unsigned char want = 0;
    ssize_t n;
    while ((n = read(p[0], rd, sizeof rd)) > 0) {
        for (ssize_t i = 0; i < n; i++, want++)
            CHECK((unsigned char)rd[i] == want, "byte %zu is %#x, want %#x", back + (size_t)i,
                  (unsigned char)rd[i], want);
        back += (size_t)n;
    }
    CHECK(n < 0 && errno == EAGAIN, "drained pipe: read %zd errno %d", n, errno);
    CHECK(back == total, "read back %zu of %zu bytes", back, total);
    ut_note("capacity %zu bytes", total);
    close(p[0]);
    close(p[1]);
    return 0;
}

/* 256 KB through a pipe between two processes, in odd-sized pieces: exercises blocking on a
 * full and on an empty pipe, and the wakeups both ways. */
int t_pipe_across_fork(void)
{
    enum { TOTAL = 256 * 1024 };
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        close(p[0]);
        static unsigned char out[1000];
        size_t sent = 0;
        while (sent < TOTAL) {
            size_t n = TOTAL - sent < sizeof out ? TOTAL - sent : sizeof out;
            for (size_t i = 0; i < n; i++)
                out[i] = (unsigned char)((sent + i) * 31 >> 3);
            ssize_t w = write(p[1], out, n);
            if (w <= 0)
                _exit(1);
            sent += (size_t)w;
        }
        _exit(0);
    }
    close(p[1]);
    static unsigned char in[777];
    size_t got = 0;
    ssize_t n;
    while ((n = read(p[0], in, sizeof in)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            CHECK(in[i] == (unsigned char)((got + (size_t)i) * 31 >> 3), "byte %zu corrupt",
                  got + (size_t)i);
        got += (size_t)n;
    }
    close(p[0]);
    CHECK(n == 0, "read errno %d", errno);
    CHECK(got == TOTAL, "received %zu of %d bytes", got, TOTAL);
    return ut_expect_exit(ut_wait(pid), 0, "writer");
}

int t_readv_writev(void)
{
    int p[2];
    CHECK_OK(pipe(p));
    struct iovec w[4] = { { "one ", 4 }, { "", 0 }, { "two ", 4 }, { "three", 5 } };
    long r = syscall(SYS_writev, p[1], w, 4);
    CHECK(r == 13, "writev returned %ld errno %d", r, errno);
    char a[6] = { 0 }, b[16] = { 0 };
    struct iovec v[2] = { { a, 5 }, { b, sizeof b - 1 } };
    r = syscall(SYS_readv, p[0], v, 2);
    CHECK(r == 13, "readv returned %ld errno %d", r, errno);
    CHECK(strcmp(a, "one t") == 0 && strcmp(b, "wo three") == 0, "readv split '%s' '%s'", a, b);
    CHECK(syscall(SYS_writev, p[1], w, 0) == 0, "writev of 0 iovecs");
    CHECK_ERRNO(syscall(SYS_writev, p[1], w, -1), EINVAL);
    CHECK_ERRNO(syscall(SYS_writev, p[1], w, 100000), EINVAL);  /* > IOV_MAX */
    struct iovec neg[1] = { { a, 0x80000000u } };
    CHECK_ERRNO(syscall(SYS_writev, p[1], neg, 1), EINVAL);     /* length negative as ssize_t */
    close(p[0]);
    close(p[1]);
    return 0;
}

int t_dev_null_zero(void)
{
    int n = open("/dev/null", O_RDWR);
    CHECK(n >= 0, "open /dev/null errno %d", errno);
    char buf[100];
    memset(buf, 'q', sizeof buf);
    CHECK(read(n, buf, sizeof buf) == 0, "read /dev/null not EOF");
    CHECK(write(n, buf, sizeof buf) == sizeof buf, "write /dev/null");
    close(n);
    int z = open("/dev/zero", O_RDONLY);
    CHECK(z >= 0, "open /dev/zero errno %d", errno);
    CHECK(read(z, buf, sizeof buf) == sizeof buf, "read /dev/zero");
    for (unsigned i = 0; i < sizeof buf; i++)
        CHECK(buf[i] == 0, "/dev/zero gave %#x at %u", buf[i], i);
    close(z);
    return 0;
}
