/* usertests: a user program must not be able to crash, or climb out of ring 3 past, the
 * kernel (or Moat under it) with any system-call argument (issue 8 "Done when").
 *
 *  sigreturn_hostile  hand-made signal frames asking sigreturn/rt_sigreturn for ring-0/1 code
 *                     and stack selectors, IOPL 3, NT and VM86 flags, kernel/hypervisor eip and
 *                     esp: the process lands in ring 3 with those flags cleared, or dies of a
 *                     signal. A baseline frame first proves the frame layout is right.
 *  tls_hostile        set_thread_area with code segments, not-present segments and a base in
 *                     the hypervisor hole: refused, or harmless (access faults in ring 3).
 *  syscall_fuzz       every system-call number with all-hostile arguments, one child process
 *                     each (unprivileged where possible, tight rlimits); afterwards the system
 *                     still works.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ut.h"

extern char **environ;

/* The i386 struct sigcontext: 16-bit selectors with padding halves. */
struct ksigcontext {
    uint16_t gs, gsh, fs, fsh, es, esh, ds, dsh;
    uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax, trapno, err, eip;
    uint16_t cs, csh;
    uint32_t eflags, esp_at_signal;
    uint16_t ss, ssh;
    uint32_t fpstate, oldmask, cr2;
};
_Static_assert(sizeof(struct ksigcontext) == 88, "sigcontext is 88 bytes on i386");

/* Where a sanitised frame lands: checks CPL 3 (cs, ss), IOPL 0, NT 0, then exit_group(code). */
void sr_landing(void);
__asm__(".text\n.globl sr_landing\nsr_landing:\n"
        "  movl $12, %ebx\n  movl %cs, %eax\n  andl $3, %eax\n  cmpl $3, %eax\n  jne 1f\n"
        "  movl $13, %ebx\n  movl %ss, %eax\n  andl $3, %eax\n  cmpl $3, %eax\n  jne 1f\n"
        "  pushfl\n  popl %eax\n"
        "  movl $10, %ebx\n  testl $0x3000, %eax\n  jnz 1f\n"
        "  movl $11, %ebx\n  testl $0x4000, %eax\n  jnz 1f\n"
        "  xorl %ebx, %ebx\n"
        "1: movl $252, %eax\n  int $0x80\n  hlt\n");

static uint32_t landing_stack[1024] __attribute__((aligned(16)));
/* sigreturn frame: the sigcontext sits at %esp when the restorer issues the call; rt: the
 * ucontext sits at %esp + 140 (pinfo, puc and a 128-byte siginfo before it, sig popped). */
static uint32_t frame[512] __attribute__((aligned(16)));

struct variant {
    const char *what;
    int rt;
    uint16_t cs, ss, ds;     /* 0 = use the current selector */
    uint32_t eflags_or, eip, esp;
    int may_land;            /* 1: landing (exit 0) is acceptable; 0: must die of a signal */
};

static void __attribute__((noreturn)) do_sigreturn(const struct variant *v)
{
    uint16_t cs, ss, ds, es, fs, gs;
    __asm__ volatile("mov %%cs,%0; mov %%ss,%1; mov %%ds,%2; mov %%es,%3; mov %%fs,%4; mov %%gs,%5"
                     : "=r"(cs), "=r"(ss), "=r"(ds), "=r"(es), "=r"(fs), "=r"(gs));
    memset(frame, 0, sizeof frame);
    struct ksigcontext *sc;
    if (v->rt) {
        uint32_t *uc = frame + 35;              /* esp + 140 */
        uc[3] = 2;                              /* uc_stack.ss_flags = SS_DISABLE */
        sc = (struct ksigcontext *)(uc + 5);    /* after flags, link, stack (3 words) */
    } else
        sc = (struct ksigcontext *)frame;
    sc->cs = v->cs ? v->cs : cs;
    sc->ss = v->ss ? v->ss : ss;
    sc->ds = sc->es = v->ds ? v->ds : ds;
    sc->fs = fs;
    sc->gs = gs;
    sc->eip = v->eip ? v->eip : (uint32_t)sr_landing;
    sc->esp = v->esp ? v->esp : (uint32_t)(landing_stack + 1000);
    sc->eflags = 0x202 | v->eflags_or;
    __asm__ volatile("mov %0, %%esp\n\tint $0x80\n\thlt"
                     : : "r"(frame), "a"(v->rt ? SYS_rt_sigreturn : SYS_sigreturn) : "memory");
    __builtin_unreachable();
}

int t_sigreturn_hostile(void)
{
    static const struct variant vs[] = {
        { "baseline frame", 0, 0, 0, 0, 0, 0, 0, 1 },
        { "baseline rt frame", 1, 0, 0, 0, 0, 0, 0, 1 },
        { "IOPL 3 + NT + VM86 + AC", 0, 0, 0, 0, 0x3000 | 0x4000 | 0x20000 | 0x40000, 0, 0, 1 },
        { "rt IOPL 3 + NT + VM86", 1, 0, 0, 0, 0x3000 | 0x4000 | 0x20000, 0, 0, 1 },
        { "cs 0x08", 0, 0x08, 0, 0, 0, 0, 0, 1 },
        { "cs 0x10", 0, 0x10, 0, 0, 0, 0, 0, 1 },
        { "cs 0x60 (Linux kernel)", 0, 0x60, 0, 0, 0, 0, 0, 1 },
        { "cs 0xe008 (Xen)", 0, 0xe008, 0, 0, 0, 0, 0, 1 },
        { "cs 0xe019 (Xen ring 1)", 1, 0xe019, 0, 0, 0, 0, 0, 1 },
        { "ss 0x10", 0, 0, 0x10, 0, 0, 0, 0, 1 },
        { "ss 0xe021 (Xen ring 1)", 1, 0, 0xe021, 0, 0, 0, 0, 1 },
        { "ds 0xe010 (Xen)", 0, 0, 0, 0xe010, 0, 0, 0, 1 },
        { "eip 0xC0000000", 0, 0, 0, 0, 0, 0xC0000000u, 0, 0 },
        { "eip 0xF5800000", 1, 0, 0, 0, 0, 0xF5800000u, 0, 0 },
        { "esp 0xF5800000", 0, 0, 0, 0, 0, 0, 0xF5800000u, 0 },
    };
    for (unsigned i = 0; i < sizeof vs / sizeof vs[0]; i++) {
        fflush(stdout);
        pid_t pid = fork();
        CHECK(pid >= 0, "fork");
        if (pid == 0)
            do_sigreturn(&vs[i]);
        int st = ut_wait(pid);
        CHECK(st != -1, "wait");
        if (i < 2)
            CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: status %#x (the test's frame layout "
                  "is wrong, or sigreturn is)", vs[i].what, st);
        else if (WIFEXITED(st))
            CHECK(vs[i].may_land && WEXITSTATUS(st) == 0,
                  "%s: landed with exit %d (10 IOPL kept, 11 NT kept, 12 cs not ring 3, "
                  "13 ss not ring 3, 0 where a fault was due)", vs[i].what, WEXITSTATUS(st));
        else
            CHECK(WIFSIGNALED(st) && (WTERMSIG(st) == SIGSEGV || WTERMSIG(st) == SIGBUS ||
                                      WTERMSIG(st) == SIGILL),
                  "%s: status %#x", vs[i].what, st);
    }
    return 0;
}

struct user_desc32 {
    uint32_t entry_number, base_addr, limit;
    uint32_t seg_32bit : 1, contents : 2, read_exec_only : 1, limit_in_pages : 1,
             seg_not_present : 1, useable : 1;
};

int t_tls_hostile(void)
{
    struct user_desc32 code = { (uint32_t)-1, 0, 0xfffff, 1, 2, 0, 1, 0, 1 };
    CHECK_ERRNO(syscall(SYS_set_thread_area, &code), EINVAL);
    code.contents = 3;
    CHECK_ERRNO(syscall(SYS_set_thread_area, &code), EINVAL);
    struct user_desc32 np = { (uint32_t)-1, 0, 0xfffff, 1, 0, 0, 1, 1, 1 };
    CHECK_ERRNO(syscall(SYS_set_thread_area, &np), EINVAL);
    struct user_desc32 range = { 100, 0, 0xfffff, 1, 0, 0, 1, 0, 1 };
    CHECK_ERRNO(syscall(SYS_set_thread_area, &range), EINVAL);
    /* Data segments based in the kernel and the hypervisor hole: refused, or accepted but
     * useless (reading through them faults in ring 3). Each try in a child. */
    static const uint32_t bases[] = { 0xC0000000u, 0xF5800000u, 0xFFFFF000u };
    for (unsigned i = 0; i < 3; i++) {
        pid_t pid = fork();
        CHECK(pid >= 0, "fork");
        if (pid == 0) {
            struct user_desc32 d = { (uint32_t)-1, bases[i], 0xfffff, 1, 0, 0, 1, 0, 1 };
            if (syscall(SYS_set_thread_area, &d) != 0)
                _exit(errno == EINVAL ? 0 : 1);
            unsigned sel = d.entry_number << 3 | 3, v;
            __asm__ volatile("mov %1, %%fs\n\tmov %%fs:0, %0" : "=r"(v) : "r"(sel));
            _exit(2);   /* read hypervisor/kernel memory: must not happen */
        }
        int st = ut_wait(pid);
        CHECK(st != -1 && ((WIFEXITED(st) && WEXITSTATUS(st) == 0) ||
                           (WIFSIGNALED(st) && (WTERMSIG(st) == SIGSEGV || WTERMSIG(st) == SIGBUS))),
              "TLS segment at %#x: status %#x (exit 2 = read through it)", bases[i], st);
    }
    return 0;
}

