/* Where every IDT entry lands (entry.S -> trap_entry).
 *
 *   int $0x82 from ring 1          -> the hypercall dispatcher
 *   PIC vectors 0x20-0x2f          -> irq_dispatch (pic.c): the PIT timer, COM1 receive;
 *                                     other lines stay masked
 *   exception in ring 0 (Moat)     -> a fixup if the instruction is in the exception table
 *                                     (guest copies, guest segment reloads), else a panic
 *                                     with a register dump
 *   exception in ring 1/3 (guest)  -> Moat's emulation (PV CPUID prefix, privileged
 *                                     instructions, software int n, lazy FPU), else bounced
 *                                     to the guest's handler (set_trap_table), else the
 *                                     domain crashes with a dump
 *   a failed reload on the way out -> the guest's failsafe callback, else a domain crash
 * Nothing a guest does reaches the panic path: every guest-mode entry ends in the dispatcher,
 * the emulator or domain_crash(). */
#include <stdint.h>
#include <lib/string.h>
#include "cpu.h"
#include "domain.h"
#include "console.h"
#include "extable.h"
#include "uaccess.h"
#include "selectors.h"
#include "hypercall.h"
#include "cpuid_policy.h"
#include "pmem.h"
#include "x86.h"
#include "bounce.h"
#include "stats.h"

void irq_dispatch(unsigned vector);

/* entry.S hard-codes these offsets of struct cpu_user_regs */
#include <stddef.h>
_Static_assert(offsetof(struct cpu_user_regs, eax) == 24 && offsetof(struct cpu_user_regs, error_code) == 28 &&
               offsetof(struct cpu_user_regs, entry_vector) == 30 && offsetof(struct cpu_user_regs, eip) == 32 &&
               offsetof(struct cpu_user_regs, cs) == 36 && offsetof(struct cpu_user_regs, eflags) == 40 &&
               offsetof(struct cpu_user_regs, esp) == 44 && offsetof(struct cpu_user_regs, ss) == 48 &&
               offsetof(struct cpu_user_regs, es) == 52 && offsetof(struct cpu_user_regs, ds) == 56 &&
               offsetof(struct cpu_user_regs, fs) == 60 && offsetof(struct cpu_user_regs, gs) == 64 &&
               sizeof(struct cpu_user_regs) == 68, "entry.S frame layout");

static const char *const vector_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#MF(coproc)", "#TS", "#NP",
    "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23", "#24",
    "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

static const char *vector_name(unsigned v)
{
    return v < 32 ? vector_names[v] : "interrupt";
}

