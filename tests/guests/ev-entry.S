/* The event and failsafe callbacks of the ev-* guests (see ev-lib.h). */
        .text
        .globl ev_upcall_entry
ev_upcall_entry:
        pushal
        cld
        leal 32(%esp), %eax            /* the bounce frame: eip, cs, eflags */
        pushl %eax
        call ev_upcall
        addl $4, %esp
        popal
        jmp hypercall_page + 23 * 32   /* HYPERVISOR_iret: pops eip, cs, eflags; sets mask */

        .globl ev_failsafe_entry
ev_failsafe_entry:
        cld
        call ev_failsafe
1:      jmp 1b
