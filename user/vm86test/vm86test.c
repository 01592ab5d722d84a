/* vm86test: runs 16-bit real-mode routines (realmode.S) in virtual-8086 mode through the Linux
 * i386 vm86 (166) and vm86old (113) system calls, and checks what the kernel's monitor did:
 * a computation finished through a software interrupt this program services, the virtual
 * interrupt flag under cli/sti/pushf/popf/iret, port I/O and hlt returned as VM86_UNKNOWN, int
 * without an IVT returned as VM86_INTx, VIP + sti -> VM86_STI, int3 -> VM86_TRAP, a signal
 * ending the call (VM86_SIGNAL, sent by a child: the timer must preempt 16-bit code), demand paging and a SIGSEGV from 16-bit code, and the error
 * returns. Compiled against Linux's own <asm/vm86.h>, so the structure layout is the ABI's.
 *
 * Prints `ok N - name` / `not ok N - name` per check and `vm86test: P passed, F failed`, exit
 * status 0 when nothing failed. Where the kernel has no vm86 (a PV hypervisor, CONFIG_VM86=n)
 * both calls return -ENOSYS: it prints `vm86test: vm86 and vm86old: ENOSYS` and exits 0 if
 * both did, 1 otherwise. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <asm/vm86.h>

#define SEG 0x1000u           /* code, data and stack segment: linear 0x10000 */
#define LIN(seg, off) ((uint32_t)(seg) * 16u + (off))
#define AREA 0x10000u         /* 64 KB at linear 0x10000 */
#define RM_EFLAGS_IF 0x200u
#define RM_EFLAGS_CF 0x001u
#define RM_EFLAGS_VIP 0x100000u
#define RM_EFLAGS_VIF 0x80000u

#define ROUTINE(n) extern const unsigned char rm_##n[], rm_##n##_end[]
ROUTINE(compute); ROUTINE(flags); ROUTINE(iret); ROUTINE(io); ROUTINE(int13); ROUTINE(sti);
ROUTINE(int3); ROUTINE(spin); ROUTINE(mem); ROUTINE(hlt);
extern const unsigned char rm_io_insn[];

static int passed, failed, seq;

static void check(int ok, const char *name)
{
    printf("%sok %d - %s\n", ok ? "" : "not ", ++seq, name);
    if (ok)
        passed++;
    else
        failed++;
}

static long vm86(unsigned long cmd, void *arg) { return syscall(SYS_vm86, cmd, arg); }
static long vm86old(struct vm86_struct *v) { return syscall(SYS_vm86old, v); }

static void set_bit(struct revectored_struct *r, unsigned n) { r->__map[n / 32] |= 1ul << (n % 32); }

/* Loads a routine at SEG:0 and prepares the structure: cs=ds=es=ss=SEG, sp at the top,
 * ints 0x20 and 0x21 revectored to us, the 16-bit code's IF on. */
static void setup(struct vm86plus_struct *v, const unsigned char *start, const unsigned char *end)
{
    memset((void *)LIN(SEG, 0), 0xf4, 0x100); /* hlt after the routine, in case it runs on */
    memcpy((void *)LIN(SEG, 0), start, (size_t)(end - start));
    memset(v, 0, sizeof *v);
    v->regs.cs = v->regs.ds = v->regs.es = v->regs.ss = SEG;
    v->regs.fs = v->regs.gs = SEG;
    v->regs.eip = 0;
    v->regs.esp = 0xfffe;
    v->regs.eflags = RM_EFLAGS_IF;
    v->cpu_type = CPU_586;
    set_bit(&v->int_revectored, 0x20);
    set_bit(&v->int_revectored, 0x21);
}

static int is_done(long r) { return VM86_TYPE(r) == VM86_INTx && VM86_ARG(r) == 0x20; }

static volatile sig_atomic_t got_usr1, got_segv;
static void on_usr1(int s) { (void)s; got_usr1 = 1; }
static void on_segv(int s) { (void)s; got_segv = 1; }

