/* usertests: resource exhaustion fails the call, not the system.
 *
 * fork_bomb: a leader process in its own process group forks children (each blocks on a pipe)
 * until fork fails with EAGAIN or ENOMEM, checks it can still work, releases and reaps every
 * child, then forks once more to show the limit was a limit and nothing leaked. On a Linux
 * host we are often root, for whom RLIMIT_NPROC does not apply, so the leader first moves to
 * an unused uid (2000000000 + pid) and sets RLIMIT_NPROC to BOMB_NPROC: the host is never at risk. In the guest,
 * where setresuid/setrlimit may be absent, the kernel's own process limit must stop it before
 * BOMB_CAP processes, or the test fails (and stops forking).
 *
 * out_of_memory: RLIMIT_AS (256 MB) where the kernel has it; then mmap 4 MB pieces, touching
 * every page, until mmap fails with ENOMEM; then the same with brk. The process survives,
 * gives the memory back and can allocate again.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ut.h"

enum { BOMB_NPROC = 64, BOMB_CAP = 1000 };
/* A uid nobody uses, different per run so two concurrent runs do not share one count. */
#define BOMB_UID (2000000000u + (unsigned)getpid())

struct bomb_result { int forked, fork_errno, reaped, refork_ok, stage; };

static void bomb_leader(int report)
{
    struct bomb_result res = { 0 };
    setpgid(0, 0);
    if (geteuid() == 0) {
        /* Drop root so RLIMIT_NPROC binds; an unused uid has no other processes counted. */
        if (setgroups(0, NULL) != 0 || setresgid(BOMB_UID, BOMB_UID, BOMB_UID) != 0 ||
            setresuid(BOMB_UID, BOMB_UID, BOMB_UID) != 0)
            res.stage = errno == ENOSYS ? 0 : -1;
    }
    struct rlimit rl = { BOMB_NPROC, BOMB_NPROC };
    setrlimit(RLIMIT_NPROC, &rl);   /* may be unsupported in the guest: its own limit applies */
    if (res.stage == -1) {
        (void)!write(report, &res, sizeof res);
        _exit(1);
    }
    int hold[2];
    if (pipe(hold) != 0)
        _exit(2);
    while (res.forked < BOMB_CAP) {
        pid_t pid = fork();
        if (pid < 0) {
            res.fork_errno = errno;
            break;
        }
        if (pid == 0) {
            char c;
            close(hold[1]);
            (void)!read(hold[0], &c, 1);   /* until the leader closes its end */
            _exit(0);
        }
        res.forked++;
    }
    /* At the limit, the leader still works. */
    res.stage = getpid() > 0 && write(report, "", 0) == 0 ? 1 : 0;
    close(hold[1]);
    int st;
    pid_t r;
    while ((r = waitpid(-1, &st, 0)) > 0 || (r < 0 && errno == EINTR))
        if (r > 0)
            res.reaped++;
    pid_t again = fork();
    if (again == 0)
        _exit(0);
    res.refork_ok = again > 0 && waitpid(again, &st, 0) == again && WIFEXITED(st);
    (void)!write(report, &res, sizeof res);
    _exit(0);
}

int t_fork_bomb(void)
{
    int p[2];
    CHECK_OK(pipe(p));
    pid_t leader = fork();
    CHECK(leader >= 0, "fork errno %d", errno);
    if (leader == 0) {
        close(p[0]);
        bomb_leader(p[1]);
    }
    close(p[1]);
    int st = ut_wait(leader);
    struct bomb_result res;
    ssize_t n = read(p[0], &res, sizeof res);
    close(p[0]);
    /* Whatever happened, nothing of the bomb may survive it. */
    kill(-leader, SIGKILL);
    if (ut_expect_exit(st, 0, "bomb leader"))
        return -1;
    CHECK(n == sizeof res, "leader reported nothing (read %zd)", n);
    CHECK(res.forked < BOMB_CAP, "fork never failed: %d processes and no limit", res.forked);
    CHECK(res.fork_errno == EAGAIN || res.fork_errno == ENOMEM,
          "fork at the limit failed with errno %d, want EAGAIN or ENOMEM", res.fork_errno);
    CHECK(res.forked >= 4, "only %d forks before the limit", res.forked);
    CHECK(res.stage == 1, "leader not usable at the limit");
    CHECK(res.reaped == res.forked, "reaped %d of %d children", res.reaped, res.forked);
    CHECK(res.refork_ok, "fork after reaping everything failed: process slots leaked");
    errno = 0;
    CHECK(kill(-leader, 0) == -1 && errno == ESRCH, "processes of the bomb's group remain");
    ut_note("%d forks, then errno %d", res.forked, res.fork_errno);
    return 0;
}

