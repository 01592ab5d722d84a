/* trap-hostile: a ring-1 guest tries to get out of its segments and rings (issue 5 items 1-6,
 * hostile cases of item 8) and checks each refusal, with the hypervisor running afterwards:
 *   - descriptors (update_descriptor, set_gdt): DPL 0 is raised to 1 (as Xen); limits reaching
 *     the hypervisor area, bases inside it, expand-down segments covering it, 64-bit code,
 *     TSS/LDT/task/interrupt/trap gates, call gates to ring-0 selectors or into the area are
 *     refused; a call gate to the guest's own code is accepted with DPL forced to 0;
 *   - a trap table with a ring-0 cs (fixed up to ring 1) or a handler in the hypervisor area;
 *   - in/out without I/O privilege, with set_iopl and with the I/O bitmap; the hypervisor's
 *     own ports stay unreachable;
 *   - lgdt, lidt, ltr, lldt, mov to cr4, unknown MSRs from ring 1: #GP to the guest;
 *   - CPUID hides what the policy hides;
 *   - callback_op registers the callback types Xen 4.17 accepts and refuses the rest.
 * Where Moat's rule is stricter than Xen 4.17 (whose own area is outside a 32-bit guest's
 * reach, so it checks no limits), the expected answer depends on where the guest runs; both
 * answers are checked, the platform is told by HYPERVISOR_moat_op answering. */
#include "trap-lib.h"

static int moat;
static uint32_t hv;       /* start of the hypervisor area */

static uint64_t seg(uint32_t base, uint32_t limit, unsigned type, unsigned dpl, unsigned flags)
{
    return (uint64_t)(limit & 0xFFFF) | ((uint64_t)(base & 0xFFFFFF) << 16) |
           ((uint64_t)(type | 0x10 | 0x80 | (dpl << 5)) << 40) |
           ((uint64_t)((limit >> 16) & 0xF) << 48) | ((uint64_t)flags << 52) |
           ((uint64_t)(base >> 24) << 56);
}
static uint64_t sysdesc(uint32_t base, uint32_t limit, unsigned type, unsigned dpl)
{
    return seg(base, limit, type, dpl, 0) & ~(0x10ull << 40);
}
static uint64_t gate(uint16_t sel, uint32_t off, unsigned type, unsigned dpl)
{
    return (uint64_t)(off & 0xFFFF) | ((uint64_t)sel << 16) | ((uint64_t)(0x80 | (dpl << 5) | type) << 40) |
           ((uint64_t)(off >> 16) << 48);
}
#define G_4K  0x8
#define G_32  0x4
#define G_L   0x2

static uint32_t sva, smfn;   /* a writable scratch page for update_descriptor */
static long upd(unsigned idx, uint64_t d)
{
    return HYPERVISOR_update_descriptor(((uint64_t)smfn << 12) + idx * 8, d);
}
static uint64_t rd(unsigned idx) { return ((volatile uint64_t *)sva)[idx]; }
static unsigned dpl_of(uint64_t d) { return (unsigned)(d >> 45) & 3; }
static uint64_t last_byte(uint64_t d)
{
    uint64_t lim = (d & 0xFFFF) | (((d >> 48) & 0xF) << 16);
    if ((d >> 55) & 1)
        lim = (lim << 12) | 0xFFF;
    uint64_t base = ((d >> 16) & 0xFFFFFF) | ((d >> 56) << 24);
    return base + lim;
}
/* Moat: refused (-EINVAL); Xen 4.17: accepted (no limit checks for 32-bit guests) */
static void moat_refuses(long rc, const char *what)
{
    if (moat)
        mm_check(rc == -XEN_EINVAL, what, rc);
    else
        mm_check(rc == 0, what, rc);
}

static void descriptors(void)
{
    sva = mm_scratch_va(1);
    smfn = mm_scratch_mfn(1);
    mm_zero_page(sva);

    MM_EXPECT(upd(1, seg(0, 0xFFFFF, 0xA, 0, G_4K | G_32)), 0, "flat DPL-0 code segment accepted");
    mm_check(dpl_of(rd(1)) == 1, "... stored with DPL raised to 1 (never ring 0)", (long)(rd(1) >> 32));
    if (moat)
        mm_check(last_byte(rd(1)) < hv, "... and its limit truncated below the hypervisor area",
                 (long)last_byte(rd(1)));
    MM_EXPECT(upd(2, seg(0, 0xFFFFF, 0x2, 0, G_4K | G_32)), 0, "flat DPL-0 data segment accepted");
    mm_check(dpl_of(rd(2)) == 1, "... stored with DPL 1", (long)(rd(2) >> 32));
    MM_EXPECT(upd(3, seg(0, (hv >> 12) - 1, 0x2, 3, G_4K | G_32)), 0, "data segment ending below the area");
    mm_check((rd(3) | (1ull << 40)) == (seg(0, (hv >> 12) - 1, 0x2, 3, G_4K | G_32) | (1ull << 40)),
             "... stored as given (but for the accessed bit, which Moat presets)", (long)(rd(3) >> 32));
    if (moat)
        mm_check((rd(3) >> 40) & 1, "Moat presets the accessed bit (descriptor frames are read-only)",
                 (long)(rd(3) >> 32));
    MM_EXPECT(upd(6, seg(0x10000000, (hv >> 12) - 0x10000 + 0x100, 0x2, 1, G_4K | G_32)), 0,
              "base 256 MB + limit reaching the hypervisor area accepted (a TLS-style segment)");
    if (moat)
        mm_check(last_byte(rd(6)) < hv, "... truncated below the hypervisor area, base kept",
                 (long)last_byte(rd(6)));
    MM_EXPECT(upd(7, seg(0x08084a10, 0xFFFFF, 0x2, 3, G_4K | G_32)), 0,
              "a Linux/musl TLS segment (base = thread pointer, 4 GB limit) accepted");
    if (moat)
        mm_check(last_byte(rd(7)) < hv, "... truncated below the hypervisor area", (long)last_byte(rd(7)));
    moat_refuses(upd(4, seg(hv + 0x100000, 0xFF, 0x2, 1, G_32)), "base inside the hypervisor area");
    moat_refuses(upd(4, seg(0, 0x10, 0x6, 1, G_4K | G_32)), "expand-down data segment covering the area");
    MM_EXPECT(upd(4, seg(0, 0x10, 0xA, 1, G_4K | G_L)), -XEN_EINVAL, "64-bit code segment refused");
    MM_EXPECT(upd(4, sysdesc(0x1000, 0x67, 0x9, 0)), -XEN_EINVAL, "TSS descriptor refused");
    MM_EXPECT(upd(4, sysdesc(0x1000, 0xFFF, 0x2, 0)), -XEN_EINVAL, "LDT descriptor refused");
    MM_EXPECT(upd(4, gate(FLAT_RING1_CS, 0xC0100000, 0x5, 3)), -XEN_EINVAL, "task gate refused");
    MM_EXPECT(upd(4, gate(FLAT_RING1_CS, 0xC0100000, 0xE, 3)), -XEN_EINVAL, "interrupt gate refused");
    MM_EXPECT(upd(4, gate(FLAT_RING1_CS, 0xC0100000, 0xF, 3)), -XEN_EINVAL, "trap gate refused");
    MM_EXPECT(upd(4, gate(0xe008, 0xC0100000, 0xC, 3)), -XEN_EINVAL, "call gate to the ring-0 hypervisor cs refused");
    MM_EXPECT(upd(4, gate(0xe02b, 0xC0100000, 0xC, 3)), -XEN_EINVAL, "call gate to a reserved non-kernel cs refused");
    MM_EXPECT(upd(5, gate(FLAT_RING1_CS, 0xC0100000, 0xC, 3)), 0, "call gate to the guest kernel cs accepted");
    mm_check(dpl_of(rd(5)) == 0 && ((rd(5) >> 16) & 3) == 3,
             "... with DPL forced to 0 (any use faults), the DPL kept in the selector RPL",
             (long)(rd(5) >> 32));
    moat_refuses(upd(4, gate(FLAT_RING1_CS, hv + 0x1000, 0xC, 3)), "call gate offset inside the hypervisor area");
    MM_EXPECT(upd(4, 0x0000120000001234ull), 0, "not-present descriptor accepted (it always faults)");
    MM_EXPECT(HYPERVISOR_update_descriptor(((uint64_t)smfn << 12) + 4, 0), -XEN_EINVAL,
              "misaligned update_descriptor refused");
    MM_EXPECT(HYPERVISOR_update_descriptor((uint64_t)mm_l3_mfn() << 12, 0), -XEN_EINVAL,
              "update_descriptor into a page table refused");

    /* set_gdt: frames must be read-only everywhere and every entry valid */
    uint32_t gva = mm_scratch_va(2), gmfn = mm_scratch_mfn(2);
    volatile uint64_t *g = (volatile uint64_t *)gva;
    mm_zero_page(gva);
    g[1] = seg(0, (hv >> 12) - 1, 0x2, 1, G_4K | G_32);
    g[2] = seg(0, (hv >> 12) - 1, 0xA, 1, G_4K | G_32);
    g[3] = sysdesc(0x2000, 0x67, 0x9, 0);
    uint32_t frames[1] = { gmfn };
    MM_EXPECT(HYPERVISOR_set_gdt(frames, 512), -XEN_EINVAL, "set_gdt of a frame mapped writable refused");
    MM_EXPECT(mm_remap(gva, gmfn, PG_P | PG_A), 0, "GDT frame mapped read-only");
    MM_EXPECT(HYPERVISOR_set_gdt(frames, 512), -XEN_EINVAL, "set_gdt of a frame holding a TSS descriptor refused");
    MM_EXPECT(HYPERVISOR_set_gdt(frames, 7169), -XEN_EINVAL, "set_gdt past the reserved entries refused");
    MM_EXPECT(mm_remap(gva, gmfn, PG_P | PG_RW | PG_A), 0, "frame writable again");
    g[3] = 0;
    g[4] = seg(0, 0xFFFFF, 0x2, 0, G_4K | G_32);     /* DPL 0, 4 GB: fixed up on validation */
    MM_EXPECT(mm_remap(gva, gmfn, PG_P | PG_A), 0, "fixed GDT frame read-only");
    MM_EXPECT(HYPERVISOR_set_gdt(frames, 512), 0, "set_gdt of a valid frame");
    mm_check(dpl_of(g[4]) == 1, "the DPL-0 entry of the new GDT reads back as DPL 1", (long)(g[4] >> 32));
    uint16_t fs = 0;
    asm volatile("movw %1, %%fs; movw %%fs, %0" : "=r"(fs) : "r"((uint16_t)0x09));
    mm_check(fs == 0x09, "a selector of the new GDT loads", fs);
    asm volatile("movw %1, %%fs; movw %%fs, %0" : "=r"(fs) : "r"((uint16_t)FLAT_RING1_DS));
    mm_check(fs == FLAT_RING1_DS, "the reserved flat selectors still load after set_gdt", fs);
    MM_EXPECT(mm_remap(gva, gmfn, PG_P | PG_RW | PG_A), -XEN_EBUSY,
              "a GDT frame in use cannot be mapped writable");
    MM_EXPECT(HYPERVISOR_update_descriptor(((uint64_t)gmfn << 12) + 5 * 8, seg(0, 0xFFFFF, 0xA, 0, G_4K | G_32)),
              0, "update_descriptor into the live GDT frame");
    mm_check(dpl_of(g[5]) == 1, "... checked like any descriptor (DPL 1)", (long)(g[5] >> 32));
    MM_EXPECT(HYPERVISOR_update_descriptor(((uint64_t)gmfn << 12) + 6 * 8, sysdesc(0x1000, 0x67, 0x9, 0)),
              -XEN_EINVAL, "... and a TSS descriptor is refused there too");
    MM_EXPECT(HYPERVISOR_set_gdt(frames, 0), 0, "set_gdt with no frames releases the GDT");
    MM_EXPECT(mm_remap(gva, gmfn, PG_P | PG_RW | PG_A), 0, "the released frame can be mapped writable");
}

static void do_int3(uint32_t x) { (void)x; asm volatile("int3"); }
static void do_inb(uint32_t port)
{
    uint8_t v;
    asm volatile("inb %w1, %0" : "=a"(v) : "Nd"((uint16_t)port));
    trap_last.err = 0x1000 | v;       /* visible to the caller when no trap happened */
}
static void do_outb_f4(uint32_t x) { (void)x; asm volatile("outb %0, $0xf4" :: "a"((uint8_t)0x11)); }
static void do_lgdt(uint32_t x) { static uint8_t p[6]; (void)x; asm volatile("lgdt %0" :: "m"(p)); }
static void do_lidt(uint32_t x) { static uint8_t p[6]; (void)x; asm volatile("lidt %0" :: "m"(p)); }
static void do_ltr(uint32_t x) { (void)x; asm volatile("ltr %w0" :: "r"(0xe038)); }
static void do_lldt(uint32_t x) { (void)x; asm volatile("lldt %w0" :: "r"(0)); }
static void do_cr4_write(uint32_t x) { (void)x; asm volatile("movl %%cr4, %%eax; movl %%eax, %%cr4" ::: "eax"); }
static uint32_t cr_val;
static void do_cr0_read(uint32_t x) { (void)x; asm volatile("movl %%cr0, %0" : "=r"(cr_val)); }
static uint64_t msr_val;
static void do_rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    msr_val = ((uint64_t)hi << 32) | lo;
}
static void do_wrmsr_efer(uint32_t v) { asm volatile("wrmsr" :: "c"(0xC0000080u), "a"(v), "d"(0)); }

