/* Exception and interrupt dispatch, and the fatal-exception register dump.
 *
 * Invariants:
 *  - Every vector has a defined outcome: a registered handler that returns 1, or the dump
 *    below followed by power_off(failure). An unexpected trap never returns silently.
 *  - The dump's first line has a fixed format the system tests match:
 *      KERNEL PANIC: exception 14 (#PF) error=0x00000002 at eip=0xc01234ab
 *    followed by CR2=... for #PF only, then the registers. */
#include <stdint.h>
#include <stdarg.h>
#include <lib/format.h>
#include "trap.h"
#include "printk.h"
#include "pv/pvops.h"
#include "desc.h"
#include "proc.h" /* H9: user-mode trap hooks */
#include "vm86.h"
#include "klock.h"

static trap_handler_fn handlers[256];
int traps_installed;

static const char *const names[NR_EXCEPTIONS] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#MP", "#TS", "#NP", "#SS",
    "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23", "#24", "#25",
    "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

const char *exception_name(unsigned vector)
{
    return vector < NR_EXCEPTIONS ? names[vector] : "IRQ";
}

trap_handler_fn trap_set_handler(unsigned vector, trap_handler_fn fn)
{
    trap_handler_fn old = handlers[vector & 0xff];
    handlers[vector & 0xff] = fn;
    return old;
}

void __attribute__((noreturn)) trap_panic(struct trap_frame *f)
{
    irq_disable();
    int from_other_ring = (f->cs & 3) != (kernel_cs & 3u);
    printk(KERN_EMERG "KERNEL PANIC: exception %u (%s) error=0x%08x at eip=0x%08x\n", f->vector,
           exception_name(f->vector), f->error, f->eip);
    if (f->vector == 14)
        printk(KERN_EMERG "CR2=0x%08x\n", read_cr2());
    printk(KERN_EMERG "EAX=0x%08x EBX=0x%08x ECX=0x%08x EDX=0x%08x\n", f->eax, f->ebx, f->ecx, f->edx);
    printk(KERN_EMERG "ESI=0x%08x EDI=0x%08x EBP=0x%08x ESP=0x%08x\n", f->esi, f->edi, f->ebp,
           from_other_ring ? f->user_esp : (uint32_t)(uintptr_t)&f->user_esp);
    printk(KERN_EMERG "CS=0x%04x DS=0x%04x ES=0x%04x FS=0x%04x GS=0x%04x EFLAGS=0x%08x\n",
           f->cs & 0xffff, f->ds & 0xffff, f->es & 0xffff, f->fs & 0xffff, f->gs & 0xffff, f->eflags);
    if (from_other_ring)
        printk(KERN_EMERG "SS=0x%04x (trap from ring %u)\n", f->user_ss & 0xffff, f->cs & 3);
    power_off(1);
}

/* Where ring-3 code enters the kernel. The big kernel lock (klock.h) is taken on every entry
 * from ring 3 (or virtual-8086 mode) and released right before the return; entries from kernel
 * mode (an exception in the kernel, an interrupt in the idle halt) neither take nor release
 * it. */
static int from_user(const struct trap_frame *f) { return (f->cs & 3) == 3 || vm86_mode(f); }

void trap_dispatch(struct trap_frame *f)
{
    trap_handler_fn h = handlers[f->vector & 0xff];
    int user = from_user(f);
    if (user)
        klock_acquire();
    /* Issue 11: a trap from virtual-8086 mode (EFLAGS.VM: its frame has the real-mode segments
     * on top and cs is no ring-3 selector) belongs to the vm86 monitor, which returns only to
     * resume the 16-bit code. A stub that compiles away with CONFIG_VM86=n. */
    if (vm86_mode(f)) {
        vm86_trap(f, h);
        klock_release();
        return;
    }
    /* H9 (processes): an exception raised in ring 3 becomes a signal for that process
     * (proc_user_exception); before any return to ring 3, pending signals are delivered and an
     * expired time slice is given up (proc_return_to_user). */
    if ((h && h(f)) || (user && proc_user_exception(f))) {
        if (user) {
            proc_return_to_user(f);
            klock_release();
        }
        iret_prepare(f->eflags);
        return;
    }
    trap_panic(f);
}

void __attribute__((noreturn)) panic(const char *fmt, ...)
{
    char buf[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    irq_disable();
    printk(KERN_EMERG "KERNEL PANIC: %s\n", buf);
    power_off(1);
}
