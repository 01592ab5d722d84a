/* Guest traps: the bounce frame, the virtual IDT (set_trap_table), the ring-1 stack for ring-3
 * entries (stack_switch) and the int $0x80 direct gate.
 *
 * Invariants:
 *   - a bounce never writes to Moat's area: the frame's linear range is checked with
 *     guest_range_ok() and written with copy_to_guest() (faults -> domain crash, not panic);
 *   - a bounce never enters ring 0 or Moat's area: handler selectors have RPL >= 1 (fixed up at
 *     registration as Xen does, re-checked here), handler addresses are below
 *     HYPERVISOR_VIRT_START, and the descriptor's DPL is checked by the CPU's iret (DPL must
 *     equal RPL for an outer-level return), whose failure is the failsafe path;
 *   - the int $0x80 gate in Moat's IDT is DPL 3 and targets a guest selector only if that
 *     selector is known to name a DPL-1/DPL-3 code segment (the flat guest selectors, or a guest
 *     GDT/LDT entry, which descriptor.c never lets be DPL 0); otherwise it stays a DPL-0 gate
 *     into Moat, and a guest `int $0x80` arrives as #GP and is bounced like any software int;
 *   - stack_switch raises RPL 0 to 1 (as Xen): the TSS ss1 the CPU loads on a ring-3 -> ring-1
 *     transition must have RPL == DPL == 1, so it can never name a ring-0 segment. */
#include <stdint.h>
#include <lib/string.h>
#include <xen/xen.h>
#include "domain.h"
#include "hypercall.h"
#include "bounce.h"
#include "uaccess.h"
#include "moat_errno.h"
#include "selectors.h"
#include "console.h"
#include "x86.h"

#define X86_EFLAGS_TF 0x00000100u
#define X86_EFLAGS_RF 0x00010000u

void idt_set_int80(struct vcpu *v);   /* idt.c */

/* Xen's fixup_guest_code_selector / fixup_guest_stack_selector for a ring-1 kernel. */
static uint16_t fixup_rpl(uint16_t sel)
{
    return (sel & 3) == 0 ? (uint16_t)(sel | 1) : sel;
}

static int seg_base(struct vcpu *v, uint16_t sel, uint32_t *base)
{
    uint64_t d;
    if (guest_descriptor(v, sel, &d))
        return -1;
    *base = (uint32_t)((d >> 16) & 0xFFFFFFu) | (uint32_t)((d >> 56) << 24);
    return 0;
}

int guest_bounce(struct vcpu *v, struct cpu_user_regs *regs, uint16_t cs, uint32_t eip,
                 unsigned flags, uint32_t error_code)
{
    struct domain *d = v->domain;
    uint32_t frame[11];
    unsigned n = 0;                     /* words, filled from the top of the frame down */
    int from_outer = (regs->cs & 2) != 0;
    uint16_t ss;
    uint32_t esp;

    if ((cs & ~3u) == 0 || (cs & 3) == 0) {
        domain_crash_regs(d, regs, "bounce to a null or ring-0 selector %#x", cs);
        return -1;
    }
    if (eip >= HYPERVISOR_VIRT_START) {
        domain_crash_regs(d, regs, "bounce to %#x:%#x inside Moat's area", cs, eip);
        return -1;
    }
    if (from_outer) {
        if ((v->kernel_ss & ~3u) == 0) {
            domain_crash_regs(d, regs, "trap from ring 3 but no kernel stack (stack_switch)");
            return -1;
        }
        ss = (uint16_t)v->kernel_ss;
        esp = v->kernel_sp;
        frame[10 - n++] = regs->ss;
        frame[10 - n++] = regs->esp;
    } else {
        ss = regs->ss;
        esp = regs->esp;
    }
    uint8_t mask = v->vcpu_info ? v->vcpu_info->evtchn_upcall_mask : 1;
    uint32_t eflags = (regs->eflags & ~(X86_EFLAGS_IF | X86_EFLAGS_IOPL)) |
                      (mask ? 0 : X86_EFLAGS_IF) | v->pv.iopl;
    frame[10 - n++] = eflags;
    frame[10 - n++] = (uint32_t)regs->cs | ((uint32_t)mask << 16);
    frame[10 - n++] = regs->eip;
    if (flags & TBF_EXCEPTION_ERRCODE)
        frame[10 - n++] = error_code;
    if (flags & TBF_FAILSAFE) {
        frame[10 - n++] = regs->gs;
        frame[10 - n++] = regs->fs;
        frame[10 - n++] = regs->es;
        frame[10 - n++] = regs->ds;
    }
    uint32_t size = n * 4, base;
    if (seg_base(v, ss, &base)) {
        domain_crash_regs(d, regs, "bounce: unusable stack selector %#x", ss);
        return -1;
    }
    if (esp < size) {
        domain_crash_regs(d, regs, "bounce: guest stack %#x:%#x too low for a %u-byte frame", ss,
                          esp, size);
        return -1;
    }
    uint32_t lin = base + (esp - size);
    if (copy_to_guest(lin, &frame[11 - n], size)) {
        domain_crash_regs(d, regs, "bounce: cannot write the %u-byte frame at %#x (ss:esp %#x:%#x)",
                          size, lin, ss, esp);
        return -1;
    }
    if ((flags & TBF_INTERRUPT) && v->vcpu_info)
        v->vcpu_info->evtchn_upcall_mask = 1;
    regs->eflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF | X86_EFLAGS_VM);
    regs->ss = ss;
    regs->esp = esp - size;
    regs->cs = cs;
    regs->saved_upcall_mask = 0;
    regs->_pad0 = 0;
    regs->eip = eip;
    if (flags & TBF_FAILSAFE)
        regs->ds = regs->es = regs->fs = regs->gs = 0;
    return 0;
}