static void test_compute(void)
{
    struct vm86plus_struct v;
    setup(&v, rm_compute, rm_compute_end);
    long r = vm86(VM86_ENTER, &v);
    check(VM86_TYPE(r) == VM86_INTx && VM86_ARG(r) == 0x21, "int 0x21 (revectored) returns VM86_INTx 0x21");
    check((v.regs.eax & 0xffff) == 55 && (v.regs.ebx & 0xffff) == 3, "real-mode loop computed 1+..+10 = 55");
    check(v.regs.eip == 0xe && v.regs.cs == SEG, "cs:ip written back, right after the int");
    v.regs.eax = (v.regs.eax & 0xffff) * (v.regs.ebx & 0xffff); /* the service: ax *= bx */
    r = vm86(VM86_ENTER, &v);
    check(is_done(r) && (v.regs.eax & 0xffff) == 166, "serviced int 0x21, resumed: 55*3+1 = 166");

    /* the same through vm86old and struct vm86_struct */
    struct vm86_struct o;
    setup(&v, rm_compute, rm_compute_end);
    memcpy(&o, &v, sizeof o);
    r = vm86old(&o);
    check(VM86_TYPE(r) == VM86_INTx && VM86_ARG(r) == 0x21 && (o.regs.eax & 0xffff) == 55,
          "vm86old: same routine, VM86_INTx 0x21 with ax = 55");
    o.regs.eax = 55 * 3;
    r = vm86old(&o);
    check(is_done(r) && (o.regs.eax & 0xffff) == 166, "vm86old: resumed to the end, ax = 166");

    /* many round trips: nothing leaks on the kernel stack or in the 32-bit state */
    int ok = 1;
    for (int i = 0; i < 500 && ok; i++) {
        setup(&v, rm_compute, rm_compute_end);
        r = vm86(VM86_ENTER, &v);
        v.regs.eax = (uint32_t)i;
        r = vm86(VM86_ENTER, &v);
        ok = is_done(r) && (v.regs.eax & 0xffff) == i + 1;
    }
    check(ok, "500 enter/leave round trips");
}

static void test_flags(void)
{
    struct vm86plus_struct v;
    setup(&v, rm_flags, rm_flags_end);
    long r = vm86(VM86_ENTER, &v);
    unsigned ax = v.regs.eax & 0xffff, bx = v.regs.ebx & 0xffff;
    unsigned cx = v.regs.ecx & 0xffff, dx = v.regs.edx & 0xffff;
    check(is_done(r), "flags routine ran to the end");
    check(!(ax & RM_EFLAGS_IF) && (bx & RM_EFLAGS_IF), "cli/sti change the IF pushf shows (virtual IF)");
    check((ax & 0x3000) == 0x3000, "pushf shows IOPL 3 to the 16-bit code");
    check((cx & RM_EFLAGS_CF) && !(cx & RM_EFLAGS_IF), "popf 0x0001: CF set, IF off");
    check((dx & RM_EFLAGS_CF) && (dx & RM_EFLAGS_IF), "popf 0x0201: CF set, IF on");
    check((v.regs.eflags & RM_EFLAGS_VIF) && (v.regs.eflags & 0x20000), "eflags written back: VIF on, VM set");
}

static void test_iret(void)
{
    struct vm86plus_struct v;
    setup(&v, rm_iret, rm_iret_end);
    long r = vm86(VM86_ENTER, &v);
    check(is_done(r) && (v.regs.esi & 0xffff) == 0x1234, "iret emulated: jumped to the popped cs:ip");
    check((v.regs.edi & RM_EFLAGS_IF) && (v.regs.eflags & RM_EFLAGS_VIF), "iret: popped IF turned the virtual IF on");
    check((v.regs.esp & 0xffff) == 0xfffe, "iret: popped 6 bytes (sp back at the top)");
}

static void test_unknown(void)
{
    struct vm86plus_struct v;
    setup(&v, rm_io, rm_io_end);
    long r = vm86(VM86_ENTER, &v);
    check(VM86_TYPE(r) == VM86_UNKNOWN, "in al,dx traps: VM86_UNKNOWN");
    check(v.regs.eip == (long)(rm_io_insn - rm_io) && (v.regs.edx & 0xffff) == 0x3f8,
          "VM86_UNKNOWN leaves ip at the in instruction");
    setup(&v, rm_hlt, rm_hlt_end);
    r = vm86(VM86_ENTER, &v);
    check(VM86_TYPE(r) == VM86_UNKNOWN && v.regs.eip == 0, "hlt: VM86_UNKNOWN at the hlt");
}

