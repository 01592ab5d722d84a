/* vm86old/vm86: running 16-bit real-mode code for a user program in virtual-8086 mode (native
 * only). This file is the glue between the system call, the trap path and the pure monitor
 * (monitor.c): entering, resuming and leaving virtual-8086 mode.
 *
 * How the stack works. A task's 32-bit user frame lives at the top of its kernel stack
 * (user_frame()). A trap from virtual-8086 mode pushes 16 bytes more (es ds fs gs), so with the
 * same esp0 its frame (struct vm86_frame) starts 16 bytes lower and ends at the same top.
 *  - Entering: the caller's 32-bit frame is saved in the task's vm86 state, the 16-bit frame is
 *    built there and copied to the top of the stack, which becomes the stack that trap_return
 *    irets from (vm86_switch_frame in stack.S). The C frames of the system call are dropped:
 *    nothing in them is needed again.
 *  - Leaving (VM86_INTx, VM86_UNKNOWN, a signal, ...): the 16-bit registers go back into the
 *    user's structure, the saved 32-bit frame goes back to user_frame() with eax = the return
 *    value, and the task leaves through trap_return from there: to its caller, vm86() returned.
 *
 * Invariants:
 *  - A frame with EFLAGS.VM set is only ever at vm86_frame_of(current): anything else is a
 *    kernel bug and panics.
 *  - The 16-bit code runs with IOPL 0 and the caller's (real) IF; it cannot reach kernel
 *    memory (its linear addresses stay below 1 MB + 64 KB) and every byte the monitor reads or
 *    writes for it goes through copy_from_user/copy_to_user (a fault is VM86_UNKNOWN).
 *  - Every way out of virtual-8086 mode is vm86_exit(): the task is back on its 32-bit frame
 *    before any signal is delivered or the task can exit.
 *  - Under a PV hypervisor the calls return -ENOSYS (sys_vm86.c): the hypervisor, not this
 *    kernel, would have to run virtual-8086 mode (see README.md). */
#include <stdint.h>
#include <lib/string.h>
#include "vm86.h"
#include "vm86/abi.h"
#include "vm86/monitor.h"
#include "boot.h"
#include "printk.h"
#include "proc.h"
#include "klock.h"
#include "trap.h"
#include "uaccess.h"
#include "pv/pvops.h"

/* stack.S: copies `words` 32-bit words from src to dst, makes dst the stack pointer and
 * leaves through trap_return. */
void __attribute__((noreturn)) vm86_switch_frame(const void *src, void *dst, uint32_t words);

struct vm86_task {
    struct trap_frame regs32;    /* the caller's frame at the vm86() call */
    uint32_t user;               /* its struct vm86_struct / vm86plus_struct */
    struct vm86_frame entry;     /* the frame to enter with (copied onto the stack) */
    struct vm86_state mon;       /* the monitor's virtual state */
};
static struct vm86_task vm86_tasks[NPROC];

static struct vm86_task *state(void) { return &vm86_tasks[current - tasks]; }

static struct vm86_frame *vm86_frame_of(struct task *t)
{
    return (struct vm86_frame *)(t->kstack + KSTACK_SIZE - sizeof(struct vm86_frame));
}

static int mem_read(uint32_t lin, void *dst, uint32_t n) { return copy_from_user(dst, lin, n) ? -1 : 0; }
static int mem_write(uint32_t lin, const void *src, uint32_t n) { return copy_to_user(lin, src, n) ? -1 : 0; }
static const struct vm86_mem user_mem = { mem_read, mem_write };

/* ---- leaving ---- */

/* Ends the vm86() call with `retval`. fault_vector >= 0: the 16-bit code took that exception
 * and it becomes the signal a 32-bit fault would have raised; sig > 0: that signal. */
