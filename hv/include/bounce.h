/* Delivering an exception, an event upcall or the failsafe callback to a PV guest: the
 * "bounce frame" (Xen x86_32 / 4.17 compat create_bounce_frame semantics).
 *
 * Frame pushed on the guest kernel stack, from the lowest address up:
 *     [ds es fs gs]          TBF_FAILSAFE only (the selectors that failed to load)
 *     [error_code]           TBF_EXCEPTION_ERRCODE only
 *     eip
 *     cs | saved_upcall_mask << 16
 *     eflags                 IF = !saved_upcall_mask, IOPL = the virtual IOPL
 *     [esp ss]               only when the interrupted context was ring 2/3: the frame is
 *                            then on the kernel stack from stack_switch (kernel_ss:kernel_sp)
 * and the next return to the guest enters cs:eip in ring (cs & 3) on that stack with TF, NT, RF
 * and VM cleared. TBF_INTERRUPT sets vcpu_info->evtchn_upcall_mask (events masked) after the
 * old value was saved in the frame; the guest's iret (hypercall) restores it. TBF_FAILSAFE also
 * nulls the data-segment selectors in regs, so the reload on the way out cannot fail again.
 *
 * A frame that cannot be written (no kernel stack, a stack below its own frame size, a stack
 * reaching Moat's area, an unmapped or read-only stack page, a handler inside Moat's area, a
 * null handler selector) crashes the domain with the reason and returns -1; 0 on success.
 * After -1, the caller must not return to the guest (the domain is shut down). */
#ifndef MOAT_BOUNCE_H
#define MOAT_BOUNCE_H
#include <stdint.h>
#include <xen/xen.h>

struct vcpu;

#define TBF_EXCEPTION         0x01u
#define TBF_EXCEPTION_ERRCODE 0x02u
#define TBF_INTERRUPT         0x08u
#define TBF_FAILSAFE          0x10u

int guest_bounce(struct vcpu *v, struct cpu_user_regs *regs, uint16_t cs, uint32_t eip,
                 unsigned flags, uint32_t error_code);

/* Deliver exception `vector` through the guest's trap table (set_trap_table); crashes the
 * domain (with a register dump) when the guest has no handler for it. has_ec: push error_code. */
int guest_inject_exception(struct vcpu *v, struct cpu_user_regs *regs, unsigned vector,
                           int has_ec, uint32_t error_code);

/* Called on every exit to a guest (entry.S ret_from_trap, after all C work and before the
 * guest's registers are reloaded), with interrupts off. Issue 5's part (return_hooks.c) loads
 * the vcpu's LDT; H8's event code adds the upcall delivery there. */
void return_to_guest_check(struct vcpu *v, struct cpu_user_regs *regs);

/* Segment lookup used by the bounce (segments.c): the descriptor that `sel` names for v, as
 * the CPU would find it (GDT incl. Moat's reserved entries, or the LDT). 0, or -1 for a null
 * selector or an index out of range. */
int guest_descriptor(struct vcpu *v, uint16_t sel, uint64_t *desc);

/* What the exception path (traps.c) asks of the rest of issue 5 before bouncing: */
int emulate_privileged(struct vcpu *v, struct cpu_user_regs *r);      /* emulate.c: 1 = done */
int emulate_cpuid_prefix(struct vcpu *v, struct cpu_user_regs *r);    /* emulate.c: #UD */
void fpu_device_not_available(struct vcpu *v, struct cpu_user_regs *r);   /* fpu.c: #NM */
#endif