static void test_ints(void)
{
    struct vm86plus_struct v;
    setup(&v, rm_int13, rm_int13_end);
    long r = vm86(VM86_ENTER, &v);
    check(VM86_TYPE(r) == VM86_INTx && VM86_ARG(r) == 0x13 && v.regs.eip == 2,
          "int 0x13 not revectored, no IVT mapped: VM86_INTx 0x13");
    setup(&v, rm_int3, rm_int3_end);
    r = vm86(VM86_ENTER, &v);
    check(VM86_TYPE(r) == VM86_TRAP && VM86_ARG(r) == 3, "int3 under vm86plus: VM86_TRAP 3");
    setup(&v, rm_sti, rm_sti_end);
    v.regs.eflags |= RM_EFLAGS_VIP;
    r = vm86(VM86_ENTER, &v);
    check(VM86_TYPE(r) == VM86_STI && v.regs.eip == 2, "sti with VIP set: VM86_STI after the sti");
    setup(&v, rm_sti, rm_sti_end);
    v.vm86plus.force_return_for_pic = 1;
    r = vm86(VM86_ENTER, &v);
    check(VM86_TYPE(r) == VM86_PICRETURN, "force_return_for_pic: cli returns VM86_PICRETURN");
}

static void test_signals(void)
{
    struct vm86plus_struct v;
    /* A child sends the signal while we spin in 16-bit code: it only runs if the timer
     * preempts virtual-8086 mode, and the signal must end the call. */
    setup(&v, rm_spin, rm_spin_end);
    signal(SIGUSR1, on_usr1);
    pid_t parent = getpid(), child = fork();
    if (child == 0) {
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep(&ts, 0);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    long r = vm86(VM86_ENTER, &v);
    int st = -1;
    waitpid(child, &st, 0);
    check(child > 0 && VM86_TYPE(r) == VM86_SIGNAL && got_usr1,
          "signal from another process during 16-bit code: handler ran, VM86_SIGNAL");
    check(v.regs.eip <= 1 && v.regs.cs == SEG && st == 0, "VM86_SIGNAL: cs:ip inside the spin loop");

    setup(&v, rm_mem, rm_mem_end);
    v.regs.es = 0x2345;
    signal(SIGSEGV, on_segv);
    r = vm86(VM86_ENTER, &v);
    check((v.regs.eax & 0xffff) == 0x2345 && (v.regs.ebx & 0xffff) == SEG, "es/ds as the caller set them");
    check((v.regs.ecx & 0xffff) == 0, "untouched page read in 16-bit code: demand-zero");
    check(VM86_TYPE(r) == VM86_SIGNAL && got_segv && v.regs.ds == 0x3000,
          "read of unmapped memory: SIGSEGV handled, VM86_SIGNAL");
    signal(SIGSEGV, SIG_DFL);
}

static void test_errors(void)
{
    struct vm86plus_struct v;
    check(vm86(VM86_PLUS_INSTALL_CHECK, 0) == 0, "VM86_PLUS_INSTALL_CHECK returns 0");
    errno = 0;
    check(vm86(VM86_ENTER, (void *)4) == -1 && errno == EFAULT, "VM86_ENTER with a bad pointer: EFAULT");
    errno = 0;
    check(vm86old((void *)4) == -1 && errno == EFAULT, "vm86old with a bad pointer: EFAULT");
    setup(&v, rm_compute, rm_compute_end);
    v.flags = VM86_SCREEN_BITMAP;
    errno = 0;
    check(vm86(VM86_ENTER, &v) == -1 && errno == EINVAL, "VM86_SCREEN_BITMAP: EINVAL");
    errno = 0;
    check(vm86(VM86_REQUEST_IRQ, (void *)((SIGUSR1 << 8) | 5)) == -1 && errno == EPERM,
          "VM86_REQUEST_IRQ: EPERM (no IRQ passing)");
}

int main(void)
{
    setvbuf(stdout, 0, _IONBF, 0);
    errno = 0;
    long a = vm86(VM86_PLUS_INSTALL_CHECK, 0);
    int ea = errno;
    if (a == -1 && ea == ENOSYS) {
        errno = 0;
        long b = vm86old((void *)4);
        int both = b == -1 && errno == ENOSYS;
        printf("vm86test: vm86%s: ENOSYS\n", both ? " and vm86old" : " (but not vm86old!)");
        return both ? 0 : 1;
    }
    void *p = mmap((void *)LIN(SEG, 0), AREA, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED) {
        perror("vm86test: mmap 0x10000");
        printf("vm86test: 0 passed, 1 failed\n");
        return 1;
    }
    test_errors();
    test_compute();
    test_flags();
    test_iret();
    test_unknown();
    test_ints();
    test_signals();
    printf("vm86test: %d passed, %d failed\n", passed, failed);
    return failed != 0 || passed == 0;
}
