/* The last C code on every exit to a guest (entry.S ret_from_trap calls return_to_guest()).
 *
 * Order matters: first the state that decides *where* the guest resumes is settled (H8's event
 * upcall may push a bounce frame, which needs the vcpu's LDT for a stack selector in it), then
 * the hardware state the guest's selectors will be reloaded against (LDTR) is made current.
 * Invariant: nothing here may leave regs pointing into Moat; every change goes through
 * guest_bounce(), which checks.
 *
 * H8 (issue 6, events) extends return_to_guest_check(): it is a weak default here. */
#include <stdint.h>
#include "domain.h"
#include "bounce.h"
#include "console.h"
#include "smp.h"

void ldt_load_current(struct vcpu *v);    /* segments.c */
void fpu_return_check(struct vcpu *v);    /* fpu.c */
void idt_int80_switch(struct vcpu *v);    /* idt.c */

__attribute__((weak)) void return_to_guest_check(struct vcpu *v, struct cpu_user_regs *regs)
{
    (void)v;
    (void)regs;
}

/* The vcpu each CPU last returned to: fs/gs hold its selectors (and cached descriptors). */
static const struct vcpu *last_vcpu[MOAT_MAX_CPUS];

/* entry.S: regs is the guest frame about to be reloaded (guest_mode(regs) is true). Returns 1
 * when entry.S must reload fs/gs even if the frame's selectors equal the CPU's (another vcpu's
 * cached descriptors are loaded). */
int return_to_guest(struct cpu_user_regs *regs)
{
    struct vcpu *v = current_vcpu();
    if (v->domain->state != DOM_RUNNING)
        panic("return to domain %u, which is shut down: no scheduler yet", v->domain->domid);
    return_to_guest_check(v, regs);
    if (v->domain->state != DOM_RUNNING)
        panic("return to domain %u, which is shut down: no scheduler yet", v->domain->domid);
    ldt_load_current(v);
    fpu_return_check(v);
    idt_int80_switch(v);
    unsigned cpu = this_cpu()->id;
    int switched = last_vcpu[cpu] != v;
    last_vcpu[cpu] = v;
    smp_exit_to_guest();        /* SMP (smp.c): drop the hypervisor lock; nothing with one CPU */
    return switched;
}
