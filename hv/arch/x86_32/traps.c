/* Where every IDT entry lands (entry.S -> trap_entry).
 *
 *   int $0x82 from ring 1          -> the hypercall dispatcher
 *   PIC vectors 0x20-0x2f          -> acknowledged and ignored (all lines are masked; only a
 *                                     spurious IRQ 7/15 can arrive)
 *   exception in ring 0 (Moat)     -> a fixup if the instruction is in the exception table
 *                                     (guest copies, guest segment reloads), else a panic
 *                                     with a register dump
 *   exception in ring 1/3 (guest)  -> the PV CPUID prefix is emulated; anything else crashes
 *                                     the domain with a dump, because no guest trap table
 *                                     exists yet (issue 5 bounces them to the guest)
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

void pic_eoi(unsigned vector);

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
    if (v == 14 || v == 13) {
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

/* The PV CPUID forced-emulation prefix (ud2a; "xen"; cpuid) in either guest ring. */
static int emulate_cpuid_prefix(struct cpu_user_regs *r)
{
    uint8_t insn[CPUID_PREFIX_LEN];
    if (copy_from_guest(insn, r->eip, sizeof(insn)) || memcmp(insn, cpuid_prefix, sizeof(insn)))
        return 0;
    struct cpuid_regs out;
    struct cpuid_ctx ctx = { .max_mfn_bits = 32 - __builtin_clz(frame_table_size) + 12,
                             .preserve_ad = hypercall_implemented(__HYPERVISOR_mmu_update) };
    if (!cpuid_hypervisor_leaf(r->eax, r->ecx, &ctx, &out)) {
        cpuid_count(r->eax, r->ecx, &out.a, &out.b, &out.c, &out.d);
        cpuid_guest_policy(r->eax, r->ecx, &out);
    }
    r->eax = out.a;
    r->ebx = out.b;
    r->ecx = out.c;
    r->edx = out.d;
    r->eip += CPUID_PREFIX_LEN;
    return 1;
}

static void guest_exception(struct cpu_user_regs *r)
{
    struct domain *d = current_domain();
    unsigned v = r->entry_vector;
    d->exception_traps++;
    if (v == 6 && emulate_cpuid_prefix(r))
        return;
    if (v == 14)
        domain_crash_regs(d, r, "%s in ring %u at eip=%#x cr2=%#x error=%#x", vector_name(v),
                          r->cs & 3, r->eip, read_cr2(), r->error_code);
    else
        domain_crash_regs(d, r, "%s in ring %u at eip=%#x error=%#x", vector_name(v), r->cs & 3,
                          r->eip, r->error_code);
}

void trap_entry(struct cpu_user_regs *r)
{
    unsigned v = r->entry_vector;
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
        pic_eoi(v);
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

/* entry.S: restoring a guest data segment on the way out faulted. */
void guest_segment_reload_failed(struct cpu_user_regs *r)
{
    domain_crash(current_domain(), "segment reload failed on exit (ds=%#x es=%#x fs=%#x gs=%#x)",
                 r->ds, r->es, r->fs, r->gs);
    panic("guest_segment_reload_failed: domain still running");
}

/* entry.S: the CPU refused the guest's iret frame. */
void guest_iret_failed(struct cpu_user_regs *r)
{
    domain_crash(current_domain(), "bad iret frame (cs=%#x eip=%#x ss=%#x esp=%#x eflags=%#x)",
                 r->cs, r->eip, r->ss, r->esp, r->eflags);
    panic("guest_iret_failed: domain still running");
}
