/* Handlers of the trap-* guests (trap-lib.h). Vector v's handler is at trap_stubs + 16 * v:
 * it pushes a zero error code when the CPU/hypervisor pushes none, then the vector, and joins
 * trap_common, which copies the frame into trap_last and resumes trap_catch's caller.
 * Bounce frame (xen-x86_32.h / Xen create_bounce_frame), after the two pushes:
 *   0 vec  4 err  8 eip  12 cs|mask<<16  16 eflags  [20 esp  24 ss  from ring 3] */
#define FLAT_RING1_DS 0xe021
#define HAS_ERRCODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

        .text
        .balign 16
        .globl trap_stubs
trap_stubs:
        .set vec, 0
        .rept 256
        .balign 16
        .if HAS_ERRCODE(vec)
        .if vec < 32
        pushl $vec
        .else
        pushl $0
        pushl $vec
        .endif
        .else
        pushl $0
        pushl $vec
        .endif
        jmp trap_common
        .set vec, vec + 1
        .endr

trap_common:
        cld
        movl $FLAT_RING1_DS, %eax       /* a ring-3 trap arrives with the user's selectors */
        movl %eax, %ds
        movl %eax, %es
        movl 0(%esp), %eax
        movl %eax, trap_last + 0
        movl 4(%esp), %eax
        movl %eax, trap_last + 4
        movl 8(%esp), %eax
        movl %eax, trap_last + 8
        movl 12(%esp), %eax
        movl %eax, trap_last + 12
        movl 16(%esp), %eax
        movl %eax, trap_last + 16
        movl $0, trap_last + 20
        movl $0, trap_last + 24
        testb $2, 12(%esp)
        jz 1f
        movl 20(%esp), %eax
        movl %eax, trap_last + 20
        movl 24(%esp), %eax
        movl %eax, trap_last + 24
1:      incl trap_last + 44
        movl 0(%esp), %eax
        jmp trap_resume

/* Failsafe callback: frame ds es fs gs eip cs eflags [esp ss]. The hypervisor nulled the data
 * selectors: load ours before touching memory. */
        .globl trap_failsafe_entry
trap_failsafe_entry:
        cld
        movl $FLAT_RING1_DS, %eax
        movl %eax, %ds
        movl %eax, %es
        movl 0(%esp), %eax
        movl %eax, trap_last + 28
        movl 4(%esp), %eax
        movl %eax, trap_last + 32
        movl 8(%esp), %eax
        movl %eax, trap_last + 36
        movl 12(%esp), %eax
        movl %eax, trap_last + 40
        movl 16(%esp), %eax
        movl %eax, trap_last + 8
        movl 20(%esp), %eax
        movl %eax, trap_last + 12
        movl 24(%esp), %eax
        movl %eax, trap_last + 16
        movl $0xfa11, trap_last + 0
        incl trap_last + 48
        movl $0x100, %eax
        jmp trap_resume

/* int trap_catch(void (*fn)(uint32_t), uint32_t arg) */
        .globl trap_catch
trap_catch:
        pushl %ebp
        pushl %ebx
        pushl %esi
        pushl %edi
        movl %esp, catch_esp
        pushl 24(%esp)
        call *24(%esp)
        addl $4, %esp
        movl $-1, %eax
catch_done:
        movl $0, catch_esp
        popl %edi
        popl %esi
        popl %ebx
        popl %ebp
        ret

/* %eax = result. No catch armed: an unexpected trap, the guest gives up. */
        .globl trap_resume
trap_resume:
        movl catch_esp, %ecx
        testl %ecx, %ecx
        jz 2f
        movl $FLAT_RING1_DS, %edx
        movl %edx, %ss
        movl %ecx, %esp
        jmp catch_done
2:      pushl %eax
        call trap_unexpected
3:      jmp 3b

/* void trap_enter_user(uint32_t fn): iret to ring 3 at fn on the user stack. */
#define FLAT_RING3_CS 0xe02b
#define FLAT_RING3_DS 0xe033
        .globl trap_enter_user
trap_enter_user:
        movl 4(%esp), %ecx
        movl $FLAT_RING3_DS, %eax
        movl %eax, %ds
        movl %eax, %es
        pushl $FLAT_RING3_DS
        pushl $user_stack_top
        pushl $0x202
        pushl $FLAT_RING3_CS
        pushl %ecx
        iret

        .data
        .globl catch_esp
catch_esp: .long 0

        .section .data.user, "aw"
        .balign 4096
        .globl user_stack
user_stack:
        .fill 4096, 1, 0
user_stack_top:
