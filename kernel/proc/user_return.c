/* What happens between a trap taken in ring 3 and the iret back: preemption when the time
 * slice is used up - or the CPU is going offline: its IPI marks the slice used up
 * (smp_count_ipi), so the task goes back to the table and another CPU runs it, which is how
 * hotplug migrates tasks - and signal delivery. Also the policy for exceptions raised by user code:
 * they become signals for the process, never a kernel panic. Called from cpu/traps.c. */
#include <stdint.h>
#include "proc.h"
#include "boot.h"
#include "printk.h"
#include "pv/pvops.h"

void proc_return_to_user(struct trap_frame *f)
{
    struct task *t = current;
    if (!t || f != user_frame(t))
        return;
    if ((int32_t)(jiffies - t->slice_start) >= TIME_SLICE_TICKS) /* or its CPU goes offline */
        yield();
    if (signal_pending(t))
        signal_deliver(f);
    if (t->has_saved_mask) { /* rt_sigsuspend woken by a signal that ran no handler */
        t->sig_blocked = t->sig_saved;
        t->has_saved_mask = 0;
    }
}

int proc_user_exception(struct trap_frame *f)
{
    struct task *t = current;
    if (!t || f != user_frame(t) || f->vector >= NR_EXCEPTIONS)
        return 0;
    int sig;
    switch (f->vector) {
    case 0: case 16: case 19: sig = SIGFPE; break;
    case 1: case 3: sig = SIGTRAP; break;
    case 4: case 5: case 13: case 10: case 11: case 12: case 14: sig = SIGSEGV; break;
    case 6: sig = SIGILL; break;
    case 7: sig = SIGFPE; break;
    case 17: sig = SIGBUS; break;
    default: sig = SIGSEGV; break;
    }
    t->fault_addr = f->vector == 14 ? read_cr2() : f->eip;
    t->fault_code = f->vector == 13 ? 0x80 /* SI_KERNEL, as Linux reports #GP */ : 1;
    printk(KERN_DEBUG "pid %d (%s): exception %u at eip 0x%08x -> signal %d\n", t->pid, t->name,
           f->vector, f->eip, sig);
    force_signal(sig);
    return 1;
}