enum { AS_LIMIT = 256 << 20, CHUNK = 4 << 20, PG = 4096, MEM_CAP_MB = 3072 };
/* More than a 32-bit process can ever have: the loops end by failure, or the test fails. */
static const unsigned long MEM_CAP = (unsigned long)MEM_CAP_MB << 20;

enum { MAX_CHUNKS = MEM_CAP_MB / 4 };

struct oom_result {
    unsigned long mmap_bytes, brk_bytes;
    int mmap_errno, remap_ok, brk_failed_cleanly, brk_back_ok, as_limited;
};

static void oom_child(int report)
{
    struct oom_result res = { 0 };
    struct rlimit rl = { AS_LIMIT, AS_LIMIT };
    res.as_limited = setrlimit(RLIMIT_AS, &rl) == 0;
    static void *chunks[MAX_CHUNKS];
    int n = 0;
    /* mmap until ENOMEM, touching every page so the memory is real, not just promised. */
    while (n < MAX_CHUNKS) {
        char *c = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (c == MAP_FAILED) {
            res.mmap_errno = errno;
            break;
        }
        for (unsigned long off = 0; off < CHUNK; off += PG)
            c[off] = 1;
        chunks[n++] = c;
        res.mmap_bytes += CHUNK;
    }
    for (int i = 0; i < n; i++)
        munmap(chunks[i], CHUNK);
    /* Given back: the same amount can be had again. */
    res.remap_ok = 1;
    for (int i = 0; i < n && res.remap_ok; i++) {
        chunks[i] = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (chunks[i] == MAP_FAILED)
            res.remap_ok = 0;
        else
            ((char *)chunks[i])[CHUNK - 1] = 2;
    }
    for (int i = 0; i < n; i++)
        if (chunks[i] != MAP_FAILED)
            munmap(chunks[i], CHUNK);
    /* brk: grows until the kernel refuses (returns the old break), then shrinks back. */
    unsigned long start = (unsigned long)syscall(SYS_brk, 0), cur = start;
    while (cur - start < MEM_CAP) {
        unsigned long want = cur + (1UL << 20);
        unsigned long got = (unsigned long)syscall(SYS_brk, want);
        if (got != want) {
            res.brk_failed_cleanly = got == cur;
            break;
        }
        for (unsigned long a = (cur + PG - 1) & ~(PG - 1UL); a < want; a += PG)
            *(volatile char *)a = 1;
        cur = want;
    }
    res.brk_bytes = cur - start;
    res.brk_back_ok = (unsigned long)syscall(SYS_brk, start) == start;
    (void)!write(report, &res, sizeof res);
    _exit(0);
}

int t_out_of_memory(void)
{
    int p[2];
    CHECK_OK(pipe(p));
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        close(p[0]);
        oom_child(p[1]);
    }
    close(p[1]);
    int st = ut_wait(pid);
    struct oom_result res;
    ssize_t n = read(p[0], &res, sizeof res);
    close(p[0]);
    if (ut_expect_exit(st, 0, "memory hog (a signal here = the kernel killed it instead of "
                       "failing the call)"))
        return -1;
    CHECK(n == sizeof res, "hog reported nothing");
    CHECK(res.mmap_errno == ENOMEM, "mmap stopped with errno %d after %lu MB, want ENOMEM",
          res.mmap_errno, res.mmap_bytes >> 20);
    CHECK(res.mmap_bytes >= 8UL << 20, "only %lu MB could be mapped", res.mmap_bytes >> 20);
    CHECK(res.remap_ok, "the memory was not given back by munmap");
    CHECK(res.brk_bytes < MEM_CAP, "brk grew %lu MB and never failed", res.brk_bytes >> 20);
    CHECK(res.brk_failed_cleanly, "a failed brk moved the break");
    CHECK(res.brk_bytes >= 8UL << 20, "brk grew only %lu MB", res.brk_bytes >> 20);
    CHECK(res.brk_back_ok, "brk could not shrink back");
    ut_note("mmap %lu MB, brk %lu MB%s", res.mmap_bytes >> 20, res.brk_bytes >> 20,
            res.as_limited ? " under RLIMIT_AS 256 MB" : "");
    return 0;
}
