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
#include "smp.h"
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

/* The last fault in Moat that an exception-table fixup absorbed, per CPU. */
static struct { unsigned vector; uint32_t error_code; } fixup_fault[MOAT_MAX_CPUS];

static void moat_fault(struct cpu_user_regs *r)
{
    unsigned v = r->entry_vector;
    /* #TS/#NP/#SS/#GP/#PF: a guest selector or iret frame Moat reloads on exit, or a guest
     * copy, can raise any of these in ring 0 */
    if (v >= 10 && v <= 14) {
        uint32_t fix = extable_lookup(r->eip);
        if (fix) {
            /* the exit path's fixups need to know what the CPU refused (guest_iret_failed) */
            fixup_fault[this_cpu()->id].vector = v;
            fixup_fault[this_cpu()->id].error_code = r->error_code;
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
    smp_trap_enter(r);          /* SMP (smp.c): the hypervisor lock; nothing with one CPU */
    if (guest_mode(r))
        current_vcpu()->pv.exit_failures = 0;   /* the guest ran: not a failsafe loop */
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
    if (v >= SMP_VECTOR_FIRST && smp_active()) {
        smp_interrupt(v);       /* smp.c: IPIs, an AP's local APIC timer (DPL 0: not int n) */
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

/* Restoring the guest's context on the way out failed (entry.S fixups). As Xen 4.17:
 *   - a data selector that no longer loads enters the failsafe callback (callback.h: "when
 *     guest state cannot be restored"), whose frame carries the selectors as they were
 *     (ds es fs gs, then the exception frame); the selectors are nulled so the reload cannot
 *     fail again. Without a failsafe callback the domain is crashed. (Xen reloads data
 *     selectors only on a context switch; Moat reloads them on every exit, so it notices at
 *     the first exit after the descriptor changed.)
 *   - an iret the CPU refuses (a cs/ss/eip in the frame it will not load) is reflected to the
 *     guest as the exception the CPU raised, as if it had happened in the context being
 *     returned to (Xen's "IRET fault appears to occur in guest context"); no handler for it
 *     crashes the domain.
 * A context that keeps failing without the guest running in between (a handler whose own
 * cs is refused, ...) crashes the domain after EXIT_FAILURES_MAX attempts instead of looping. */
#define EXIT_FAILURES_MAX 4

static int too_many_exit_failures(struct vcpu *v, struct cpu_user_regs *r, const char *what)
{
    if (++v->pv.exit_failures <= EXIT_FAILURES_MAX)
        return 0;
    domain_crash_regs(v->domain, r, "%s again and again without the guest running: context cannot be restored",
                      what);
    return 1;
}

/* entry.S: restoring a guest data segment on the way out faulted; returns to ret_from_trap. */
void guest_segment_reload_failed(struct cpu_user_regs *r)
{
    smp_enter_from_guest();     /* after return_to_guest dropped the lock (SMP only) */
    struct vcpu *v = current_vcpu();
    struct domain *d = v->domain;
    if (too_many_exit_failures(v, r, "segment reload failed on exit")) {
    } else if (v->pv.failsafe_cb.cs == 0 || v->pv.failsafe_cb.eip == 0) {
        domain_crash_regs(d, r, "segment reload failed on exit (ds=%#x es=%#x fs=%#x gs=%#x) and no failsafe callback",
                          r->ds, r->es, r->fs, r->gs);
    } else {
        log_debug("domain %u: segment reload failed on exit (ds=%#x es=%#x fs=%#x gs=%#x, %s error %#x) at %#x:%#x: failsafe callback\n",
                  d->domid, r->ds, r->es, r->fs, r->gs, vector_name(fixup_fault[this_cpu()->id].vector),
                  fixup_fault[this_cpu()->id].error_code, r->cs, r->eip);
        unsigned flags = TBF_FAILSAFE | ((v->pv.cb_flags & PV_CB_FAILSAFE_MASK) ? TBF_INTERRUPT : 0);
        guest_bounce(v, r, v->pv.failsafe_cb.cs, v->pv.failsafe_cb.eip, flags, 0);
    }
    if (d->state != DOM_RUNNING)
        panic("domain %u crashed but another domain runs: no scheduler yet", d->domid);
}

/* entry.S: the CPU refused the guest's iret frame (cs/ss/eip); returns to ret_from_trap. */
void guest_iret_failed(struct cpu_user_regs *r)
{
    smp_enter_from_guest();     /* after return_to_guest dropped the lock (SMP only) */
    struct vcpu *v = current_vcpu();
    struct domain *d = v->domain;
    unsigned vec = fixup_fault[this_cpu()->id].vector;
    uint32_t err = fixup_fault[this_cpu()->id].error_code;
    r->error_code = (uint16_t)err;
    r->entry_vector = (uint16_t)vec;
    stats_exception(v);
    if (too_many_exit_failures(v, r, "iret to the guest refused")) {
    } else if (!v->pv.trap_ctxt[vec].address) {
        domain_crash_regs(d, r, "bad iret frame (cs=%#x eip=%#x ss=%#x esp=%#x): %s error %#x and no guest handler",
                          r->cs, r->eip, r->ss, r->esp, vector_name(vec), err);
    } else if (guest_inject_exception(v, r, vec, HAS_ERRCODE(vec), err) == 0) {
        stats_exception_bounced(v);
    }
    if (d->state != DOM_RUNNING)
        panic("domain %u crashed but another domain runs: no scheduler yet", d->domid);
}
