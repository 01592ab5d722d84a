/* usertests: memory. brk, mmap2/munmap/mprotect (anonymous and file-backed private), and
 * faults: PROT_NONE, unmapped holes and kernel/hypervisor addresses give SIGSEGV to the
 * process, with si_addr naming the address, and a handler can fix the page and return. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ut.h"

#define PG 4096

static sigjmp_buf probe_jmp;
static volatile void *probe_addr;
static volatile int probe_code;

static void probe_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    probe_addr = si->si_addr;
    probe_code = si->si_code;
    siglongjmp(probe_jmp, sig);
}

int ut_probe(volatile void *addr, int write, void **fault_addr, int *fault_code)
{
    struct sigaction sa = { .sa_sigaction = probe_handler, .sa_flags = SA_SIGINFO }, old_segv,
                     old_bus;
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);
    int sig = sigsetjmp(probe_jmp, 1);
    if (sig == 0) {
        if (write)
            *(volatile char *)addr = 0x5a;
        else
            (void)*(volatile char *)addr;
    }
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGBUS, &old_bus, NULL);
    if (sig && fault_addr)
        *fault_addr = (void *)probe_addr;
    if (sig && fault_code)
        *fault_code = probe_code;
    return sig;
}

static void *raw_mmap2(void *addr, size_t len, int prot, int flags, int fd, unsigned long pgoff)
{
    return (void *)syscall(SYS_mmap2, addr, len, prot, flags, fd, pgoff);
}

int t_brk(void)
{
    unsigned long cur = (unsigned long)syscall(SYS_brk, 0);
    CHECK(cur != 0 && cur < 0xC0000000UL, "brk(0) = %#lx", cur);
    unsigned long want = cur + 64 * 1024;
    unsigned long got = (unsigned long)syscall(SYS_brk, want);
    CHECK(got == want, "brk(+64K) returned %#lx, want %#lx", got, want);
    /* Fresh break memory is zero and usable. */
    for (unsigned long a = (cur + PG - 1) & ~(PG - 1UL); a < want; a += PG) {
        CHECK(*(volatile char *)a == 0, "fresh brk memory at %#lx not zero", a);
        *(volatile char *)a = 1;
    }
    CHECK(*(volatile char *)(want - 1) == 0, "last byte not zero");
    /* Shrink back: the memory beyond the new break is gone (faults). */
    got = (unsigned long)syscall(SYS_brk, cur);
    CHECK(got == cur, "brk shrink returned %#lx, want %#lx", got, cur);
    unsigned long above = ((cur + PG - 1) & ~(PG - 1UL)) + PG;
    CHECK(ut_probe((void *)above, 0, NULL, NULL) == SIGSEGV,
          "memory above the shrunk break at %#lx still mapped", above);
    /* Grow again: the pages come back zeroed, not with the old contents. */
    got = (unsigned long)syscall(SYS_brk, want);
    CHECK(got == want, "brk regrow returned %#lx", got);
    CHECK(*(volatile char *)above == 0, "regrown brk page kept old contents");
    /* Nonsense requests fail by returning the current break, not by moving it. */
    got = (unsigned long)syscall(SYS_brk, 1);
    CHECK(got == want, "brk(1) returned %#lx, want the unchanged %#lx", got, want);
    got = (unsigned long)syscall(SYS_brk, 0xF5800000UL);
    if (got == 0xF5800000UL) {
        /* Only legitimate where that is user space (a 32-bit process on a 64-bit kernel). */
        CHECK(ut_probe((void *)(got - 1), 1, NULL, NULL) == 0, "brk moved to 0xF5800000, unusable");
        ut_note("brk may reach 0xF5800000 here (64-bit host kernel)");
    } else
        CHECK(got == want, "brk(0xF5800000) returned %#lx, want the unchanged %#lx", got, want);
    CHECK((unsigned long)syscall(SYS_brk, cur) == cur, "final shrink");
    return 0;
}

