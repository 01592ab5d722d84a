/* The application processors' first instructions. smp.c copies [ap_trampoline,
 * ap_trampoline_end) to SMP_TRAMPOLINE_PA (below 1 MB, page aligned) and sends the SIPI with
 * vector SMP_TRAMPOLINE_PA >> 12, so the AP starts here in real mode at CS = 0x0800, IP = 0.
 *
 * It loads a three-entry GDT of its own (flat ring-0 code and data), enters protected mode,
 * turns on EFER.NXE when Moat's tables use NX (a set NX bit is a reserved-bit fault otherwise),
 * PAE, and paging with CR0.WP on the L3 smp.c prepared (slot 0: an identity 2 MB page so this
 * code survives the switch; slot 3: Moat's master L2), then jumps to ap_entry (linked in the
 * direct map) on the stack smp.c chose. ap_entry loads the CPU's real GDT, TSS, IDT and CR3.
 * The parameters are the words at the end, filled in by smp.c before each start. */
#define TRAMP_PA 0x8000
#define T(x) (TRAMP_PA + (x) - ap_trampoline)

    .section .rodata
    .balign 16
    .globl ap_trampoline, ap_trampoline_end
    .globl ap_tramp_cr3, ap_tramp_esp, ap_tramp_entry, ap_tramp_nx
ap_trampoline:
    .code16
    cli
    cld
    movw %cs, %ax
    movw %ax, %ds
    lgdtl (tramp_gdt_ptr - ap_trampoline)
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $0x08, $T(pm32)

    .code32
pm32:
    movl $0x10, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    xorl %eax, %eax
    movl %eax, %fs
    movl %eax, %gs
    cmpl $0, T(ap_tramp_nx)
    je 1f
    movl $0xC0000080, %ecx
    rdmsr
    orl $0x800, %eax
    wrmsr
1:  movl %cr4, %eax
    orl $0x20, %eax                 /* PAE */
    movl %eax, %cr4
    movl T(ap_tramp_cr3), %eax
    movl %eax, %cr3
    movl %cr0, %eax
    orl $0x80010000, %eax           /* PG | WP */
    movl %eax, %cr0
    movl T(ap_tramp_esp), %esp
    xorl %ebp, %ebp
    pushl $0                        /* end of the frame-pointer chain */
    movl T(ap_tramp_entry), %eax
    call *%eax
2:  cli
    hlt
    jmp 2b

    .balign 8
tramp_gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF        /* 0x08: flat code, ring 0 */
    .quad 0x00CF92000000FFFF        /* 0x10: flat data, ring 0 */
tramp_gdt_ptr:
    .word 23
    .long T(tramp_gdt)
    .balign 4
ap_tramp_cr3:   .long 0
ap_tramp_esp:   .long 0
ap_tramp_entry: .long 0
ap_tramp_nx:    .long 0
ap_trampoline_end:
