/* The user-mode side of the entry code: the int $0x80 stub, the kernel context switch, the
 * first return of a forked task, the user-memory copy routines with their fault fixup, and the
 * FPU save/restore used at context switches.
 *
 * System calls take the same path as every trap (trap_common -> trap_dispatch -> the vector's
 * handler -> trap_return/iret), so there is one way into and one way out of the kernel; the
 * gate is a DPL-3 trap gate (registered through the write_idt_entry pv-op, which on Moat makes
 * it a direct ring-3 -> ring-1 trap that never enters the hypervisor); syscall_dispatch turns
 * interrupts off as its first step. */
    .text

    .globl syscall_entry
syscall_entry:
    pushl $0                    /* error code slot */
    pushl $0x80                 /* vector */
    jmp trap_common

/* void swtch(uint32_t *old_sp, uint32_t new_sp): saves the callee-saved registers on the
 * current kernel stack, stores its pointer, and resumes the other context where it called
 * swtch (or at fork_return for a new task). */
    .globl swtch
swtch:
    movl 4(%esp), %eax
    movl 8(%esp), %edx
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl %esp, (%eax)
    movl %edx, %esp
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret

/* A new task's first run: its kernel stack holds the user frame right above this return
 * address; leave through the common trap exit. */
    .globl fork_return
fork_return:
    pushl %esp
    call proc_fork_tail
    addl $4, %esp
    jmp trap_return

/* pid 1's first run: become the init program (proc_init_entry execs it, filling the user
 * frame above us), then leave to user mode like a forked task. */
    .globl init_trampoline
init_trampoline:
    call proc_init_entry
    jmp fork_return

/* User copies. All three routines save %esi/%edi the same way, so one fixup serves them:
 * the #PF handler, finding a fault it cannot resolve with eip inside [__uaccess_start,
 * __uaccess_end), resumes at __uaccess_fixup, which returns -1. */
    .globl __uaccess_start, __uaccess_end, __uaccess_fixup
    .globl __copy_user, __clear_user, __strncpy_user
__uaccess_start:
__copy_user:                    /* (dst, src, n) */
    pushl %esi
    pushl %edi
    movl 12(%esp), %edi
    movl 16(%esp), %esi
    movl 20(%esp), %ecx
    cld
    rep movsb
    xorl %eax, %eax
    popl %edi
    popl %esi
    ret

__clear_user:                   /* (dst, n) */
    pushl %esi
    pushl %edi
    movl 12(%esp), %edi
    movl 16(%esp), %ecx
    xorl %eax, %eax
    cld
    rep stosb
    popl %edi
    popl %esi
    ret

__strncpy_user:                 /* (dst, src, max) -> length, or max when no NUL */
    pushl %esi
    pushl %edi
    movl 12(%esp), %edi
    movl 16(%esp), %esi
    movl 20(%esp), %ecx
    xorl %edx, %edx
    cld
1:  cmpl %ecx, %edx
    jae 2f
    lodsb
    stosb
    testb %al, %al
    jz 2f
    incl %edx
    jmp 1b
2:  movl %edx, %eax
    popl %edi
    popl %esi
    ret
__uaccess_end:

__uaccess_fixup:
    movl $-1, %eax
    popl %edi
    popl %esi
    ret

/* FPU/SSE state (fxsave format, 512 bytes, 16-aligned). The kernel itself never touches the
 * FPU (-mgeneral-regs-only), so saving at each switch away from a task is enough. */
    .globl fpu_save, fpu_restore, fpu_init_state
fpu_save:
    movl 4(%esp), %eax
    fxsave (%eax)
    ret
fpu_restore:
    movl 4(%esp), %eax
    fxrstor (%eax)
    ret
fpu_init_state:
    movl 4(%esp), %eax
    fninit
    fxsave (%eax)
    ret

    .section .note.GNU-stack, "", @progbits