void dump_regs(const struct cpu_user_regs *r)
{
    con_printf("EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", r->eax, r->ebx, r->ecx, r->edx);
    con_printf("ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", r->esi, r->edi, r->ebp,
               guest_mode(r) ? r->esp : (uint32_t)&r->esp);
    con_printf("EIP=%08x CS=%04x EFLAGS=%08x error=%04x vector=%u\n", r->eip, r->cs, r->eflags,
               r->error_code, r->entry_vector);
    if (guest_mode(r))
        con_printf("SS=%04x DS=%04x ES=%04x FS=%04x GS=%04x\n", r->ss, r->ds, r->es, r->fs, r->gs);
    con_printf("CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

void guest_code_dump(const struct cpu_user_regs *r)
{
    uint8_t code[16];
    if (copy_from_guest(code, r->eip, sizeof(code)) == 0) {
        con_printf("code at eip:");
        for (unsigned i = 0; i < sizeof(code); i++)
            con_printf(" %02x", code[i]);
        con_printf("\n");
    }
}

static void moat_fault(struct cpu_user_regs *r)
{
    unsigned v = r->entry_vector;
    /* #TS/#NP/#SS/#GP/#PF: a guest selector or iret frame Moat reloads on exit, or a guest
     * copy, can raise any of these in ring 0 */
    if (v >= 10 && v <= 14) {
        uint32_t fix = extable_lookup(r->eip);
        if (fix) {
            r->eip = fix;
            return;
        }
    }
    asm volatile("cli");
    con_printf("moat: PANIC: %s in Moat at eip=%#x", vector_name(v), r->eip);
    if (v == 14)
        con_printf(" cr2=%#x", read_cr2());
    con_printf(" error=%#x\n", r->error_code);
    dump_regs(r);
    panic("fault in the hypervisor");
}

#define HAS_ERRCODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

/* An exception raised by guest code (ring 1 or 3): Moat's own business first (the PV CPUID
 * prefix, privileged-instruction emulation, software interrupts, lazy FPU), then the guest's
 * handler from its trap table (bounce.h), else the domain is crashed with a dump. */
static void guest_exception(struct cpu_user_regs *r)
{
    struct vcpu *v = current_vcpu();
    struct domain *d = v->domain;
    unsigned vec = r->entry_vector;
    stats_exception(v);
    switch (vec) {
    case 2:                                  /* NMI: a machine event, not the guest's */
        log_warn("NMI while domain %u ran (ignored)\n", d->domid);
        return;
    case 6:
        if (emulate_cpuid_prefix(v, r)) {
            stats_emulated(v);
            return;
        }
        break;
    case 7:
        fpu_device_not_available(v, r);
        return;
    case 8: case 18:                         /* double fault / machine check: Moat's problem */
        moat_fault(r);
        return;
    case 13:
        if ((r->error_code & 3) == 2) {
            /* `int n` through a gate whose DPL the guest's ring does not meet: deliver to the
             * guest's handler for n if *its* DPL allows (Xen's permit_softint) */
            unsigned n = r->error_code >> 3;
            const struct trap_info *ti = &v->pv.trap_ctxt[n & 0xFF];
            unsigned ring = (r->cs & 3) == 1 ? 1 : 3;
            if (n < 256 && ti->address && TI_GET_DPL(ti) >= ring) {
                r->eip += 2;
                if (guest_bounce(v, r, ti->cs, ti->address, TI_GET_IF(ti) ? TBF_INTERRUPT : 0, 0) == 0)
                    stats_exception_bounced(v);
                return;
            }
        } else if (r->error_code == 0 && emulate_privileged(v, r)) {
            stats_emulated(v);
            return;
        }
        break;
    case 14:
        if (v->vcpu_info)
            v->vcpu_info->arch.cr2 = read_cr2();
        break;
    default:
        break;
    }
    if (vec < 32 && v->pv.trap_ctxt[vec].address) {
        if (guest_inject_exception(v, r, vec, HAS_ERRCODE(vec), r->error_code) == 0)
            stats_exception_bounced(v);
        return;
    }
    if (vec == 14)
        domain_crash_regs(d, r, "%s in ring %u at eip=%#x cr2=%#x error=%#x (no guest handler)",
                          vector_name(vec), r->cs & 3, r->eip, read_cr2(), r->error_code);
    else
        domain_crash_regs(d, r, "%s in ring %u at eip=%#x error=%#x (no guest handler)",
                          vector_name(vec), r->cs & 3, r->eip, r->error_code);
}

void trap_entry(struct cpu_user_regs *r)
{
    unsigned v = r->entry_vector;
    if (guest_mode(r))
        current_vcpu()->pv.failsafe_nesting = 0;   /* the guest ran: not a failsafe loop */
    if (v == MOAT_HYPERCALL_VECTOR && guest_mode(r)) {
        hypercall_dispatch(r);
        /* A domain that shut down must never be resumed. domain_shutdown() only returns while
         * another domain still runs, and Moat builds only domain 0 so far: when a second
         * domain exists, this is where the scheduler picks the next vcpu. */
        if (current_domain()->state != DOM_RUNNING)
            panic("domain %u shut down but another domain runs: no scheduler yet",
                  current_domain()->domid);
        return;
    }
    if (v >= MOAT_IRQ_BASE && v < MOAT_IRQ_BASE + 16) {
        irq_dispatch(v);        /* pic.c: timer, serial RX */
        return;
    }
    if (!guest_mode(r)) {
        moat_fault(r);
        return;
    }
    if (v >= 32) {
        /* only vectors whose gate DPL lets a guest `int n` (3, 4, 0x82) get here from a
         * guest; anything else is a #GP delivered through vector 13. */
        domain_crash_regs(current_domain(), r, "unexpected vector %u", v);
        return;
    }
    guest_exception(r);
}

/* The failsafe callback (xen-x86_32.h): entered when Moat cannot reload the guest's context on
 * the way out. The frame carries the data selectors as they were (ds es fs gs, then the
 * exception frame) and the selectors are nulled so the reload cannot fail again. Without a
 * failsafe callback, or when the failsafe entry itself keeps failing, the domain is crashed
 * with the reason. */
#define FAILSAFE_MAX_NESTING 4

static void enter_failsafe(struct cpu_user_regs *r, const char *what)
{
    struct vcpu *v = current_vcpu();
    struct domain *d = v->domain;
    if (v->pv.failsafe_cb.cs == 0 || v->pv.failsafe_cb.eip == 0) {
        domain_crash_regs(d, r, "%s (ds=%#x es=%#x fs=%#x gs=%#x cs=%#x ss=%#x) and no failsafe callback",
                          what, r->ds, r->es, r->fs, r->gs, r->cs, r->ss);
        return;
    }
    if (++v->pv.failsafe_nesting > FAILSAFE_MAX_NESTING) {
        domain_crash_regs(d, r, "%s again inside the failsafe callback at %#x:%#x", what,
                          v->pv.failsafe_cb.cs, v->pv.failsafe_cb.eip);
        return;
    }
    log_debug("domain %u: %s: entering the failsafe callback\n", d->domid, what);
    unsigned flags = TBF_FAILSAFE | ((v->pv.cb_flags & PV_CB_FAILSAFE_MASK) ? TBF_INTERRUPT : 0);
    guest_bounce(v, r, v->pv.failsafe_cb.cs, v->pv.failsafe_cb.eip, flags, 0);
}

/* entry.S: restoring a guest data segment on the way out faulted; returns to ret_from_trap. */
void guest_segment_reload_failed(struct cpu_user_regs *r)
{
    enter_failsafe(r, "segment reload failed on exit");
    if (current_domain()->state != DOM_RUNNING)
        panic("domain %u crashed but another domain runs: no scheduler yet", current_domain()->domid);
}

/* entry.S: the CPU refused the guest's iret frame (cs/ss/eip); returns to ret_from_trap. */
void guest_iret_failed(struct cpu_user_regs *r)
{
    r->error_code = 0;
    r->entry_vector = 0;
    enter_failsafe(r, "bad iret frame");
    if (current_domain()->state != DOM_RUNNING)
        panic("domain %u crashed but another domain runs: no scheduler yet", current_domain()->domid);
}