static void traps(void)
{
    static struct trap_info t[2];
    /* a ring-0 cs: fixed up to RPL 1 (as Xen), the handler runs in ring 1 */
    t[0] = (struct trap_info){ 3, 3, FLAT_RING1_CS & ~3, trap_handler(3) };
    MM_EXPECT(HYPERVISOR_set_trap_table(t), 0, "trap entry with an RPL-0 cs accepted");
    int r = trap_catch(do_int3, 0);
    mm_check(r == 3, "int3 reaches the handler", r);
    uint16_t cs;
    asm volatile("movw %%cs, %0" : "=r"(cs));
    mm_check((cs & 3) == 1, "... which ran in ring 1, not ring 0", cs);
    t[0] = (struct trap_info){ 3, 3, FLAT_RING1_CS, hv + 0x2000 };
    long rc = HYPERVISOR_set_trap_table(t);
    moat_refuses(rc, "trap handler inside the hypervisor area");
    t[0] = (struct trap_info){ 3, 3, FLAT_RING1_CS, trap_handler(3) };
    MM_EXPECT(HYPERVISOR_set_trap_table(t), 0, "int3 handler restored");
    MM_EXPECT(HYPERVISOR_set_trap_table((void *)0xF5801000u), -XEN_EFAULT,
              "set_trap_table with a list inside the hypervisor area: -EFAULT");
}

