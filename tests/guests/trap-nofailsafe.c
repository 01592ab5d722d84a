/* trap-nofailsafe: the same refused iret frame as trap-failsafe, but the guest registered no
 * failsafe callback: the hypervisor must kill the domain (and, for the last domain, Moat exits
 * FAIL with the reason); the guest must never get past the iret. */
#include "trap-lib.h"

static void do_bad_iret(uint32_t eip)
{
    asm volatile("pushl $0x002; pushl $0x0d; pushl %0; movl $0, %%eax; jmp hypercall_page + 23 * 32"
                 :: "r"(eip) : "eax", "memory");
}

unsigned int guest_main(void)
{
    mm_init("trap-nofailsafe");
    trap_setup(0);
    print("trap-nofailsafe: iret to a missing code selector, no failsafe callback\n");
    int r = trap_catch(do_bad_iret, 0xC0101234u);
    print("not ok - trap-nofailsafe: survived the bad iret (%d)\n", r);
    return SHUTDOWN_crash;      /* reached only if the hypervisor let the guest continue */
}
