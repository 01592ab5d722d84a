/* Signals: sending, and delivery at the return to user mode.
 *
 * Delivery builds Linux's i386 frames on the user stack, so both libcs' restorers work:
 *   SA_SIGINFO: rt frame  {pretcode, sig, &info, &uc, siginfo[128], ucontext, retcode}
 *               -> rt_sigreturn finds uc at esp + 140 (after the handler's ret popped pretcode)
 *   otherwise:  old frame {pretcode, sig, sigcontext, extramask, retcode}
 *               -> the restorer pops sig, so sigreturn finds the sigcontext at esp.
 * The FPU/SSE state (fxsave image) is saved below the frame and restored on return.
 *
 * Invariants:
 *  - sigreturn never lets user space choose a privileged selector or EFLAGS bit: cs/ss are
 *    the user selectors, data selectors are user_ds, null or a TLS slot, EFLAGS keeps IF set
 *    and IOPL 0, and MXCSR reserved bits are cleared before fxrstor.
 *  - SIGKILL and SIGSTOP cannot be caught, blocked or ignored.
 *  - A fault signal that is blocked or ignored kills the process (it would fault forever). */
#include <stdint.h>
#include <lib/string.h>
#include "proc.h"
#include "desc.h"
#include "printk.h"
#include "uaccess.h"
#include "pv/pvops.h"

#define BIT(s) (1ull << ((s) - 1))

struct sigcontext32 {
    uint32_t gs, fs, es, ds, edi, esi, ebp, esp, ebx, edx, ecx, eax;
    uint32_t trapno, err, eip, cs, eflags, esp_at_signal, ss, fpstate, oldmask, cr2;
};
struct ucontext32 {
    uint32_t flags, link, ss_sp, ss_flags, ss_size;
    struct sigcontext32 mc;
    uint64_t sigmask;
};
struct siginfo32 {
    int32_t signo, errno_, code;
    int32_t pid_or_addr, uid;
    uint8_t pad[128 - 20];
};
struct rt_frame {
    uint32_t pretcode;
    int32_t sig;
    uint32_t pinfo, puc;
    struct siginfo32 info;
    struct ucontext32 uc;
    uint8_t retcode[8];
};
struct old_frame {
    uint32_t pretcode;
    int32_t sig;
    struct sigcontext32 sc;
    uint32_t extramask;
    uint8_t retcode[8];
};
_Static_assert(__builtin_offsetof(struct rt_frame, uc) == 144, "rt frame layout");

int signal_pending(struct task *t) { return (t->sig_pending & ~sigmask_fix(t->sig_blocked)) != 0; }

static int sig_ignored(struct task *t, int sig)
{
    uint32_t h = t->sig_act[sig].handler;
    if (sig == SIGKILL || sig == SIGSTOP)
        return 0;
    return h == SIG_IGN || (h == SIG_DFL && (sig_default_ignored(sig) || sig_default_stops(sig)));
}

int send_signal(struct task *t, int sig)
{
    if (sig < 1 || sig > NSIG)
        return -EINVAL;
    if (!t || t->state == T_UNUSED)
        return -ESRCH;
    if (t->state == T_ZOMBIE)
        return 0;
    /* An ignored signal is discarded at once, unless blocked (it may be unignored later). */
    if (sig_ignored(t, sig) && !(t->sig_blocked & BIT(sig)))
        return 0;
    /* init (pid 1) only receives the signals it has handlers for, as on Linux: a stray ^C or
     * kill must not end the system. (Its own faults still reach it: force_signal.) */
    if (t->pid == 1 && t->sig_act[sig].handler == SIG_DFL)
        return 0;
    t->sig_pending |= BIT(sig);
    t->sig_from[sig - 1] = current ? current->pid : 0;
    if (t->state == T_SLEEPING && t->interruptible && signal_pending(t))
        t->state = T_RUNNABLE;
    return 0;
}

/* Signal 0 only checks that the group exists; zombies count as members (as on Linux). */
int kill_pgrp(int pgrp, int sig)
{
    int found = 0;
    if (pgrp <= 0)
        return -ESRCH;
    for (int i = 0; i < NPROC; i++) {
        struct task *t = &tasks[i];
        if (t->state == T_UNUSED || t->pgid != pgrp)
            continue;
        found = 1;
        if (sig && t->state != T_ZOMBIE)
            send_signal(t, sig);
    }
    return found ? 0 : -ESRCH;
}

void force_signal(int sig)
{
    struct task *t = current;
    if ((t->sig_blocked & BIT(sig)) || t->sig_act[sig].handler == SIG_IGN) {
        t->sig_blocked &= ~BIT(sig);
        t->sig_act[sig].handler = SIG_DFL;
    }
    t->sig_pending |= BIT(sig);
    t->sig_from[sig - 1] = 0;
}

static uint16_t sane_data_sel(uint32_t sel)
{
    sel &= 0xffff;
    if (sel == 0 || sel == user_ds)
        return (uint16_t)sel;
    unsigned idx = sel >> 3;
    if ((sel & 7) == 3 && idx >= GDT_ENTRY_TLS_MIN && idx < GDT_ENTRY_TLS_MIN + GDT_TLS_ENTRIES)
        return (uint16_t)sel;
    return 0;
}

#define USER_EFLAGS 0x00040DD5u /* CF PF AF ZF SF TF DF OF AC: what user code may change */

static void fill_sigcontext(struct sigcontext32 *sc, const struct trap_frame *f, uint64_t oldmask, uint32_t fp)
{
    sc->gs = f->gs; sc->fs = f->fs; sc->es = f->es; sc->ds = f->ds;
    sc->edi = f->edi; sc->esi = f->esi; sc->ebp = f->ebp; sc->esp = f->user_esp;
    sc->ebx = f->ebx; sc->edx = f->edx; sc->ecx = f->ecx; sc->eax = f->eax;
    sc->trapno = f->vector; sc->err = f->error; sc->eip = f->eip; sc->cs = f->cs;
    sc->eflags = f->eflags; sc->esp_at_signal = f->user_esp; sc->ss = f->user_ss;
    sc->fpstate = fp; sc->oldmask = (uint32_t)oldmask; sc->cr2 = current->fault_addr;
}

/* Writes the FPU image below sp; returns its address or 0. */
static uint32_t save_fpu(uint32_t sp)
{
    static uint8_t buf[512] __attribute__((aligned(16)));
    uint32_t at = (sp - 512) & ~63u;
    fpu_save(buf);
    return copy_to_user(at, buf, 512) ? 0 : at;
}

static int setup_frame(struct trap_frame *f, int sig, struct linux_sigaction *a)
{
    struct task *t = current;
    uint64_t frame_mask = t->has_saved_mask ? t->sig_saved : t->sig_blocked;
    uint32_t fp = save_fpu(f->user_esp - 128 /* keep clear of a red zone */);
    if (!fp)
        return -EFAULT;
    static const uint8_t rt_code[8] = { 0xb8, 173, 0, 0, 0, 0xcd, 0x80, 0x90 };  /* mov $173,%eax; int $0x80 */
    static const uint8_t old_code[8] = { 0x58, 0xb8, 119, 0, 0, 0, 0xcd, 0x80 }; /* pop %eax; mov $119,%eax; int $0x80 */
    if (a->flags & SA_SIGINFO) {
        struct rt_frame fr;
        memset(&fr, 0, sizeof fr);
        uint32_t at = ((fp - sizeof fr) & ~15u) - 4;
        fr.sig = sig;
        fr.pinfo = at + __builtin_offsetof(struct rt_frame, info);
        fr.puc = at + __builtin_offsetof(struct rt_frame, uc);
        fr.info.signo = sig;
        fr.info.code = t->sig_from[sig - 1] ? 0 /* SI_USER */ : 0x80 /* SI_KERNEL */;
        if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE) {
            fr.info.code = t->fault_code ? t->fault_code : 1;
            fr.info.pid_or_addr = (int32_t)t->fault_addr;
        } else {
            fr.info.pid_or_addr = t->sig_from[sig - 1];
        }
        fill_sigcontext(&fr.uc.mc, f, frame_mask, fp);
        fr.uc.sigmask = frame_mask;
        memcpy(fr.retcode, rt_code, 8);
        fr.pretcode = (a->flags & SA_RESTORER) ? a->restorer : at + __builtin_offsetof(struct rt_frame, retcode);
        if (copy_to_user(at, &fr, sizeof fr))
            return -EFAULT;
        f->user_esp = at;
        f->eax = (uint32_t)sig;
        f->edx = fr.pinfo;
        f->ecx = fr.puc;
    } else {
        struct old_frame fr;
        memset(&fr, 0, sizeof fr);
        uint32_t at = ((fp - sizeof fr) & ~15u) - 4;
        fr.sig = sig;
        fill_sigcontext(&fr.sc, f, frame_mask, fp);
        fr.extramask = (uint32_t)(frame_mask >> 32);
        memcpy(fr.retcode, old_code, 8);
        fr.pretcode = (a->flags & SA_RESTORER) ? a->restorer : at + __builtin_offsetof(struct old_frame, retcode);
        if (copy_to_user(at, &fr, sizeof fr))
            return -EFAULT;
        f->user_esp = at;
        f->eax = (uint32_t)sig;
        f->edx = f->ecx = 0;
    }
    f->eip = a->handler;
    f->eflags &= ~(0x100u | 0x400u); /* TF, DF */
    f->cs = user_cs;
    f->user_ss = user_ds;
    f->ds = f->es = user_ds;
    return 0;
}

void signal_deliver(struct trap_frame *f)
{
    struct task *t = current;
    int sig;
    while ((sig = sig_next_deliverable(t->sig_pending, t->sig_blocked))) {
        t->sig_pending &= ~BIT(sig);
        struct linux_sigaction *a = &t->sig_act[sig];
        if (sig != SIGKILL && a->handler == SIG_IGN)
            continue;
        if (sig == SIGKILL || a->handler == SIG_DFL) {
            if (sig != SIGKILL && (sig_default_ignored(sig) || sig_default_stops(sig)))
                continue; /* no job-control stops: a stop signal is ignored */
            do_exit(sig); /* wait status: terminated by sig */
        }
        struct linux_sigaction act = *a;
        if (setup_frame(f, sig, &act)) {
            do_exit(SIGSEGV); /* no room for the frame */
        }
        uint64_t add = act.mask | ((act.flags & SA_NODEFER) ? 0 : BIT(sig));
        t->sig_blocked = sigmask_fix(t->sig_blocked | add);
        t->has_saved_mask = 0; /* the frame holds it now */
        if (act.flags & SA_RESETHAND) {
            a->handler = SIG_DFL;
            a->flags &= ~SA_SIGINFO;
        }
        return; /* one handler per return; the rest follow at the next return */
    }
}

long sys_sigreturn_common(struct trap_frame *f, int rt)
{
    struct task *t = current;
    struct sigcontext32 sc;
    uint64_t mask;
    if (rt) {
        struct ucontext32 uc;
        if (copy_from_user(&uc, f->user_esp + 140, sizeof uc))
            do_exit(SIGSEGV);
        sc = uc.mc;
        mask = uc.sigmask;
    } else {
        struct old_frame fr;
        if (copy_from_user(&fr, f->user_esp - 8, sizeof fr))
            do_exit(SIGSEGV);
        sc = fr.sc;
        mask = ((uint64_t)fr.extramask << 32) | fr.sc.oldmask;
    }
    t->sig_blocked = sigmask_fix(mask);
    f->edi = sc.edi; f->esi = sc.esi; f->ebp = sc.ebp; f->ebx = sc.ebx;
    f->edx = sc.edx; f->ecx = sc.ecx; f->eax = sc.eax;
    f->eip = sc.eip;
    f->user_esp = sc.esp;
    f->eflags = (f->eflags & ~USER_EFLAGS) | (sc.eflags & USER_EFLAGS) | X86_EFLAGS_IF;
    f->eflags &= ~0x3000u; /* IOPL 0 */
    f->cs = user_cs;
    f->user_ss = user_ds;
    f->ds = sane_data_sel(sc.ds) ? sane_data_sel(sc.ds) : user_ds;
    f->es = sane_data_sel(sc.es) ? sane_data_sel(sc.es) : user_ds;
    f->fs = sane_data_sel(sc.fs);
    f->gs = sane_data_sel(sc.gs);
    if (sc.fpstate) {
        static uint8_t buf[512] __attribute__((aligned(16)));
        if (copy_from_user(buf, sc.fpstate, 512))
            do_exit(SIGSEGV);
        uint32_t *mxcsr = (uint32_t *)(buf + 24);
        *mxcsr &= 0xffbfu; /* reserved bits set would make fxrstor fault in the kernel */
        fpu_restore(buf);
    }
    return (long)f->eax;
}
