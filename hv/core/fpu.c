/* The guest's FPU: virtual CR0.TS (fpu_taskswitch, clts, mov to/from cr0) and lazy switching of
 * the FPU/SSE register state between vcpus.
 *
 * Moat itself never touches the FPU (it is built -mgeneral-regs-only), so the registers only
 * ever hold some vcpu's state: this CPU's fpu_owner. Invariants:
 *   - the real CR0.TS is clear only while the running vcpu owns the registers AND its virtual
 *     TS is clear (fpu_return_check enforces it on every exit to the guest): the guest can
 *     therefore never execute an FPU instruction on another vcpu's state, nor miss the #NM its
 *     own virtual TS asks for;
 *   - #NM from a guest first makes the registers the vcpu's (save the previous owner, restore
 *     or initialise this one), then, if the vcpu's virtual TS was set, clears it and bounces
 *     #NM to the guest, as Xen 4.17 does: the guest's handler then sees a usable FPU.
 * Xen 4.17 semantics for fpu_taskswitch: set -> virtual TS and real TS set; clear -> virtual
 * TS clear, real TS cleared only if the vcpu's state is loaded (otherwise the next use faults
 * and is restored lazily, invisibly to the guest). */
#include <stdint.h>
#include "domain.h"
#include "bounce.h"
#include "x86.h"

static struct vcpu *fpu_owner[MOAT_MAX_CPUS];
static int cpu_has_fxsr = -1;

static int have_fxsr(void)
{
    if (cpu_has_fxsr < 0)
        cpu_has_fxsr = (read_cr4() & X86_CR4_OSFXSR) != 0;
    return cpu_has_fxsr;
}

static void clts(void) { asm volatile("clts" ::: "memory"); }
static void stts(void) { write_cr0(read_cr0() | X86_CR0_TS); }

static void fpu_save(struct vcpu *v)
{
    if (have_fxsr())
        asm volatile("fxsave %0" : "=m"(v->pv.fxsave));
    else
        asm volatile("fnsave %0; fwait" : "=m"(v->pv.fxsave));
}

static void fpu_restore(struct vcpu *v)
{
    if (have_fxsr())
        asm volatile("fxrstor %0" :: "m"(v->pv.fxsave));
    else
        asm volatile("frstor %0" :: "m"(v->pv.fxsave));
}

/* Make the FPU registers v's (real TS is left clear). */
static void fpu_make_current(struct vcpu *v)
{
    struct vcpu **owner = &fpu_owner[this_cpu()->id];
    clts();
    if (*owner == v)
        return;
    if (*owner)
        fpu_save(*owner);
    if (v->pv.fpu_initialised) {
        fpu_restore(v);
    } else {
        /* a fresh FPU as the CPU's reset/FNINIT state; MXCSR default 0x1f80 */
        uint32_t mxcsr = 0x1f80;
        asm volatile("fninit");
        if (have_fxsr())
            asm volatile("ldmxcsr %0" :: "m"(mxcsr));
        v->pv.fpu_initialised = 1;
    }
    *owner = v;
}

/* #NM from the guest. */
void fpu_device_not_available(struct vcpu *v, struct cpu_user_regs *regs)
{
    fpu_make_current(v);
    if (v->pv.cr0_ts) {
        v->pv.cr0_ts = 0;
        guest_inject_exception(v, regs, 7, 0, 0);
    }
}

/* fpu_taskswitch(set), clts (set = 0) and mov to cr0 with only TS changed. */
void fpu_set_virtual_ts(struct vcpu *v, int set)
{
    if (set) {
        v->pv.cr0_ts = X86_CR0_TS;
        stts();
    } else {
        v->pv.cr0_ts = 0;
        if (fpu_owner[this_cpu()->id] == v)
            clts();
    }
}

long do_fpu_taskswitch(uint32_t set)
{
    fpu_set_virtual_ts(current_vcpu(), set != 0);
    return 0;
}

/* The guest's view of CR0: the real one with its own TS. */
uint32_t fpu_guest_cr0(struct vcpu *v)
{
    return (read_cr0() & ~X86_CR0_TS) | v->pv.cr0_ts;
}

/* Every exit to the guest (return_hooks.c): real TS as the invariant says. */
void fpu_return_check(struct vcpu *v)
{
    int want_ts = fpu_owner[this_cpu()->id] != v || v->pv.cr0_ts;
    uint32_t cr0 = read_cr0();
    if (want_ts && !(cr0 & X86_CR0_TS))
        write_cr0(cr0 | X86_CR0_TS);
    else if (!want_ts && (cr0 & X86_CR0_TS))
        clts();
}
