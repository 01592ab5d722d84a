/* usertests: processes on several CPUs, and CPU hotplug under that load (issue 10).
 *
 * smp_hotplug_under_load: one busy child per CPU (plus this process), then every CPU but 0 is
 * taken offline and brought back HOTPLUG_ROUNDS times through /sys/devices/system/cpu/cpuN/
 * online. Checked: every write succeeds; while a CPU is offline its counters in cpuN/stat do
 * not move (no interrupt, no IPI, no task reaches it) and its state says offline; no child is
 * lost (each is still alive at the end and reports the work it did, so it kept running while
 * the CPUs under it came and went); processes really ran on every CPU (cpuN/stat "tasks"
 * grew); no CPU took a stray interrupt. This process itself is often on the CPU it takes
 * offline: the kernel must move it first.
 *
 * It runs only on this kernel (uname release ending in "-moat"): on a Linux host the same
 * files exist, and writing them would take the host's CPUs offline. With one CPU it says so. */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ut.h"

#define HOTPLUG_ROUNDS 10
#define MAX_CPUS 8

struct cpu_stat { unsigned ticks, ipis, stray, boots, tasks; char state[16]; };

static int read_file(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = 0;
    return (int)n;
}

static int cpu_stat(int cpu, struct cpu_stat *s)
{
    char path[64], buf[160];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/stat", cpu);
    if (read_file(path, buf, sizeof buf) < 0)
        return ut_fail("cannot read %s: errno %d", path, errno);
    if (sscanf(buf, "ticks %u ipis %u stray %u boots %u state %15s tasks %u", &s->ticks, &s->ipis,
               &s->stray, &s->boots, s->state, &s->tasks) != 6)
        return ut_fail("%s: unexpected \"%s\"", path, buf);
    return 0;
}

static int set_online(int cpu, int on)
{
    char path[64];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/online", cpu);
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return ut_fail("cannot open %s: errno %d", path, errno);
    ssize_t n = write(fd, on ? "1\n" : "0\n", 2);
    int e = errno;
    close(fd);
    if (n != 2)
        return ut_fail("echo %d > %s: errno %d (%s)", on, path, e, strerror(e));
    return 0;
}

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

/* A busy child: spins until SIGTERM, then reports how many rounds it did. */
static void __attribute__((noreturn)) spinner(int report_fd)
{
    signal(SIGTERM, on_term);
    uint32_t work = 0;
    while (!stop)
        work++;
    ssize_t n = write(report_fd, &work, sizeof work);
    _exit(n == sizeof work ? 0 : 1);
}

static int this_kernel(void)
{
    struct utsname u;
    size_t n;
    return uname(&u) == 0 && (n = strlen(u.release)) >= 5 && strcmp(u.release + n - 5, "-moat") == 0;
}

int t_smp_hotplug_under_load(void)
{
    if (!this_kernel()) {
        ut_note("not the Moat guest kernel: hotplug not tried (it would hit the host)");
        return 0;
    }
    int ncpus = 1;
    while (ncpus < MAX_CPUS) {
        char path[64];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/online", ncpus);
        if (access(path, W_OK) != 0)
            break;
        ncpus++;
    }
    if (ncpus == 1) {
        ut_note("one CPU: nothing to take offline");
        return 0;
    }
    struct cpu_stat before[MAX_CPUS], s, s2;
    for (int c = 0; c < ncpus; c++)
        if (cpu_stat(c, &before[c]))
            return -1;

    int p[2];
    CHECK_OK(pipe(p));
    pid_t kids[MAX_CPUS];
    for (int i = 0; i < ncpus; i++) {
        kids[i] = fork();
        CHECK(kids[i] >= 0, "fork: errno %d", errno);
        if (kids[i] == 0) {
            close(p[0]);
            spinner(p[1]);
        }
    }
    close(p[1]);

    int rc = 0;
    for (int round = 0; round < HOTPLUG_ROUNDS && rc == 0; round++) {
        for (int c = 1; c < ncpus && rc == 0; c++) {
            if ((rc = set_online(c, 0)))
                break;
            /* Offline: parked, and nothing reaches it while we (and the children) run on. */
            if ((rc = cpu_stat(c, &s)))
                break;
            for (volatile int spin = 0; spin < 200000; spin++)
                ;
            sched_yield();
            if ((rc = cpu_stat(c, &s2)))
                break;
            if (strcmp(s.state, "offline") != 0 || s.ticks != s2.ticks || s.ipis != s2.ipis ||
                s.tasks != s2.tasks || s2.stray != 0) {
                rc = ut_fail("round %d: offline cpu%d moved: %s ticks %u->%u ipis %u->%u tasks %u->%u stray %u",
                             round, c, s.state, s.ticks, s2.ticks, s.ipis, s2.ipis, s.tasks, s2.tasks, s2.stray);
                break;
            }
            rc = set_online(c, 1);
        }
    }
    /* Nothing lost: every child still runs, then stops when asked and reports its work. */
    int alive = 0;
    for (int i = 0; i < ncpus; i++)
        alive += kill(kids[i], 0) == 0;
    for (int i = 0; i < ncpus; i++)
        kill(kids[i], SIGTERM);
    int reported = 0, clean = 0;
    uint32_t least = UINT32_MAX;
    for (int i = 0; i < ncpus; i++) {
        uint32_t w;
        if (read(p[0], &w, sizeof w) == sizeof w) {
            reported++;
            if (w < least)
                least = w;
        }
    }
    close(p[0]);
    for (int i = 0; i < ncpus; i++) {
        int st = ut_wait(kids[i]);
        clean += st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    if (rc)
        return rc;
    CHECK(alive == ncpus, "%d of %d busy children still alive after the hotplug rounds", alive, ncpus);
    CHECK(reported == ncpus && clean == ncpus && least > 0,
          "children: %d reported, %d exited cleanly, least work %u", reported, clean, least);
    for (int c = 0; c < ncpus; c++) {
        if (cpu_stat(c, &s))
            return -1;
        CHECK(strcmp(s.state, "online") == 0, "cpu%d is %s at the end", c, s.state);
        CHECK(s.stray == 0, "cpu%d took %u stray interrupts", c, s.stray);
        CHECK(s.tasks > before[c].tasks, "cpu%d ran no task (tasks %u -> %u)", c, before[c].tasks, s.tasks);
        if (c > 0)
            CHECK(s.boots == before[c].boots + HOTPLUG_ROUNDS, "cpu%d boots %u -> %u, want +%d", c,
                  before[c].boots, s.boots, HOTPLUG_ROUNDS);
    }
    ut_note("%d CPUs x %d rounds, %d busy children kept running (least work %u)", ncpus,
            HOTPLUG_ROUNDS, ncpus, least);
    return 0;
}
