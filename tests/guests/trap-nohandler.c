/* trap-nohandler: an iret hypercall to a code selector the CPU refuses, with no trap table (and
 * no failsafe callback): the #GP has nowhere to go, the hypervisor must kill the domain with
 * the reason (Moat, the last domain gone, exits FAIL); Xen 4.17 crashes the domain the same
 * way. The guest must never get past the iret. */
#include "trap-lib.h"

static void do_bad_iret(uint32_t eip)
{
    asm volatile("pushl $0x002; pushl $0x0d; pushl %0; movl $0, %%eax; jmp hypercall_page + 23 * 32"
                 :: "r"(eip) : "eax", "memory");
}

unsigned int guest_main(void)
{
    mm_init("trap-nohandler");
    MM_EXPECT(HYPERVISOR_set_trap_table(0), 0, "set_trap_table(NULL): no handlers at all");
    print("trap-nohandler: iret to a missing code selector, no handler for the #GP\n");
    int r = trap_catch(do_bad_iret, 0xC0101234u);
    print("trap-nohandler: survived the bad iret (%d)\n", r);
    return SHUTDOWN_crash;
}
