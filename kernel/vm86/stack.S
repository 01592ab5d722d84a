/* vm86_switch_frame(src, dst, words): the one way into and out of virtual-8086 mode
 * (vm86.c). Copies `words` 32-bit words of a trap frame from src to dst (words may be 0 when
 * the frame is already in place), makes dst the stack pointer and leaves through the common
 * trap exit, whose iret enters virtual-8086 mode (EFLAGS.VM in the frame: the CPU also pops
 * es ds fs gs) or returns to the 32-bit caller.
 *
 * dst is the top of the current task's kernel stack, above every C frame of the caller
 * (vm86.c checks), so the copy never overwrites the source, our arguments or our return path;
 * what it does overwrite (the frames of the system call in progress) is never used again.
 * No privileged instruction here: the iret is trap_return's (arch/x86_32/entry.S). */
    .text
    .globl vm86_switch_frame
vm86_switch_frame:
    movl 4(%esp), %esi
    movl 8(%esp), %edi
    movl 12(%esp), %ecx
    movl %edi, %edx
    cld
    rep movsl
    movl %edx, %esp
    jmp trap_return

    .section .note.GNU-stack, "", @progbits