int guest_inject_exception(struct vcpu *v, struct cpu_user_regs *regs, unsigned vector,
                           int has_ec, uint32_t error_code)
{
    const struct trap_info *ti = &v->pv.trap_ctxt[vector & 0xFF];
    if (ti->address == 0) {
        domain_crash_regs(v->domain, regs, "exception %u in ring %u at eip=%#x error=%#x: no guest handler",
                          vector, regs->cs & 3, regs->eip, error_code);
        return -1;
    }
    unsigned flags = TBF_EXCEPTION | (has_ec ? TBF_EXCEPTION_ERRCODE : 0) |
                     (TI_GET_IF(ti) ? TBF_INTERRUPT : 0);
    return guest_bounce(v, regs, ti->cs, ti->address, flags, error_code);
}

/* ---- set_trap_table ------------------------------------------------------------------------
 * As Xen 4.17 for a 32-bit PV guest: a NULL list clears the whole virtual IDT; otherwise
 * entries are read until one with address 0, each entry replacing trap_ctxt[vector] with its
 * cs RPL raised to 1 when it was 0. Entries before a bad one stay installed (Xen does the
 * same: it processes in order and stops at the first failure).
 * Moat's one addition: a handler address at or above HYPERVISOR_VIRT_START is refused with
 * -EINVAL (Xen 4.17 accepts it and the delivery faults in the guest; Moat keeps its own area
 * out of every guest entry point instead). */
#define TRAP_TABLE_MAX 256u   /* entries per call; a longer list continues */

long do_set_trap_table(uint32_t traps)
{
    struct vcpu *v = current_vcpu();
    struct trap_info cur;

    if (traps == 0) {
        memset(v->pv.trap_ctxt, 0, sizeof(v->pv.trap_ctxt));
        idt_set_int80(v);
        return 0;
    }
    for (unsigned i = 0;; i++) {
        if (i == TRAP_TABLE_MAX) {
            uint32_t args[6] = { traps, 0, 0, 0, 0, 0 };
            return hypercall_continue(__HYPERVISOR_set_trap_table, args);
        }
        if (copy_from_guest(&cur, traps, sizeof(cur)))
            return -EFAULT;
        if (cur.address == 0)
            break;
        if (cur.address >= HYPERVISOR_VIRT_START) {
            log_warn("domain %u: set_trap_table: vector %u handler %#lx is inside Moat's area\n",
                     v->domain->domid, cur.vector, cur.address);
            return -EINVAL;
        }
        cur.cs = fixup_rpl(cur.cs);
        v->pv.trap_ctxt[cur.vector] = cur;
        if (cur.vector == 0x80)
            idt_set_int80(v);
        traps += sizeof(cur);
    }
    return 0;
}

/* ---- stack_switch ----------------------------------------------------------------------- */
long do_stack_switch(uint32_t ss, uint32_t esp)
{
    struct vcpu *v = current_vcpu();
    /* As Xen 4.17: RPL 0 is raised to 1, nothing else is checked. A selector the CPU refuses
     * as ss1 raises #TS on the next ring-3 entry, which arrives in Moat and is bounced through
     * this same (unusable) stack: the domain is crashed, Moat is not touched. */
    uint16_t sel = fixup_rpl((uint16_t)ss);
    v->kernel_ss = sel;
    v->kernel_sp = esp;
    struct cpu *c = this_cpu();
    c->tss.ss1 = sel;
    c->tss.esp1 = esp;
    return 0;
}