static void io(void)
{
    int r = trap_catch(do_inb, 0x80);
    mm_check(r == 13 && trap_last.err == 0, "inb 0x80 without I/O privilege: #GP(0)", r);
    static struct physdev_set_iopl iopl;
    iopl.iopl = 4;
    MM_EXPECT(HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), -XEN_EINVAL, "set_iopl(4) refused");
    iopl.iopl = 1;
    MM_EXPECT(HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0, "set_iopl(1)");
    r = trap_catch(do_inb, 0x80);
    mm_check(r == TRAP_NONE, "inb 0x80 with virtual IOPL 1: emulated", r);
    r = trap_catch(do_inb, 0x3fd);
    mm_check(r == TRAP_NONE && (trap_last.err & 0xFF) == 0xFF,
             "the hypervisor's console UART (0x3fd) reads as all ones", trap_last.err);
    if (moat) {
        r = trap_catch(do_outb_f4, 0);
        mm_check(r == TRAP_NONE, "outb to 0xf4 (isa-debug-exit, Moat's) is dropped: still running", r);
    }
    iopl.iopl = 0;
    MM_EXPECT(HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0, "set_iopl(0)");
    static uint8_t bitmap[0x100 / 8];
    for (unsigned i = 0; i < sizeof(bitmap); i++)
        bitmap[i] = 0xff;
    bitmap[0x80 / 8] &= ~1;                 /* port 0x80 allowed */
    static struct physdev_set_iobitmap bm;
    set_xen_guest_handle(bm.bitmap, bitmap);
    bm.nr_ports = 65537;
    MM_EXPECT(HYPERVISOR_physdev_op(PHYSDEVOP_set_iobitmap, &bm), -XEN_EINVAL, "set_iobitmap of 65537 ports refused");
    bm.nr_ports = 0x100;
    MM_EXPECT(HYPERVISOR_physdev_op(PHYSDEVOP_set_iobitmap, &bm), 0, "set_iobitmap(256 ports, 0x80 open)");
    mm_check(trap_catch(do_inb, 0x80) == TRAP_NONE, "inb 0x80 allowed by the bitmap", 0);
    mm_check(trap_catch(do_inb, 0x81) == 13, "inb 0x81 denied by the bitmap: #GP", 0);
    mm_check(trap_catch(do_inb, 0x180) == 13, "inb 0x180 beyond the bitmap: #GP", 0);
    bm.nr_ports = 0;
    MM_EXPECT(HYPERVISOR_physdev_op(PHYSDEVOP_set_iobitmap, &bm), 0, "set_iobitmap(0 ports)");
    MM_EXPECT(HYPERVISOR_physdev_op(0x7fff, &bm), -XEN_ENOSYS, "unknown physdev_op: -ENOSYS");
}

static void privileged(void)
{
    mm_check(trap_catch(do_lgdt, 0) == 13, "lgdt from ring 1: #GP", 0);
    mm_check(trap_catch(do_lidt, 0) == 13, "lidt from ring 1: #GP", 0);
    mm_check(trap_catch(do_ltr, 0) == 13, "ltr from ring 1: #GP", 0);
    mm_check(trap_catch(do_lldt, 0) == 13, "lldt from ring 1: #GP", 0);
    int r = trap_catch(do_cr4_write, 0);
    if (moat)
        mm_check(r == 13, "mov to cr4 from ring 1: #GP (Moat)", r);
    else
        mm_check(r == TRAP_NONE, "mov to cr4 from ring 1: emulated (Xen 4.17)", r);
    MM_EXPECT(HYPERVISOR_fpu_taskswitch(1), 0, "fpu_taskswitch(1)");
    mm_check(trap_catch(do_cr0_read, 0) == TRAP_NONE && (cr_val & 8), "mov from cr0 shows the virtual TS", cr_val);
    MM_EXPECT(HYPERVISOR_fpu_taskswitch(0), 0, "fpu_taskswitch(0)");
    mm_check(trap_catch(do_cr0_read, 0) == TRAP_NONE && !(cr_val & 8) && (cr_val & 0x80000001u) == 0x80000001u,
             "mov from cr0: TS clear, PE and PG set", cr_val);
    r = trap_catch(do_rdmsr, 0xC0000080u);
    mm_check(r == TRAP_NONE && !(msr_val & ((1 << 8) | (1 << 10))), "rdmsr EFER: emulated, long mode hidden",
             (long)msr_val);
    r = trap_catch(do_wrmsr_efer, (uint32_t)msr_val ^ 0x800u);
    mm_check(r == 13, "wrmsr EFER with another value: #GP", r);
    mm_check(trap_catch(do_rdmsr, 0x12345678u) == 13, "rdmsr of an unknown MSR: #GP", 0);
}

