/* 16-bit real-mode routines vm86test copies to offset 0 of segment 0x1000 (linear 0x10000) and
 * runs in virtual-8086 mode. Each lies between rm_<name> and rm_<name>_end; offsets inside a
 * routine are taken from its start, since that is where it runs. `int $0x20` is the "done"
 * call every routine ends with (revectored: the caller sees VM86_INTx 0x20). */
    .section .rodata
    .code16

/* sum 1..10 with loop; then ax *= bx through int 0x21, which the caller services (ax <- ax*bx) */
    .globl rm_compute, rm_compute_end
rm_compute:
    xorw %ax, %ax
    movw $10, %cx
1:  addw %cx, %ax
    loop 1b
    movw $3, %bx
    int $0x21
    addw $1, %ax
    int $0x20
rm_compute_end:

/* cli/sti/pushf/popf on the virtual IF: ax = flags after cli, bx = after sti,
 * cx = after popf of 0x0001 (CF, IF off), dx = after popf of 0x0201 (CF, IF on) */
    .globl rm_flags, rm_flags_end
rm_flags:
    cli
    pushf
    popw %ax
    sti
    pushf
    popw %bx
    pushw $0x0001
    popf
    pushf
    popw %cx
    pushw $0x0201
    popf
    pushf
    popw %dx
    int $0x20
rm_flags_end:

/* iret to a target with IF set in the popped flags; si = a marker set at the target */
    .globl rm_iret, rm_iret_end
rm_iret:
    cli
    pushw $0x0202
    pushw %cs
    pushw $(2f - rm_iret)
    iret
    movw $0xdead, %si
    int $0x20
2:  movw $0x1234, %si
    pushf
    popw %di
    int $0x20
rm_iret_end:

/* port I/O traps with IOPL 0: the caller gets VM86_UNKNOWN at the in instruction */
    .globl rm_io, rm_io_end, rm_io_insn
rm_io:
    movw $0x3f8, %dx
rm_io_insn:
    inb %dx, %al
    int $0x20
rm_io_end:

/* int n with no bit in int_revectored: reflected through the IVT at linear 0, which is not
 * mapped here, so the caller gets it (VM86_INTx 0x13) */
    .globl rm_int13, rm_int13_end
rm_int13:
    int $0x13
    int $0x20
rm_int13_end:

/* sti while the caller has set VIP: VM86_STI */
    .globl rm_sti, rm_sti_end
rm_sti:
    cli
    sti
    int $0x20
rm_sti_end:

/* int3: VM86_TRAP 3 under vm86plus */
    .globl rm_int3, rm_int3_end
rm_int3:
    int3
    int $0x20
rm_int3_end:

/* spin until a signal ends the call (VM86_SIGNAL) */
    .globl rm_spin, rm_spin_end
rm_spin:
1:  jmp 1b
rm_spin_end:

/* segment registers as the caller set them; a read of a never-touched page (demand paging:
 * zero); then a read of unmapped memory (ds=0x3000: SIGSEGV, VM86_SIGNAL) */
    .globl rm_mem, rm_mem_end
rm_mem:
    movw %es, %ax
    movw %ds, %bx
    movw 0x8000, %cx
    movw $0x3000, %dx
    movw %dx, %ds
    movw 0x0000, %dx
    int $0x20
rm_mem_end:

/* hlt: privileged, VM86_UNKNOWN */
    .globl rm_hlt, rm_hlt_end
rm_hlt:
    hlt
    int $0x20
rm_hlt_end:

    .code32
    .section .note.GNU-stack, "", @progbits