/* Calls that would act on other processes, make processes, block forever by design, or
 * reboot: not fuzzed (kill/ptrace on pid 1 as root would be a test bug, not a kernel bug). */
static int fuzz_skip(long nr)
{
    static const long skip[] = { 2, 26, 29, 37, 72, 88, 111, 120, 178, 179, 190, 238, 270, 335,
                                 424, 435 };
    for (unsigned i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (skip[i] == nr)
            return 1;
    return 0;
}

static void __attribute__((noreturn)) fuzz_child(long nr)
{
    setsid();
    int null = open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3; fd++)
        dup2(null, fd);
    for (int fd = 3; fd < 64; fd++)
        close(fd);
    if (geteuid() == 0) {   /* unprivileged on the host; the guest may not have these calls */
        unsigned uid = 2000000000u + (unsigned)getpid();
        (void)!setgroups(0, NULL);
        (void)!setresgid(uid, uid, uid);
        (void)!setresuid(uid, uid, uid);
    }
    struct rlimit one = { 1, 1 }, zero = { 0, 0 }, mem = { 64 << 20, 64 << 20 };
    setrlimit(RLIMIT_NPROC, &one);
    setrlimit(RLIMIT_FSIZE, &zero);
    setrlimit(RLIMIT_CORE, &zero);
    setrlimit(RLIMIT_AS, &mem);
    static const uint32_t pats[] = { 1, 0xC0000000u, 0xF5800000u, 0xFFFFFFFFu };
    for (unsigned i = 0; i < sizeof pats / sizeof pats[0]; i++) {
        uint32_t a = pats[i];
        syscall(nr, a, a, a, a, a, a);
    }
    _exit(0);
}

int t_syscall_fuzz(void)
{
    enum { LAST = 470, DEADLINE_MS = 1000, MAX_STUCK = 20 };
    int calls = 0, exited = 0, killed = 0, stuck = 0;
    for (long nr = 0; nr <= LAST; nr++) {
        if (fuzz_skip(nr))
            continue;
        calls++;
        pid_t pid = fork();
        CHECK(pid >= 0, "fork for system call %ld errno %d", nr, errno);
        if (pid == 0)
            fuzz_child(nr);
        int st = 0, waited = 0;
        pid_t r;
        while ((r = waitpid(pid, &st, WNOHANG)) == 0 && waited < DEADLINE_MS) {
            ut_sleep_ms(1);
            waited++;
        }
        if (r == 0) {
            stuck++;
            kill(pid, SIGKILL);
            r = waitpid(pid, &st, 0);
        }
        CHECK(r == pid, "could not reap the child fuzzing system call %ld", nr);
        if (WIFEXITED(st))
            exited++;
        else
            killed++;
        CHECK(stuck <= MAX_STUCK, "more than %d system calls blocked past %d ms", MAX_STUCK,
              DEADLINE_MS);
    }
    /* Still a working system. */
    pid_t pid = fork();
    CHECK(pid >= 0, "fork after fuzzing");
    if (pid == 0) {
        char *av[] = { "usertests", "--exec-helper", "exit", "21", NULL };
        execve(ut_self, av, environ);
        _exit(127);
    }
    if (ut_expect_exit(ut_wait(pid), 21, "fork+exec after fuzzing"))
        return -1;
    int p[2];
    char c;
    CHECK(pipe(p) == 0 && write(p[1], "k", 1) == 1 && read(p[0], &c, 1) == 1 && c == 'k',
          "pipe after fuzzing");
    close(p[0]);
    close(p[1]);
    ut_note("%d calls: %d children exited, %d killed by signals, %d stopped after %d ms", calls,
            exited, killed, stuck, DEADLINE_MS);
    return 0;
}
