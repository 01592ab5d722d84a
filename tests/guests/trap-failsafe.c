/* trap-failsafe: a guest context the hypervisor cannot restore (issue 5 item 4), as Xen 4.17
 * handles it:
 *   - an iret hypercall whose frame names a code selector that does not exist (an LDT selector
 *     with no LDT): the CPU refuses the iret and the guest gets that #GP (error code = the
 *     selector) as if raised in the context it was returning to (frame cs:eip = the refused
 *     ones);
 *   - a trap handler registered with the hypervisor's ring-0 cs: the RPL is raised to 1, the
 *     CPU refuses the DPL-0 segment for ring 1: #GP(0xe008) to the guest, which never reaches
 *     ring 0;
 *   - the failsafe callback, with the frame of xen-x86_32.h (ds es fs gs, then eip cs eflags)
 *     and the data selectors nulled: %es loaded from a descriptor that is then removed
 *     (update_descriptor). Moat reloads ds/es on every exit (it uses them itself), so that
 *     hypercall's exit enters the failsafe with the stale selector in the frame. Xen 4.17
 *     reloads data selectors only on a context switch (and Moat, like it, leaves an unchanged
 *     fs/gs alone): on Xen this part is skipped, and the same test with %fs checks Moat keeps
 *     the guest running as Xen does.
 * The iret hypercall itself is also checked on a good frame (eax, eip, cs, eflags restored,
 * the upcall mask from EFLAGS.IF). */
#include "trap-lib.h"

extern char hypercall_page[];
static uint32_t iret_cs, iret_eflags, iret_eax;

/* iret hypercall with frame {eax, eip, cs, eflags} for a ring-1 return */
static void do_iret(uint32_t eip)
{
    asm volatile("pushl %0; pushl %1; pushl %2; movl %3, %%eax; jmp hypercall_page + 23 * 32"
                 :: "r"(iret_eflags), "r"(iret_cs), "r"(eip), "r"(iret_eax) : "eax", "memory");
}

static volatile uint32_t landed_eax, landed_flag;
asm(".text\n"
    "landed_asm:\n"
    "  movl %eax, landed_eax\n"
    "  movl $1, landed_flag\n"
    "  movl $-2, %eax\n"
    "  jmp trap_resume\n");
extern char landed_asm[];

static void do_int3(uint32_t x) { (void)x; asm volatile("int3"); }
static volatile long remove_rc = 1;
/* removes descriptor 1 of the GDT frame whose mfn is given, while %fs is loaded from it */
static void do_remove(uint32_t mfn)
{
    remove_rc = HYPERVISOR_update_descriptor(((uint64_t)mfn << 12) + 8, 0);
    (void)HYPERVISOR_xen_version(XENVER_version, 0);
}

unsigned int guest_main(void)
{
    int moat;
    mm_init("trap-failsafe");
    moat = trap_on_moat();
    trap_setup(1);

    /* 1. a good iret frame */
    iret_cs = FLAT_RING1_CS;
    iret_eflags = 0x002;          /* IF clear: events stay masked */
    iret_eax = 0x12345678;
    int r = trap_catch(do_iret, (uint32_t)(uintptr_t)landed_asm);
    mm_check(r == -2 && landed_flag && landed_eax == 0x12345678,
             "iret hypercall restores eax and returns to eip", (long)landed_eax);

    /* 2. a bad code selector in the iret frame */
    iret_cs = 0x0d;               /* LDT entry 1, RPL 1: no LDT */
    r = trap_catch(do_iret, 0xC0101234u);
    mm_check(r == 13 && trap_last.err == 0x0c, "iret to a missing code selector: #GP(selector) to the guest", r);
    mm_check(trap_last.eip == 0xC0101234u && (trap_last.cs & 0xFFFF) == 0x0d,
             "#GP frame: the refused cs:eip", trap_last.cs);
    uint16_t ds;
    asm volatile("movw %%ds, %0" : "=r"(ds));
    mm_check(ds == FLAT_RING1_DS, "the guest continues with its own selectors", ds);

    /* 3. a trap handler with the hypervisor's ring-0 code selector */
    static struct trap_info t[2];
    t[0] = (struct trap_info){ 3, 3, 0xe008, trap_handler(3) };
    MM_EXPECT(HYPERVISOR_set_trap_table(t), 0, "int3 handler registered with cs 0xe008 (ring 0)");
    r = trap_catch(do_int3, 0);
    mm_check(r == 13 && trap_last.err == 0xe008, "int3 into a ring-0 cs: refused by the CPU, #GP(0xe008)", r);
    mm_check((trap_last.cs & 0xFFFF) == 0xe009, "#GP frame: cs 0xe008 with RPL raised to 1", trap_last.cs);
    uint16_t cs;
    asm volatile("movw %%cs, %0" : "=r"(cs));
    mm_check((cs & 3) == 1, "still in ring 1", cs);
    t[0] = (struct trap_info){ 3, 3, FLAT_RING1_CS, trap_handler(3) };
    MM_EXPECT(HYPERVISOR_set_trap_table(t), 0, "int3 handler restored");

    /* 4. a loaded data selector whose descriptor disappears */
    uint32_t gva = mm_scratch_va(2), gmfn = mm_scratch_mfn(2);
    volatile uint64_t *g = (volatile uint64_t *)gva;
    mm_zero_page(gva);
    uint32_t lim = (mm_hv_start() >> 12) - 1;       /* 4 KB pages up to the hypervisor area */
    /* flat DPL-1 read/write data segment, base 0, 4 KB granular, 32-bit */
    g[1] = (uint64_t)(lim & 0xFFFF) | ((uint64_t)(0x80 | 0x10 | (1 << 5) | 0x2) << 40) |
           ((uint64_t)((lim >> 16) & 0xF) << 48) | (0xCull << 52);
    uint64_t desc1 = g[1];
    uint32_t frames[1] = { gmfn };
    MM_EXPECT(mm_remap(gva, gmfn, PG_P | PG_A), 0, "GDT frame read-only");
    MM_EXPECT(HYPERVISOR_set_gdt(frames, 512), 0, "set_gdt");

    /* %fs: an unchanged fs/gs is left alone on exit, on Moat as on Xen */
    asm volatile("movw %w0, %%fs" :: "r"(0x09));
    r = trap_catch(do_remove, gmfn);
    mm_check(r == TRAP_NONE && remove_rc == 0,
             "descriptor behind a loaded %fs removed: the guest keeps running (as Xen)", r);
    asm volatile("movw %w0, %%fs" :: "r"(0));
    MM_EXPECT(HYPERVISOR_update_descriptor(((uint64_t)gmfn << 12) + 8, desc1), 0, "descriptor restored");

    /* %es: reloaded on every exit by Moat */
    remove_rc = 1;
    asm volatile("movw %w0, %%es" :: "r"(0x09));
    r = trap_catch(do_remove, gmfn);
    asm volatile("movw %w0, %%es" :: "r"(FLAT_RING1_DS));
    if (moat) {
        /* the exit of update_descriptor itself reloads %es: its result is in the failsafe's
         * interrupted context (eax), never stored in remove_rc */
        mm_check(r == TRAP_FAILSAFE, "the exit cannot reload %es: the failsafe callback runs", r);
        mm_check(trap_last.es == 0x09, "failsafe frame carries the stale es selector", trap_last.es);
        mm_check(trap_last.ds == FLAT_RING1_DS, "... and the good ds", trap_last.ds);
        mm_check(remove_rc == 1, "the interrupted code did not continue past the hypercall", remove_rc);
    } else {
        MM_EXPECT(remove_rc, 0, "update_descriptor removed the descriptor %es is loaded from");
        print("# Xen reloads data selectors only on a context switch: got %d, skipped\n", r);
    }
    MM_EXPECT(HYPERVISOR_set_gdt(frames, 0), 0, "GDT released");
    mm_check_alive();
    return mm_finish("trap-failsafe");
}
