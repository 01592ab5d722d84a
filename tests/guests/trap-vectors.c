/* trap-vectors: every exception vector round-trips through the guest's own trap table, in
 * ring 1 and in ring 3 (issue 5 item 8), with the frame the Xen ABI promises: the faulting (or
 * next) eip, the guest's cs with the saved upcall mask in bits 16-23, eflags with the virtual
 * IF, the CPU's error code, for #PF the address in vcpu_info arch.cr2; from ring 3 the frame is
 * on the stack_switch stack and carries the user ss:esp. Also: #NM with lazy FPU state
 * (fpu_taskswitch), a DPL-3 software interrupt (int $0x20, delivered through the #GP path), and
 * a ring-3 int $0x80 that reaches the guest's handler without entering the hypervisor (on
 * Moat: the exception and hypercall counters do not move). */
#include "trap-lib.h"

#define USER_TEXT __attribute__((section(".text.user"), noinline, aligned(4096)))

static void do_div0(uint32_t x) { volatile uint32_t z = 0; volatile uint32_t r = x / z; (void)r; }
static void do_step(uint32_t x) { (void)x; asm volatile("pushfl; orl $0x100, (%%esp); popfl; nop; nop" ::: "memory", "cc"); }
static void do_int3(uint32_t x) { (void)x; asm volatile("int3"); }
static void do_into(uint32_t x) { (void)x; asm volatile("movl $0x7fffffff, %%eax; addl $1, %%eax; into" ::: "eax", "cc"); }
static void do_bound(uint32_t x)
{
    static int32_t bounds[2] = { 0, 10 };
    int32_t i = (int32_t)x;
    asm volatile("bound %0, %1" :: "r"(i), "m"(bounds));
}
static void do_ud2(uint32_t x) { (void)x; asm volatile("ud2"); }
static void do_fpu(uint32_t x) { (void)x; asm volatile("fninit; fld1"); }
static void do_gp(uint32_t x)
{
    static struct { uint16_t limit; uint32_t base; } __attribute__((packed)) p;
    (void)x;
    asm volatile("lgdt %0" :: "m"(p));
}
static void do_pf(uint32_t va) { (void)*(volatile uint32_t *)va; }
static void do_int20(uint32_t x) { (void)x; asm volatile("int $0x20"); }
static void do_int80(uint32_t x) { (void)x; asm volatile("int $0x80" :: "a"(0x1234)); }
/* ring-3 bodies: each ends in a trap (nothing returns to ring 3's caller) */
USER_TEXT void user_int80(void) { asm volatile("movl $0x80, %%eax; int $0x80; ud2" ::: "eax"); }
USER_TEXT void user_int3(void) { asm volatile("int3; ud2"); }
USER_TEXT void user_gp(void) { asm volatile("cli; ud2"); }
USER_TEXT void user_int82(void) { asm volatile("movl $17, %%eax; int $0x82; ud2" ::: "eax"); }
USER_TEXT void user_pf(void) { (void)*(volatile uint32_t *)0x1000; asm volatile("ud2"); }
USER_TEXT void user_ac(void)
{
    asm volatile("pushfl; orl $0x40000, (%%esp); popfl; movl -7(%%esp), %%eax; ud2" ::: "eax", "memory");
}
static void to_user(uint32_t fn) { trap_enter_user(fn); }

extern char user_stack[];

static void expect(int got, int vec, const char *what)
{
    mm_check(got == vec, what, got);
}

unsigned int guest_main(void)
{
    extern char trap_stubs[];
    int r;
    mm_init("trap-vectors");
    trap_setup(0);

    r = trap_catch(do_div0, 7);
    expect(r, 0, "#DE divide error bounced to the guest handler");
    mm_check((trap_last.cs & 0xFFFF) == FLAT_RING1_CS, "#DE frame cs is the ring-1 cs", trap_last.cs);
    mm_check(((trap_last.cs >> 16) & 0xFF) == 1, "saved upcall mask (1, events masked) in cs bits 16-23",
             trap_last.cs);
    mm_check(!(trap_last.eflags & 0x200), "frame EFLAGS.IF == !upcall mask (0)", trap_last.eflags);
    mm_check(trap_last.eip > 0xC0000000u && trap_last.eip < 0xC0200000u, "#DE eip is in the guest", trap_last.eip);

    expect(trap_catch(do_step, 0), 1, "#DB (single step, EFLAGS.TF) bounced");
    mm_check((trap_last.eflags & 0x100) != 0, "#DB frame: the interrupted EFLAGS has TF set", trap_last.eflags);
    r = trap_catch(do_int3, 0);
    expect(r, 3, "#BP int3 bounced");
    expect(trap_catch(do_into, 0), 4, "#OF into bounced");
    r = trap_catch(do_bound, 11);
    expect(r, 5, "#BR bound bounced");
    mm_check(trap_catch(do_bound, 5) == TRAP_NONE, "bound within range does not trap", 0);
    expect(trap_catch(do_ud2, 0), 6, "#UD ud2 bounced");

    /* #NM: with the virtual TS set, the first FPU instruction is the guest's #NM; after
     * fpu_taskswitch(0) the FPU works (lazy state restored by the hypervisor). */
    MM_EXPECT(HYPERVISOR_fpu_taskswitch(1), 0, "fpu_taskswitch(1): virtual CR0.TS set");
    expect(trap_catch(do_fpu, 0), 7, "#NM bounced while the virtual TS is set");
    mm_check(trap_catch(do_fpu, 0) == TRAP_NONE, "after #NM the TS is clear: FPU usable (Xen clears it)", 0);
    MM_EXPECT(HYPERVISOR_fpu_taskswitch(1), 0, "fpu_taskswitch(1) again");
    MM_EXPECT(HYPERVISOR_fpu_taskswitch(0), 0, "fpu_taskswitch(0): clts");
    mm_check(trap_catch(do_fpu, 0) == TRAP_NONE, "FPU usable after fpu_taskswitch(0), no #NM", 0);
    {
        uint32_t cw = 0;
        asm volatile("fninit; fldpi; fstp %%st(0); fnstcw %0" : "=m"(cw));
        mm_check((cw & 0xFFFF) == 0x37f, "FPU state is live (fninit control word 0x37f)", cw);
    }

    r = trap_catch(do_gp, 0);
    expect(r, 13, "#GP (lgdt from ring 1) bounced");
    mm_check(trap_last.err == 0, "#GP error code 0", trap_last.err);

    uint32_t bad = 0xC0000000u + start_info->nr_pages * 4096u + 0x123000u;
    r = trap_catch(do_pf, bad);
    expect(r, 14, "#PF on an unmapped address bounced");
    /* vcpu_info arch.cr2: map the shared_info frame (a machine address) at a scratch page */
    MM_EXPECT(mm_remap(mm_scratch_va(0), start_info->shared_info >> 12, PG_P | PG_RW | PG_A), 0,
              "map shared_info");
    volatile struct shared_info *si = (volatile struct shared_info *)mm_scratch_va(0);
    mm_check(si->vcpu_info[0].arch.cr2 == bad, "#PF: vcpu_info arch.cr2 holds the faulting address",
             si->vcpu_info[0].arch.cr2);
    mm_check((trap_last.err & 1) == 0 && (trap_last.err & 4) == 0, "#PF error: not-present, supervisor", trap_last.err);

    int moat = trap_on_moat();
    /* A software int n through a DPL-0 IDT entry arrives as #GP whose error code names the
     * entry; Xen 4.17 on QEMU TCG cannot decode it (QEMU 7.2 reports the 64-bit IDT offset:
     * DESIGN.md's caveat), so on Xen these checks are skipped, not failed. 32-bit Moat is not
     * affected. */
    r = trap_catch(do_int20, 0);
    if (moat || r == 0x20) {
        expect(r, 0x20, "int $0x20 (DPL 3 trap entry) delivered to its handler");
        mm_check(trap_last.err == 0, "software interrupt: no error code", trap_last.err);
    } else {
        print("# int $0x20 on Xen/QEMU: got %d err 0x%x (QEMU int-n #GP error code caveat): skipped\n", r, trap_last.err);
    }
    r = trap_catch(do_int80, 0);
    expect(r, 0x80, "int $0x80 from ring 1 reaches the handler");

    /* ring 3 */
    trap_make_user((uint32_t)(uintptr_t)user_int80, 4096);
    trap_make_user((uint32_t)(uintptr_t)user_int3, 4096);
    trap_make_user((uint32_t)(uintptr_t)user_gp, 4096);
    trap_make_user((uint32_t)(uintptr_t)user_int82, 4096);
    trap_make_user((uint32_t)(uintptr_t)user_pf, 4096);
    trap_make_user((uint32_t)(uintptr_t)user_ac, 4096);
    trap_make_user((uint32_t)(uintptr_t)user_stack, 4096);
    struct moat_counters before, after;
    if (moat)
        trap_counters(&before);
    r = trap_catch(to_user, (uint32_t)(uintptr_t)user_int80);
    if (moat)
        trap_counters(&after);
    expect(r, 0x80, "ring-3 int $0x80 taken by the guest's handler");
    mm_check((trap_last.cs & 3) == 3, "int $0x80 frame: interrupted cs is ring 3", trap_last.cs);
    mm_check(trap_last.ss == FLAT_RING3_SS && trap_last.esp > (uint32_t)(uintptr_t)user_stack,
             "int $0x80 frame carries the user ss:esp", trap_last.ss);
    if (moat) {
        mm_check(after.exceptions == before.exceptions, "Moat: int $0x80 did not enter Moat (exceptions unchanged)",
                 (long)(after.exceptions - before.exceptions));
        mm_check(after.hypercall_traps == before.hypercall_traps + 1,
                 "Moat: hypercall traps moved only by the second moat_op", (long)(after.hypercall_traps - before.hypercall_traps));
    } else {
        print("# not on Moat: trap counters not checked\n");
    }
    r = trap_catch(to_user, (uint32_t)(uintptr_t)user_int3);
    expect(r, 3, "ring-3 int3 bounced onto the kernel stack");
    mm_check((trap_last.cs & 3) == 3, "ring-3 int3 frame cs is ring 3", trap_last.cs);
    r = trap_catch(to_user, (uint32_t)(uintptr_t)user_gp);
    expect(r, 13, "ring-3 cli: #GP bounced");
    r = trap_catch(to_user, (uint32_t)(uintptr_t)user_int82);
    if (moat || r == 13) {
        expect(r, 13, "ring-3 int $0x82 (hypercall gate is DPL 1): #GP");
        mm_check(trap_last.err == (0x82 << 3 | 2), "#GP error code names IDT entry 0x82", trap_last.err);
    } else {
        print("# ring-3 int $0x82 on Xen/QEMU: got %d (QEMU int-n #GP error code caveat): skipped\n", r);
    }
    r = trap_catch(to_user, (uint32_t)(uintptr_t)user_pf);
    expect(r, 14, "ring-3 #PF bounced");
    mm_check((trap_last.err & 4) == 4, "ring-3 #PF error code has the user bit", trap_last.err);
    r = trap_catch(to_user, (uint32_t)(uintptr_t)user_ac);
    /* #AC exists only in ring 3 (CR0.AM, which Moat sets, and EFLAGS.AC); QEMU TCG does not
     * implement alignment checks, so there the load completes and ud2 follows */
    if (r == 17) {
        mm_check(trap_last.err == 0 && (trap_last.cs & 3) == 3, "ring-3 #AC bounced, error code 0", trap_last.err);
    } else {
        mm_check(r == 6, "ring-3 misaligned load with EFLAGS.AC completed (no #AC on this CPU): ud2 next", r);
        print("# #AC not raised by this CPU (QEMU TCG has no alignment checks): skipped\n");
    }
    (void)trap_stubs;
    mm_check_alive();
    return mm_finish("trap-vectors");
}