static void cpuid_policy(void)
{
    uint32_t a, b, c, d;
    pv_cpuid(1, &a, &b, &c, &d);
    uint32_t pv_c = c;
    print("# PV cpuid 1: ecx 0x%x edx 0x%x\n", c, d);
    mm_check(!(c & ((1u << 5) | (1u << 3) | (1u << 21))), "PV cpuid 1 hides VMX, MONITOR, x2APIC", c);
    mm_check((c >> 31) & 1, "PV cpuid 1 says: hypervisor present", c);
    if (moat) {
        mm_check(!(d & ((1u << 3) | (1u << 7) | (1u << 9) | (1u << 12) | (1u << 13) | (1u << 14) |
                        (1u << 17) | (1u << 22))),
                 "Moat policy hides PSE, MCE, APIC, MTRR, PGE, MCA, PSE36, ACPI", d);
        mm_check(!(d & (1u << 11)), "Moat policy hides SEP (no sysenter fast path)", d);
        mm_check(!(c & ((1u << 6) | (1u << 26) | (1u << 27))), "Moat policy hides SMX, XSAVE, OSXSAVE", c);
    }
    pv_cpuid(0x80000001u, &a, &b, &c, &d);
    mm_check(!(d & (1u << 29)) && !(c & (1u << 2)), "PV cpuid 0x80000001 hides LM and SVM", d);
    pv_cpuid(5, &a, &b, &c, &d);
    mm_check(a == 0 && b == 0, "PV cpuid 5 (MONITOR leaf) empty", a);
    /* plain cpuid: filtered only where the CPU lets the hypervisor fault it */
    asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    print("# plain cpuid 1: ecx 0x%x edx 0x%x (%s)\n", c, d,
          c == pv_c ? "same as the PV view: CPUID faulting" : "raw CPU answer: no CPUID faulting");
}

static void callbacks(void)
{
    static struct callback_register cb;
    static struct callback_unregister un;
    uint32_t types[] = { CALLBACKTYPE_event, CALLBACKTYPE_failsafe, CALLBACKTYPE_nmi,
                         CALLBACKTYPE_syscall32, CALLBACKTYPE_sysenter };
    const char *names[] = { "event", "failsafe", "nmi", "syscall32", "sysenter" };
    for (unsigned i = 0; i < 5; i++) {
        cb.type = types[i];
        cb.flags = 0;
        cb.address.cs = FLAT_RING1_CS;
        cb.address.eip = trap_handler(0xf0 + i);
        long rc = HYPERVISOR_callback_op(CALLBACKOP_register, &cb);
        print("# callback_op register %s: %d\n", names[i], rc);
        mm_check(rc == 0, "callback_op register accepted", rc);
    }
    cb.type = CALLBACKTYPE_syscall;      /* 64-bit only */
    MM_EXPECT(HYPERVISOR_callback_op(CALLBACKOP_register, &cb), -XEN_ENOSYS, "register syscall (64-bit type): -ENOSYS");
    cb.type = 99;
    MM_EXPECT(HYPERVISOR_callback_op(CALLBACKOP_register, &cb), -XEN_ENOSYS, "register unknown type: -ENOSYS");
    un.type = CALLBACKTYPE_event;
    MM_EXPECT(HYPERVISOR_callback_op(CALLBACKOP_unregister, &un), -XEN_EINVAL, "unregister event: -EINVAL");
    un.type = CALLBACKTYPE_nmi;
    MM_EXPECT(HYPERVISOR_callback_op(CALLBACKOP_unregister, &un), 0, "unregister nmi: 0");
    un.type = 99;
    MM_EXPECT(HYPERVISOR_callback_op(CALLBACKOP_unregister, &un), -XEN_ENOSYS, "unregister unknown type: -ENOSYS");
    MM_EXPECT(HYPERVISOR_callback_op(7, &un), -XEN_EINVAL, "unknown callback_op command: -EINVAL");
    MM_EXPECT(HYPERVISOR_callback_op(CALLBACKOP_register, (void *)0xF5800000u), -XEN_EFAULT,
              "callback_op with a pointer into the hypervisor area: -EFAULT");
    MM_EXPECT(HYPERVISOR_set_callbacks(FLAT_RING1_CS, trap_handler(0xf0), FLAT_RING1_CS,
                                       (uint32_t)(uintptr_t)trap_failsafe_entry), 0, "set_callbacks");
}

unsigned int guest_main(void)
{
    mm_init("trap-hostile");
    moat = trap_on_moat();
    hv = mm_hv_start();
    print("# running on %s, hypervisor area from 0x%x\n", moat ? "Moat" : "Xen", hv);
    trap_setup(1);
    descriptors();
    traps();
    io();
    privileged();
    cpuid_policy();
    callbacks();
    mm_check_alive();
    return mm_finish("trap-hostile");
}
