/* Entry from the domain builder: ESI = start_info, ESP = the bootstrap stack it set up (used
 * as is, so a bad stack shows), flat ring-1 selectors. Also the hypercall page: the hypervisor
 * overwrites it; it starts as int3 so calling an unfilled page traps at once. */
        .text
        .globl _start
_start:
        cld
        movl %esi, start_info
        call guest_main
        pushl %eax
        call shutdown
1:      jmp 1b

        .section .text.hypercall_page, "ax"
        .balign 4096
        .globl hypercall_page
hypercall_page:
        .fill 4096, 1, 0xcc
