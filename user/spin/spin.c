/* spin: a busy load in user mode for the CPU-hotplug tests (issue 10 item 6).
 *
 *   spin SECONDS COUNTERFILE
 *
 * Spins for SECONDS (or until SIGTERM / SIGINT), and every 2^24 iterations (about 30 ms under
 * QEMU TCG: often enough to see progress, rarely enough not to load the kernel) rewrites
 * COUNTERFILE with the iteration count so far; when it stops, the file says "done COUNT" and
 * the same count is printed on stdout. A test that reads the file twice sees the load make
 * progress; a task lost by the kernel (or one that stops running) leaves a count that no longer
 * moves, and never writes "done".
 *
 * The file is always one fixed-width record written at offset 0 with a single pwrite, so a
 * reader on another CPU sees the old record or the new one, never an empty or mixed file
 * (the record is far smaller than a page). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1u << 24)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One record: "      COUNT\n" while running, "done  COUNT\n" at the end; always 26 bytes. */
static int record(int fd, const char *tag, unsigned long long count)
{
    char b[32];
    int n = snprintf(b, sizeof b, "%-5s%20llu\n", tag, count);
    return pwrite(fd, b, (size_t)n, 0) == n ? 0 : -1;
}

int main(int argc, char **argv)
{
    char *end;
    long seconds = argc == 3 ? strtol(argv[1], &end, 10) : -1;
    if (argc != 3 || *end || seconds <= 0) {
        fprintf(stderr, "usage: spin SECONDS COUNTERFILE\n");
        return 2;
    }
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        fprintf(stderr, "spin: %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, 0);
    sigaction(SIGINT, &sa, 0);

    unsigned long long count = 0;
    double deadline = now() + (double)seconds;
    if (record(fd, "", 0) < 0)
        goto failed;
    while (!stop && now() < deadline) {
        /* the work: an add the compiler must keep (the asm hides the value from it) */
        for (unsigned i = 0; i < CHUNK; i++) {
            count++;
            __asm__ volatile("" : "+r"(count));
        }
        if (record(fd, "", count) < 0)
            goto failed;
    }
    if (record(fd, "done", count) < 0)
        goto failed;
    close(fd);
    printf("spin: done %llu\n", count);
    return 0;
failed:
    fprintf(stderr, "spin: writing %s: %s\n", argv[2], strerror(errno));
    return 1;
}
