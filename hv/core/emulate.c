/* Trap-and-emulate: the privileged instructions a PV guest may execute in ring 1 (or ring 3)
 * and Moat performs on its behalf, entered from the #GP handler (error code 0) and from #UD
 * for the PV CPUID prefix.
 *
 * Emulated (as Xen 4.17's emul-priv-op.c for a 32-bit PV guest, except where noted):
 *   in/out  imm8 and dx forms, 8/16/32 bits. Allowed when the virtual IOPL covers the guest's
 *           ring (kernel = ring 1, user = ring 3; PHYSDEVOP_set_iopl) or the guest I/O bitmap
 *           (PHYSDEVOP_set_iobitmap) clears every bit of the access. Allowed but not the
 *           domain's (admin_io_okay): reads return all ones, writes are dropped (as Xen).
 *           Ports: only the initial domain reaches hardware ports, and never Moat's own:
 *           PIC 0x20-0x21/0xa0-0xa1, PIT 0x40-0x43, ELCR 0x4d0-0x4d1, COM1 0x3f8-0x3ff (Moat's
 *           console), 0xf4-0xf7 (isa-debug-exit), PCI configuration/reset 0xcf8-0xcff, and the
 *           two other reset paths (i8042 command port 0x64, port 92h): no guest can reset the
 *           machine under Moat. Xen likewise gives dom0 "most ports" and keeps its own.
 *           String forms (ins/outs) are not emulated: #GP to the guest.
 *   cpuid   the host's answer through cpuid_policy.c, also for the forced-emulation prefix, and
 *           for plain cpuid when the CPU supports CPUID faulting (enabled at boot if so).
 *   rdmsr   allow-list: EFER (long-mode bits hidden), TSC, MISC_ENABLE (as Xen masks it),
 *           PLATFORM_INFO and MISC_FEATURES_ENABLES (0: no CPUID faulting offered). Others #GP.
 *   wrmsr   EFER and MISC_ENABLE rewritten with the value the guest reads: ignored; all else
 *           #GP (Xen 4.17 refuses unknown MSRs the same way).
 *   hlt     SCHEDOP_block (through the hypercall table: whatever the scheduler implements).
 *   clts    virtual CR0.TS cleared (fpu.c). wbinvd: executed for the initial domain, ignored
 *           for others (as Xen without cache-flush permission).
 *   mov from cr0 (virtual TS), cr2 (vcpu_info arch.cr2), cr3 (xen_pfn_to_cr3 of the base),
 *           cr4 (PAE/OSFXSR/OSXMMEXCPT only); mov to cr0 changing only TS; mov to cr2.
 * Not emulated -> #GP to the guest: lgdt, lidt, ltr, lldt, mov to cr3/cr4 (Xen 4.17 emulates
 * those two; Moat's brief makes them faults: the guest has new_baseptr and no CR4 control),
 * mov to/from debug registers, cli/sti, and everything else.
 *
 * Invariant: the instruction bytes are fetched with copy_from_guest (CS base + EIP, below
 * Moat's area); nothing here trusts the guest beyond the bytes it decodes, and any decoding
 * doubt returns "not emulated", which becomes the guest's own #GP. */
#include <stdint.h>
#include <lib/string.h>
#include <xen/xen.h>
#include <xen/sched.h>
#include "domain.h"
#include "bounce.h"
#include "hypercall.h"
#include "cpuid_policy.h"
#include "uaccess.h"
#include "pmem.h"
#include "console.h"
#include "x86.h"

uint32_t fpu_guest_cr0(struct vcpu *v);
void fpu_set_virtual_ts(struct vcpu *v, int set);

#define MSR_IA32_TSC             0x00000010u
#define MSR_PLATFORM_INFO        0x000000ceu
#define MSR_MISC_FEATURES_ENABLES 0x00000140u
#define MSR_IA32_MISC_ENABLE     0x000001a0u
#define MISC_ENABLE_PERF_AVAIL   (1ull << 7)
#define MISC_ENABLE_BTS_UNAVAIL  (1ull << 11)
#define MISC_ENABLE_PEBS_UNAVAIL (1ull << 12)
#define MISC_ENABLE_MONITOR      (1ull << 18)
#define MISC_ENABLE_XTPR_DISABLE (1ull << 23)
#define EFER_LONG_BITS           ((1ull << 0) | (1ull << 8) | (1ull << 10) | (1ull << 13))

static int cpuid_faulting;     /* plain cpuid in ring 1/3 traps with #GP */

/* rdmsr that survives an MSR the CPU does not have (extable fixup): 0 or -1. */
static int rdmsr_safe(uint32_t msr, uint64_t *val)
{
    uint32_t lo = 0, hi = 0, err;
    asm volatile("movl $1, %2\n"
                 "1: rdmsr\n"
                 "movl $0, %2\n"
                 "2:\n"
                 ".pushsection .ex_table, \"a\"\n .long 1b, 2b\n .popsection"
                 : "=a"(lo), "=d"(hi), "=&r"(err) : "c"(msr));
    *val = ((uint64_t)hi << 32) | lo;
    return err ? -1 : 0;
}

static int wrmsr_safe(uint32_t msr, uint64_t val)
{
    uint32_t err;
    asm volatile("movl $1, %0\n"
                 "1: wrmsr\n"
                 "movl $0, %0\n"
                 "2:\n"
                 ".pushsection .ex_table, \"a\"\n .long 1b, 2b\n .popsection"
                 : "=&r"(err) : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)));
    return err ? -1 : 0;
}

/* Boot: turn on CPUID faulting if the CPU has it (MSR_PLATFORM_INFO bit 31), so that the
 * guest's plain cpuid is filtered by the same policy as the PV prefix. */
void emulate_init(void)
{
    uint64_t pi, mfe;
    /* CR0.AM: alignment checking for ring-3 code that sets EFLAGS.AC, as native Linux and Xen
     * run (#AC is one of the vectors a guest handles); Moat itself runs in ring 0, unaffected. */
    write_cr0(read_cr0() | (1u << 18));
    if (rdmsr_safe(MSR_PLATFORM_INFO, &pi) == 0 && (pi & (1ull << 31)) &&
        rdmsr_safe(MSR_MISC_FEATURES_ENABLES, &mfe) == 0 &&
        wrmsr_safe(MSR_MISC_FEATURES_ENABLES, mfe | 1) == 0) {
        cpuid_faulting = 1;
        log_info("CPUID faulting on: guest cpuid goes through Moat's policy\n");
    } else {
        log_debug("no CPUID faulting: only the PV CPUID prefix is filtered\n");
    }
}

void emulate_cpuid(struct cpu_user_regs *r)
{
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
}

/* ---- I/O ports ----------------------------------------------------------------------- */
static int port_is_moats(uint32_t port, unsigned bytes)
{
    static const uint16_t deny[][2] = {
        { 0x20, 0x21 }, { 0xa0, 0xa1 }, { 0x40, 0x43 }, { 0x4d0, 0x4d1 },
        { 0x3f8, 0x3ff }, { 0xf4, 0xf7 }, { 0xcf8, 0xcff },
        { 0x64, 0x64 }, { 0x92, 0x92 },     /* i8042 command and port 92h: machine reset */
    };
    for (unsigned i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
        if (port <= deny[i][1] && port + bytes - 1 >= deny[i][0])
            return 1;
    return 0;
}

/* The domain may touch the hardware port (Xen's admin_io_okay). */
static int admin_io_okay(struct vcpu *v, uint32_t port, unsigned bytes)
{
    return v->domain->is_initial && port + bytes <= 0x10000 && !port_is_moats(port, bytes);
}

/* The guest's own rules allow it (Xen's guest_io_okay): virtual IOPL or I/O bitmap. */
static int guest_io_okay(struct vcpu *v, const struct cpu_user_regs *r, uint32_t port,
                         unsigned bytes)
{
    unsigned cpl = (r->cs & 3) == 1 ? 1 : 3;
    if ((v->pv.iopl >> 12) >= cpl)
        return 1;
    if (port + bytes <= v->pv.iobmp_nr) {
        uint8_t b[2] = { 0xff, 0xff };
        /* unreadable bytes deny, as Xen */
        if (copy_from_guest(&b[0], v->pv.iobmp_va + (port >> 3), 1) == 0)
            (void)copy_from_guest(&b[1], v->pv.iobmp_va + (port >> 3) + 1, 1);
        uint16_t mask = (uint16_t)(b[0] | (b[1] << 8));
        if ((mask & (((1u << bytes) - 1) << (port & 7))) == 0)
            return 1;
    }
    return 0;
}

static uint32_t io_read(struct vcpu *v, uint16_t port, unsigned bytes)
{
    if (!admin_io_okay(v, port, bytes))
        return 0xFFFFFFFFu;
    uint32_t val;
    switch (bytes) {
    case 1: { uint8_t x; asm volatile("inb %1,%0" : "=a"(x) : "Nd"(port)); val = x; break; }
    case 2: { uint16_t x; asm volatile("inw %1,%0" : "=a"(x) : "Nd"(port)); val = x; break; }
    default: asm volatile("inl %1,%0" : "=a"(val) : "Nd"(port)); break;
    }
    return val;
}

static void io_write(struct vcpu *v, uint16_t port, unsigned bytes, uint32_t val)
{
    if (!admin_io_okay(v, port, bytes))
        return;
    switch (bytes) {
    case 1: asm volatile("outb %0,%1" :: "a"((uint8_t)val), "Nd"(port)); break;
    case 2: asm volatile("outw %0,%1" :: "a"((uint16_t)val), "Nd"(port)); break;
    default: asm volatile("outl %0,%1" :: "a"(val), "Nd"(port)); break;
    }
}

static void set_eax_width(struct cpu_user_regs *r, unsigned bytes, uint32_t val)
{
    if (bytes == 4)
        r->eax = val;
    else if (bytes == 2)
        r->eax = (r->eax & 0xFFFF0000u) | (val & 0xFFFFu);
    else
        r->eax = (r->eax & 0xFFFFFF00u) | (val & 0xFFu);
}

/* ---- registers by ModRM number ------------------------------------------------------- */
static uint32_t *gpr(struct cpu_user_regs *r, unsigned n)
{
    switch (n & 7) {
    case 0: return &r->eax;
    case 1: return &r->ecx;
    case 2: return &r->edx;
    case 3: return &r->ebx;
    case 4: return &r->esp;
    case 5: return &r->ebp;
    case 6: return &r->esi;
    default: return &r->edi;
    }
}

static int emulate_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    uint64_t x;
    (void)v;
    switch (msr) {
    case MSR_EFER:
        if (rdmsr_safe(MSR_EFER, &x))
            return -1;
        *val = x & ~EFER_LONG_BITS;
        return 0;
    case MSR_IA32_TSC: {
        uint32_t lo, hi;
        asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
        *val = ((uint64_t)hi << 32) | lo;
        return 0;
    }
    case MSR_IA32_MISC_ENABLE:
        if (rdmsr_safe(MSR_IA32_MISC_ENABLE, &x))
            x = 0;
        *val = (x & ~(MISC_ENABLE_PERF_AVAIL | MISC_ENABLE_MONITOR)) | MISC_ENABLE_BTS_UNAVAIL |
               MISC_ENABLE_PEBS_UNAVAIL | MISC_ENABLE_XTPR_DISABLE;
        return 0;
    case MSR_PLATFORM_INFO:
    case MSR_MISC_FEATURES_ENABLES:
        *val = 0;
        return 0;
    default:
        return -1;
    }
}

static int emulate_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
    uint64_t cur;
    if ((msr == MSR_EFER || msr == MSR_IA32_MISC_ENABLE) && emulate_rdmsr(v, msr, &cur) == 0 &&
        cur == val)
        return 0;
    return -1;
}

/* ---- the decoder ----------------------------------------------------------------------- */
struct insn {
    uint8_t b[16];
    unsigned n;           /* bytes available in b */
};

static int fetch(struct vcpu *v, const struct cpu_user_regs *r, struct insn *in)
{
    uint64_t cs_desc;
    uint32_t base = 0;
    if (guest_descriptor(v, r->cs, &cs_desc) == 0)
        base = (uint32_t)((cs_desc >> 16) & 0xFFFFFFu) | (uint32_t)((cs_desc >> 56) << 24);
    uint32_t lin = base + r->eip;
    /* The instruction may end just before an unmapped page, so the result is the longest
     * readable prefix of 15 bytes. Fast path: the part on eip's page in one copy, then the
     * rest on the next page in one copy. When a copy fails, the byte-by-byte walk from the
     * prefix known to be good finds exactly where the readable bytes end. */
    uint32_t first = 4096 - (lin & 0xFFFu);
    if (first > 15)
        first = 15;
    in->n = 0;
    if (copy_from_guest(in->b, lin, first) == 0) {
        in->n = first;
        if (first == 15 || copy_from_guest(&in->b[first], lin + first, 15 - first) == 0) {
            in->n = 15;
            return 0;
        }
    }
    while (in->n < 15 && copy_from_guest(&in->b[in->n], lin + in->n, 1) == 0)
        in->n++;
    return in->n ? 0 : -1;
}

int emulate_privileged(struct vcpu *v, struct cpu_user_regs *r)
{
    struct insn in;
    if (fetch(v, r, &in))
        return 0;
    unsigned i = 0, opsz = 4;
    int kernel = (r->cs & 3) == 1;
    for (; i < in.n; i++) {
        uint8_t p = in.b[i];
        if (p == 0x66)
            opsz = 2;
        else if (p == 0x2e || p == 0x36 || p == 0x3e || p == 0x26 || p == 0x64 || p == 0x65 ||
                 p == 0xf2 || p == 0xf3 || p == 0x67)
            continue;
        else
            break;          /* lock (0xf0) falls through to "not emulated" below */
    }
#define NEED(k) do { if (i + (k) > in.n) return 0; } while (0)
    NEED(1);
    uint8_t op = in.b[i++];
    uint32_t port;
    unsigned bytes;
    switch (op) {
    case 0xe4: case 0xe5: case 0xe6: case 0xe7:          /* in/out imm8 */
        NEED(1);
        port = in.b[i++];
        goto io;
    case 0xec: case 0xed: case 0xee: case 0xef:          /* in/out dx */
        port = r->edx & 0xFFFF;
    io:
        bytes = (op & 1) ? opsz : 1;
        if (!guest_io_okay(v, r, port, bytes))
            return 0;
        if ((op & 2) == 0)
            set_eax_width(r, bytes, io_read(v, (uint16_t)port, bytes));
        else
            io_write(v, (uint16_t)port, bytes, r->eax);
        break;
    case 0xf4:                                           /* hlt */
        if (!kernel)
            return 0;
        r->eip += i;
        {
            struct cpu *c = this_cpu();
            struct cpu_user_regs *saved = c->hc_regs;
            uint32_t args[6] = { SCHEDOP_block, 0, 0, 0, 0, 0 };
            c->hc_regs = r;
            c->hc_continued = 0;
            (void)hypercall_call(__HYPERVISOR_sched_op, args);
            c->hc_regs = saved;
        }
        return 1;
    case 0x0f:
        NEED(1);
        op = in.b[i++];
        switch (op) {
        case 0xa2:                                       /* cpuid (with CPUID faulting) */
            emulate_cpuid(r);
            break;
        case 0x06:                                       /* clts */
            if (!kernel)
                return 0;
            fpu_set_virtual_ts(v, 0);
            break;
        case 0x09:                                       /* wbinvd */
            if (!kernel)
                return 0;
            if (v->domain->is_initial)
                asm volatile("wbinvd" ::: "memory");
            break;
        case 0x20: case 0x22: {                          /* mov cr */
            if (!kernel)
                return 0;
            NEED(1);
            uint8_t m = in.b[i++];
            unsigned crn = (m >> 3) & 7;
            uint32_t *g = gpr(r, m & 7);
            if (op == 0x20) {
                switch (crn) {
                case 0: *g = fpu_guest_cr0(v); break;
                case 2: *g = v->vcpu_info ? v->vcpu_info->arch.cr2 : 0; break;
                case 3: *g = xen_pfn_to_cr3(v->mm.base); break;
                case 4: *g = read_cr4() & (X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT); break;
                default: return 0;
                }
            } else {
                switch (crn) {
                case 0:
                    if ((*g ^ fpu_guest_cr0(v)) & ~X86_CR0_TS)
                        return 0;                        /* only TS may change */
                    fpu_set_virtual_ts(v, (*g & X86_CR0_TS) != 0);
                    break;
                case 2:
                    if (v->vcpu_info)
                        v->vcpu_info->arch.cr2 = *g;
                    break;
                default:
                    return 0;                            /* cr3, cr4, ...: #GP */
                }
            }
            break;
        }
        case 0x30: case 0x32: {                          /* wrmsr, rdmsr */
            if (!kernel)
                return 0;
            uint64_t val = ((uint64_t)r->edx << 32) | r->eax;
            if (op == 0x32) {
                if (emulate_rdmsr(v, r->ecx, &val))
                    return 0;
                r->eax = (uint32_t)val;
                r->edx = (uint32_t)(val >> 32);
            } else if (emulate_wrmsr(v, r->ecx, val)) {
                return 0;
            }
            break;
        }
        default:
            return 0;
        }
        break;
    default:
        return 0;
    }
    r->eip += i;
    return 1;
#undef NEED
}

/* #UD: the PV CPUID forced-emulation prefix (ud2a; "xen"; cpuid) in either guest ring. */
int emulate_cpuid_prefix(struct vcpu *v, struct cpu_user_regs *r)
{
    struct insn in;
    if (fetch(v, r, &in) || in.n < CPUID_PREFIX_LEN || memcmp(in.b, cpuid_prefix, CPUID_PREFIX_LEN))
        return 0;
    emulate_cpuid(r);
    r->eip += CPUID_PREFIX_LEN;
    return 1;
}
