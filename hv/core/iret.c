/* HYPERVISOR_iret: return from a bounce frame atomically with the event mask.
 *
 * The hypercall page's iret stub pushes eax and traps; the guest stack then holds, from its
 * current esp up, struct iret_context of <xen/arch-x86/xen-x86_32.h>:
 *     eax, eip, cs, eflags, [esp, ss when returning to ring 2/3]
 * As Xen 4.17 (compat_iret):
 *   - an unreadable frame crashes the domain;
 *   - EFLAGS: IOPL is never taken from the frame (it is the virtual IOPL, or with
 *     VMASST_TYPE_architectural_iopl the frame's IOPL becomes the virtual IOPL); the real IF is
 *     always 1; the upcall mask becomes !(frame EFLAGS.IF);
 *   - a frame asking for VM86 mode (EFLAGS.VM) is refused: Moat delivers #GP to the guest at
 *     the iret instead of returning (Xen moves the frame and injects #GP; the guest sees a #GP
 *     either way, Moat's frame is the simpler one: the current context);
 *   - a frame with a ring-0 CS crashes the domain (it would otherwise let guest code run in
 *     ring 0: this is the rule the iret path exists to enforce);
 *   - ring 1: esp moves past the 16-byte frame; ring 2/3: ss:esp come from the frame.
 * The restored context is loaded by the normal exit path; a CS/SS the CPU refuses there (bad
 * descriptor) enters the failsafe callback (traps.c guest_iret_failed). */
#include <stdint.h>
#include <xen/xen.h>
#include "domain.h"
#include "bounce.h"
#include "uaccess.h"
#include "moat_errno.h"
#include "x86.h"

#ifndef VMASST_TYPE_architectural_iopl
#define VMASST_TYPE_architectural_iopl 4
#endif

long do_iret(void)
{
    struct cpu *c = this_cpu();
    struct cpu_user_regs *regs = c->hc_regs;
    struct vcpu *v = current_vcpu();
    struct domain *d = v->domain;
    uint32_t f[6];

    if (!regs)
        return -EINVAL;              /* not from the trap path (e.g. inside a multicall) */
    if (copy_from_guest(f, regs->esp, 16)) {
        domain_crash(d, "iret: cannot read the iret frame at esp=%#x", regs->esp);
        return 0;
    }
    uint32_t eflags = f[3];
    regs->eax = f[0];                /* as Xen: eax is restored before anything is refused */
    if (eflags & X86_EFLAGS_VM) {
        guest_inject_exception(v, regs, 13, 1, 0);
        return (long)regs->eax;
    }
    if ((f[2] & 3) == 0) {
        domain_crash(d, "iret: frame returns to ring 0 (cs=%#x eip=%#x)", f[2] & 0xFFFF, f[1]);
        return 0;
    }
    uint32_t esp = regs->esp + 16, ss = regs->ss;
    if ((f[2] & 3) != 1) {
        if (copy_from_guest(&f[4], regs->esp + 16, 8)) {
            domain_crash(d, "iret: cannot read the ring-3 part of the frame at esp=%#x", regs->esp);
            return 0;
        }
        esp = f[4];
        ss = f[5] & 0xFFFF;
    }
    if (d->vm_assist & (1ul << VMASST_TYPE_architectural_iopl))
        v->pv.iopl = eflags & X86_EFLAGS_IOPL;
    if (v->vcpu_info)
        v->vcpu_info->evtchn_upcall_mask = !(eflags & X86_EFLAGS_IF);
    regs->eax = f[0];
    regs->eip = f[1];
    regs->cs = (uint16_t)f[2];
    regs->saved_upcall_mask = 0;
    regs->_pad0 = 0;
    regs->eflags = (eflags & ~X86_EFLAGS_IOPL) | X86_EFLAGS_IF;
    regs->esp = esp;
    regs->ss = (uint16_t)ss;
    return (long)regs->eax;          /* the dispatcher stores it in eax: the restored value */
}
