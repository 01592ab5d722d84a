/* Exception and interrupt entry stubs: every vector builds the same struct trap_frame
 * (include/trap.h) and calls trap_dispatch(frame); returning from it resumes the interrupted
 * code with the (possibly modified) frame.
 *
 * The same stubs serve native IDT gates and the hypervisor's trap table: both deliver the
 * hardware exception frame (error code pushed only for vectors that have one). */
    .text

.macro TRAP_NOERR vec
    .globl trap_entry_\vec
trap_entry_\vec:
    pushl $0
    pushl $\vec
    jmp trap_common
.endm

.macro TRAP_ERR vec
    .globl trap_entry_\vec
trap_entry_\vec:
    pushl $\vec
    jmp trap_common
.endm

TRAP_NOERR 0
TRAP_NOERR 1
TRAP_NOERR 2
TRAP_NOERR 3
TRAP_NOERR 4
TRAP_NOERR 5
TRAP_NOERR 6
TRAP_NOERR 7
TRAP_ERR   8
TRAP_NOERR 9
TRAP_ERR   10
TRAP_ERR   11
TRAP_ERR   12
TRAP_ERR   13
TRAP_ERR   14
TRAP_NOERR 15
TRAP_NOERR 16
TRAP_ERR   17
TRAP_NOERR 18
TRAP_NOERR 19
TRAP_NOERR 20
TRAP_ERR   21
TRAP_NOERR 22
TRAP_NOERR 23
TRAP_NOERR 24
TRAP_NOERR 25
TRAP_NOERR 26
TRAP_NOERR 27
TRAP_NOERR 28
TRAP_ERR   29
TRAP_ERR   30
TRAP_NOERR 31
/* Legacy PIC interrupts, remapped to 32..47. */
TRAP_NOERR 32
TRAP_NOERR 33
TRAP_NOERR 34
TRAP_NOERR 35
TRAP_NOERR 36
TRAP_NOERR 37
TRAP_NOERR 38
TRAP_NOERR 39
TRAP_NOERR 40
TRAP_NOERR 41
TRAP_NOERR 42
TRAP_NOERR 43
TRAP_NOERR 44
TRAP_NOERR 45
TRAP_NOERR 46
TRAP_NOERR 47

    .globl trap_common
trap_common:
    pushl %ds
    pushl %es
    pushl %fs
    pushl %gs
    pushal
    movw kernel_ds, %ax               /* the trap may come from user mode: use kernel data */
    movw %ax, %ds
    movw %ax, %es
    cld
    pushl %esp                        /* struct trap_frame * */
    call trap_dispatch
    addl $4, %esp
    .globl trap_return
trap_return:
    popal
    popl %gs
    popl %fs
    popl %es
    popl %ds
    addl $8, %esp                     /* vector and error code */
    iret

/* Table of stub addresses, indexed by vector, for desc_init. */
    .section .rodata
    .balign 4
    .globl trap_entry_table
trap_entry_table:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .long trap_entry_\v
.endr
.irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
    .long trap_entry_\v
.endr

    .section .note.GNU-stack, "", @progbits