static void __attribute__((noreturn)) vm86_exit(struct vm86_frame *vf, long retval, int fault_vector, int sig)
{
    struct task *t = current;
    struct vm86_task *s = state();
    struct vm86_user_regs r;
    /* Read-modify-write, so the fields Linux leaves alone (__null_*, orig_eax) stay as the
     * program put them. */
    int bad = copy_from_user(&r, s->user, sizeof r);
    if (!bad) {
        r.ebx = vf->tf.ebx; r.ecx = vf->tf.ecx; r.edx = vf->tf.edx; r.esi = vf->tf.esi;
        r.edi = vf->tf.edi; r.ebp = vf->tf.ebp; r.eax = vf->tf.eax; r.eip = vf->tf.eip;
        r.cs = (uint16_t)vf->tf.cs; r.eflags = vm86_report_eflags(&s->mon, vf->tf.eflags);
        r.esp = vf->tf.user_esp; r.ss = (uint16_t)vf->tf.user_ss;
        r.es = (uint16_t)vf->es; r.ds = (uint16_t)vf->ds; r.fs = (uint16_t)vf->fs; r.gs = (uint16_t)vf->gs;
        bad = copy_to_user(s->user, &r, sizeof r);
    }
    uint32_t vector = vf->tf.vector, error = vf->tf.error;
    /* From here vf is overwritten: the 32-bit frame overlaps its upper 76 bytes. */
    struct trap_frame *uf = user_frame(t);
    memcpy(uf, &s->regs32, sizeof *uf);
    uf->eax = (uint32_t)retval;
    if (bad) {
        printk(KERN_ERR "vm86: pid %d (%s): could not write back its vm86 registers\n", t->pid, t->name);
        force_signal(SIGSEGV);
    } else if (fault_vector >= 0) {
        uf->vector = vector;
        uf->error = error;
        proc_user_exception(uf);
    } else if (sig > 0) {
        force_signal(sig);
    }
    proc_return_to_user(uf); /* preemption, then the signal (its frame is the 32-bit one) */
    klock_release(); /* taken by trap_dispatch at the entry from ring 3; we leave from here */
    iret_prepare(uf->eflags);
    vm86_switch_frame(uf, uf, 0);
}

/* ---- resuming ---- */

/* Back to the 16-bit code, unless a signal is waiting: then, as in Linux, the call returns
 * VM86_SIGNAL and the signal is delivered to the 32-bit caller. A used-up time slice is given
 * up here as it is at every return to ring 3 (proc/user_return.c). */
static void vm86_resume(struct vm86_frame *vf)
{
    struct task *t = current;
    if ((int32_t)(jiffies - t->slice_start) >= TIME_SLICE_TICKS)
        yield();
    if (signal_pending(t))
        vm86_exit(vf, VM86_RET(VM86_SIGNAL, 0), -1, 0);
    if (CONFIG_DEBUG && (vf->tf.eflags & (VM86_EFLAGS_IOPL | X86_EFLAGS_VM)) != X86_EFLAGS_VM)
        panic("vm86: resuming with eflags %#x (IOPL must be 0, VM set)", vf->tf.eflags);
    iret_prepare(vf->tf.eflags);
}

static void finish(struct vm86_frame *vf, int r)
{
    if (r == VM86_MON_RESUME)
        vm86_resume(vf);
    else if (r == VM86_MON_SIGTRAP)
        vm86_exit(vf, VM86_RET(VM86_SIGNAL, 0), -1, SIGTRAP);
    else if (r == VM86_MON_SIGNAL)
        vm86_exit(vf, VM86_RET(VM86_SIGNAL, 0), (int)vf->tf.vector, 0);
    else
        vm86_exit(vf, r, -1, 0);
}

void vm86_trap(struct trap_frame *f, trap_handler_fn handler)
{
    struct vm86_frame *vf = (struct vm86_frame *)f;
    if (!current || vf != vm86_frame_of(current)) {
        printk(KERN_EMERG "vm86: virtual-8086 frame at %p, not at the top of a task's stack\n", (void *)f);
        trap_panic(f);
    }
    struct vm86_task *s = state();
    unsigned v = f->vector;
    if (v == 13) {
        finish(vf, vm86_monitor_gp(vf, &s->mon, &user_mem));
        return;
    }
    if (v < 6 && v != 2) { /* #DE #DB #BP #OF #BR: Linux's handle_vm86_trap */
        finish(vf, vm86_monitor_trap(vf, &s->mon, &user_mem, v));
        return;
    }
    /* Page faults (demand paging, or SIGSEGV), IRQs: the vector's own handler. */
    if (handler && handler(f)) {
        vm86_resume(vf);
        return;
    }
    if (v < NR_EXCEPTIONS) { /* #UD, #NM, #MF...: the signal a 32-bit fault would raise */
        finish(vf, VM86_MON_SIGNAL);
        return;
    }
    trap_panic(f);
}

/* ---- entering ---- */

static long vm86_irq_call(uint32_t cmd, uint32_t irq)
{
    /* IRQ passing to DOS emulators: this kernel gives no interrupt line to user space, so no
     * request ever succeeds (Linux's answer for an IRQ it will not pass) and nothing is pending. */
    int valid = irq >= 3 && irq <= 15;
    switch (cmd) {
    case VM86_REQUEST_IRQ: return -EPERM;
    case VM86_FREE_IRQ: return valid ? 0 : -EPERM;
    default: return 0; /* GET_IRQ_BITS, GET_AND_RESET_IRQ: none */
    }
}

long do_vm86(uint32_t cmd, uint32_t arg, int plus)
{
    struct task *t = current;
    if (!t)
        return -EPERM;
    if (plus) {
        switch (cmd) {
        case VM86_PLUS_INSTALL_CHECK: return 0;
        case VM86_REQUEST_IRQ: case VM86_FREE_IRQ: case VM86_GET_IRQ_BITS: case VM86_GET_AND_RESET_IRQ:
            return vm86_irq_call(cmd, arg);
        default: break; /* VM86_ENTER, VM86_ENTER_NO_BYPASS (and, as in Linux, anything else) */
        }
    } else {
        arg = cmd; /* vm86old(struct vm86_struct *) */
    }
    struct vm86_task *s = state();
    struct vm86_user_struct u;
    if (copy_from_user(&u, arg, offsetof(struct vm86_user_struct, int_revectored)))
        return -EFAULT;
    if (u.flags & VM86_SCREEN_BITMAP)
        return -EINVAL;
    struct vm86_state mon;
    memset(&mon, 0, sizeof mon);
    if (copy_from_user(&mon.int_revectored, arg + offsetof(struct vm86_user_struct, int_revectored),
                       sizeof mon.int_revectored) ||
        copy_from_user(&mon.int21_revectored, arg + offsetof(struct vm86_user_struct, int21_revectored),
                       sizeof mon.int21_revectored))
        return -EFAULT;
    if (plus) {
        struct vm86plus_user_info pi;
        if (copy_from_user(&pi, arg + offsetof(struct vm86plus_user_struct, plus), sizeof pi))
            return -EFAULT;
        mon.plus = 1;
        mon.plus_bits = pi.bits;
        memcpy(mon.dbg_intxxtab, pi.dbg_intxxtab, sizeof mon.dbg_intxxtab);
    }
    struct trap_frame *uf = user_frame(t);
    mon.veflags_mask = vm86_veflags_mask(u.cpu_type);
    s->mon = mon;
    s->regs32 = *uf;
    s->user = arg;

    struct vm86_frame *e = &s->entry;
    memset(e, 0, sizeof *e); /* tf.gs..ds 0: null selectors, as the CPU leaves them */
    e->tf.ebx = u.regs.ebx; e->tf.ecx = u.regs.ecx; e->tf.edx = u.regs.edx;
    e->tf.esi = u.regs.esi; e->tf.edi = u.regs.edi; e->tf.ebp = u.regs.ebp;
    e->tf.eax = u.regs.eax; e->tf.eip = u.regs.eip; e->tf.cs = u.regs.cs;
    e->tf.eflags = vm86_enter_eflags(&s->mon, u.regs.eflags, uf->eflags);
    e->tf.user_esp = u.regs.esp; e->tf.user_ss = u.regs.ss;
    e->es = u.regs.es; e->ds = u.regs.ds; e->fs = u.regs.fs; e->gs = u.regs.gs;
    e->tf.vector = 0x80;

    struct vm86_frame *top = vm86_frame_of(t);
    /* The copy below overwrites the stack above `top`: it must hold nothing of ours. */
    if ((uintptr_t)__builtin_frame_address(0) >= (uintptr_t)top)
        panic("vm86: entered with the kernel stack at %p, above the frame at %p",
              __builtin_frame_address(0), (void *)top);
    if (signal_pending(t)) /* Linux returns at once too, before any 16-bit instruction */
        return VM86_RET(VM86_SIGNAL, 0);
    klock_release(); /* the system call's entry took it; this path leaves without trap_dispatch */
    iret_prepare(e->tf.eflags);
    vm86_switch_frame(e, top, sizeof *top / 4);
}