int t_mmap_anon(void)
{
    enum { N = 16 };
    char *p = raw_mmap2(NULL, N * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED, "mmap2 anon errno %d", errno);
    CHECK(((uintptr_t)p & (PG - 1)) == 0, "mapping %p not page aligned", (void *)p);
    for (int i = 0; i < N * PG; i += 512)
        CHECK(p[i] == 0, "anon memory not zero at +%d", i);
    for (int i = 0; i < N; i++)
        memset(p + i * PG, i + 1, PG);
    /* Punch a hole in the middle: only that page goes away. */
    CHECK(syscall(SYS_munmap, p + 5 * PG, PG) == 0, "munmap middle page errno %d", errno);
    void *fa;
    int code;
    CHECK(ut_probe(p + 5 * PG, 0, &fa, &code) == SIGSEGV, "unmapped hole still readable");
    CHECK(fa == p + 5 * PG, "si_addr %p, want %p", fa, (void *)(p + 5 * PG));
    CHECK(code == SEGV_MAPERR, "si_code %d, want SEGV_MAPERR for an unmapped page", code);
    CHECK(p[4 * PG] == 5 && p[6 * PG] == 7, "neighbours of the hole damaged");
    /* MAP_FIXED into the hole gives a fresh zero page. */
    char *q = raw_mmap2(p + 5 * PG, PG, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(q == p + 5 * PG, "MAP_FIXED returned %p, want %p", (void *)q, (void *)(p + 5 * PG));
    CHECK(q[0] == 0 && q[PG - 1] == 0, "MAP_FIXED page not zero");
    /* MAP_FIXED over live pages replaces them. */
    q = raw_mmap2(p, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(q == p && p[0] == 0, "MAP_FIXED over a live page did not replace it");
    CHECK(syscall(SYS_munmap, p, N * PG) == 0, "munmap all errno %d", errno);
    CHECK(ut_probe(p + 3 * PG, 0, NULL, NULL) == SIGSEGV, "memory readable after munmap");
    /* Bad arguments. */
    CHECK_ERRNO(raw_mmap2(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
    CHECK_ERRNO(syscall(SYS_munmap, p + 1, PG), EINVAL);
    CHECK_ERRNO(raw_mmap2((char *)p + 1, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                          -1, 0), EINVAL);
    CHECK_ERRNO(raw_mmap2(NULL, PG, PROT_READ, MAP_PRIVATE, -1, 0), EBADF);
    /* A fixed mapping over the kernel/hypervisor area must be refused (ENOMEM or EINVAL). */
    errno = 0;
    void *k = raw_mmap2((void *)0xF5800000UL, PG, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (k != MAP_FAILED) {
        /* On a 64-bit host kernel a 32-bit process owns 0xC0000000-0xFFFFE000: allowed there. */
        CHECK(ut_probe(k, 1, NULL, NULL) == 0, "fixed mapping at 0xF5800000 returned but unusable");
        syscall(SYS_munmap, k, PG);
        ut_note("0xF5800000 is user space here (64-bit host kernel)");
    } else
        CHECK(errno == ENOMEM || errno == EINVAL, "MAP_FIXED at 0xF5800000: errno %d", errno);
    return 0;
}

int t_mmap_file_private(void)
{
    const char *path = ut_path("mapped");
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
    CHECK(fd >= 0, "create %s errno %d", path, errno);
    static char page[PG];
    for (int i = 0; i < 3; i++) {        /* 2.5 pages: 'A' page, 'B' page, half 'C' page */
        memset(page, 'A' + i, PG);
        CHECK(write(fd, page, i == 2 ? PG / 2 : PG) == (i == 2 ? PG / 2 : PG), "write");
    }
    /* mmap2's offset is in 4 KB units: map from the second page. */
    char *m = raw_mmap2(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 1);
    CHECK(m != MAP_FAILED, "mmap2 file errno %d", errno);
    CHECK(m[0] == 'B' && m[PG - 1] == 'B', "first mapped page is '%c', want 'B'", m[0]);
    CHECK(m[PG] == 'C' && m[PG + PG / 2 - 1] == 'C', "second page starts '%c', want 'C'", m[PG]);
    CHECK(m[PG + PG / 2] == 0 && m[2 * PG - 1] == 0, "bytes past end of file not zero");
    /* A private mapping is a copy: writes do not reach the file, and later file writes... are
     * unspecified for touched pages, so only the untouched direction is checked. */
    m[10] = 'x';
    char c = 0;
    CHECK(pread(fd, &c, 1, PG + 10) == 1 && c == 'B', "write to MAP_PRIVATE reached the file ('%c')",
          c);
    CHECK(m[10] == 'x', "private write lost");
    /* Shared with a forked child as copy-on-write, too. */
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        int ok = m[10] == 'x' && m[11] == 'B';
        m[11] = 'y';
        _exit(ok ? 0 : 1);
    }
    if (ut_expect_exit(ut_wait(pid), 0, "child reading the private file mapping"))
        return -1;
    CHECK(m[11] == 'B', "child's write to the private mapping leaked into the parent");
    CHECK(syscall(SYS_munmap, m, 2 * PG) == 0, "munmap");
    /* Read-only mapping of a read-only fd, and PROT_WRITE|MAP_PRIVATE is allowed on it. */
    int ro = open(path, O_RDONLY);
    CHECK(ro >= 0, "open ro");
    m = raw_mmap2(NULL, PG, PROT_READ, MAP_PRIVATE, ro, 0);
    CHECK(m != MAP_FAILED && m[0] == 'A', "read-only mapping");
    CHECK(ut_probe(m, 1, NULL, NULL) == SIGSEGV, "write to a PROT_READ file mapping succeeded");
    syscall(SYS_munmap, m, PG);
    m = raw_mmap2(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
    CHECK(m != MAP_FAILED, "MAP_PRIVATE|PROT_WRITE of an O_RDONLY fd errno %d", errno);
    m[0] = 'z';
    syscall(SYS_munmap, m, PG);
    CHECK(pread(ro, &c, 1, 0) == 1 && c == 'A', "file changed by a private mapping");
    /* Our own executable, as a loader would map it. */
    int self = open(ut_self, O_RDONLY);
    CHECK(self >= 0, "open %s errno %d", ut_self, errno);
    m = raw_mmap2(NULL, PG, PROT_READ, MAP_PRIVATE, self, 0);
    CHECK(m != MAP_FAILED && memcmp(m, "\177ELF", 4) == 0, "mapping of our executable");
    syscall(SYS_munmap, m, PG);
    close(self);
    close(ro);
    close(fd);
    unlink(path);
    return 0;
}

/* SIGSEGV handler that makes the page writable and returns: the faulting store is restarted. */
static char *fix_page;
static volatile int fixes;

static void fix_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    fixes++;
    if ((char *)si->si_addr < fix_page || (char *)si->si_addr >= fix_page + PG ||
        mprotect(fix_page, PG, PROT_READ | PROT_WRITE) != 0)
        _exit(99);
}

int t_mprotect(void)
{
    char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED, "mmap");
    p[0] = 'a';
    p[PG] = 'b';
    CHECK(syscall(SYS_mprotect, p, PG, PROT_READ) == 0, "mprotect RO errno %d", errno);
    int code;
    CHECK(ut_probe(p, 1, NULL, &code) == SIGSEGV, "write to PROT_READ page succeeded");
    CHECK(code == SEGV_ACCERR, "si_code %d, want SEGV_ACCERR", code);
    CHECK(ut_probe(p, 0, NULL, NULL) == 0 && p[0] == 'a', "read of PROT_READ page failed");
    CHECK(ut_probe(p + PG, 1, NULL, NULL) == 0, "neighbour page lost PROT_WRITE");
    CHECK(syscall(SYS_mprotect, p, PG, PROT_NONE) == 0, "mprotect NONE");
    CHECK(ut_probe(p, 0, NULL, NULL) == SIGSEGV, "read of PROT_NONE page succeeded");
    CHECK(syscall(SYS_mprotect, p, PG, PROT_READ | PROT_WRITE) == 0, "mprotect RW");
    CHECK(p[0] == 'a', "contents lost across PROT_NONE and back");
    p[0] = 'c';
    /* Fault, fix in the handler, return: the store completes (rt_sigreturn restarts it). */
    CHECK(syscall(SYS_mprotect, p, PG, PROT_READ) == 0, "mprotect RO again");
    fix_page = p;
    fixes = 0;
    struct sigaction sa = { .sa_sigaction = fix_handler, .sa_flags = SA_SIGINFO }, old;
    sigaction(SIGSEGV, &sa, &old);
    *(volatile char *)p = 'd';
    sigaction(SIGSEGV, &old, NULL);
    CHECK(fixes == 1 && p[0] == 'd', "fix-and-return: %d faults, byte '%c'", fixes, p[0]);
    /* A read-only page is shared read-only with a child and stays read-only there. */
    CHECK(syscall(SYS_mprotect, p, PG, PROT_READ) == 0, "mprotect RO 3");
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0)
        _exit(ut_probe(p, 1, NULL, NULL) == SIGSEGV && p[0] == 'd' ? 0 : 1);
    if (ut_expect_exit(ut_wait(pid), 0, "child writing a read-only page must fault"))
        return -1;
    CHECK_ERRNO(syscall(SYS_mprotect, p + 1, PG, PROT_READ), EINVAL);
    munmap(p, 2 * PG);
    return 0;
}

int t_prot_none_segv(void)
{
    char *p = raw_mmap2(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED, "mmap2 PROT_NONE errno %d", errno);
    void *fa;
    int code;
    CHECK(ut_probe(p + 123, 0, &fa, &code) == SIGSEGV, "read of a PROT_NONE page went through");
    CHECK(fa == p + 123, "si_addr %p, want %p", fa, (void *)(p + 123));
    CHECK(code == SEGV_ACCERR, "si_code %d, want SEGV_ACCERR", code);
    CHECK(ut_probe(p + 7, 1, &fa, NULL) == SIGSEGV && fa == p + 7, "write to PROT_NONE");
    munmap(p, PG);
    /* Uncaught: the default action kills the process with SIGSEGV, nothing else. */
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        char *q = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        *(volatile char *)q = 1;
        _exit(0);
    }
    int st = ut_wait(pid);
    CHECK(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
          "uncaught PROT_NONE fault: status %#x, want killed by SIGSEGV", st);
    return 0;
}

/* Addresses a user program must never reach: NULL, the guest kernel (0xC0000000 with a 3/1
 * split), the Xen/Moat hypervisor hole (0xF5800000), the top page. */
int t_bad_address_segv(void)
{
    static const uintptr_t addrs[] = { 0, 1, 0xC0000000UL, 0xC0100000UL, 0xF5800000UL,
                                       0xFC000000UL, 0xFFFFF000UL };
    int host_user = 0;
    for (unsigned i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
        for (int w = 0; w < 2; w++) {
            void *fa = NULL;
            int sig = ut_probe((void *)addrs[i], w, &fa, NULL);
            if (sig == 0 && addrs[i] >= 0xC0000000UL) {
                host_user++;    /* mapped user memory of a 32-bit process on a 64-bit kernel */
                continue;
            }
            CHECK(sig == SIGSEGV, "%s %#lx: signal %d, want SIGSEGV", w ? "write" : "read",
                  (unsigned long)addrs[i], sig);
            CHECK(fa == (void *)addrs[i], "%#lx: si_addr %p", (unsigned long)addrs[i], fa);
        }
    }
    if (host_user)
        ut_note("%d high accesses hit this process's own mappings (64-bit host kernel)", host_user);
    return 0;
}
