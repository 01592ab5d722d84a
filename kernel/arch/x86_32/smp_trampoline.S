/* Native AP start-up: the real-mode trampoline INIT-SIPI-SIPI starts, and the SMP interrupt
 * stubs (local APIC timer, IPIs, spurious).
 *
 * smp_tramp_start..smp_tramp_end is copied to SMP_TRAMP_PHYS (below 1 MB, page-aligned: the
 * SIPI vector is its page number) before every start, so bringing a CPU online after a hot
 * remove takes exactly the boot path. It is assembled for that address: every absolute
 * address inside is SMP_TRAMP_PHYS + (label - smp_tramp_start).
 *
 * Steps: real mode -> protected mode on a 3-entry flat GDT inside the trampoline -> PAE (and
 * NX if the BSP has it) on the boot page tables of head.S (boot_pdpt: the first 4 MB identity
 * mapped, so the instruction after "paging on" still has a mapping, and low memory at
 * PAGE_OFFSET) -> jump to the kernel's virtual address -> the kernel's own cr3 and the stack
 * the BSP prepared (smp_ap_boot_esp) -> smp_ap_start() in C, which loads the CPU's own GDT,
 * TSS and the shared IDT. */
#define PAGE_OFFSET 0xC0000000
#define PA(sym) ((sym) - PAGE_OFFSET)
#define SMP_TRAMP_PHYS 0x8000
#define TR(sym) (SMP_TRAMP_PHYS + ((sym) - smp_tramp_start))

    .section .rodata
    .balign 16
    .globl smp_tramp_start, smp_tramp_end
smp_tramp_start:
    .code16
    cli
    cld
    movw %cs, %ax
    movw %ax, %ds
    lgdtl tramp_gdtr - smp_tramp_start
    movl %cr0, %eax
    orl $1, %eax                      /* CR0.PE */
    movl %eax, %cr0
    ljmpl $0x08, $TR(tramp32)

    .code32
tramp32:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movl %cr4, %eax
    orl $0x20, %eax                   /* CR4.PAE */
    movl %eax, %cr4
    cmpl $0, PA(boot_nx_enabled)
    je 1f
    movl $0xC0000080, %ecx            /* EFER.NXE, as head.S set it on the BSP */
    rdmsr
    orl $0x800, %eax
    wrmsr
1:  movl $PA(boot_pdpt), %eax
    movl %eax, %cr3
    movl %cr0, %eax
    orl $0x80010000, %eax             /* CR0.PG | CR0.WP */
    movl %eax, %cr0
    movl $smp_ap_high, %eax
    jmp *%eax

    .balign 8
tramp_gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF          /* flat 4 GB code, ring 0 */
    .quad 0x00CF92000000FFFF          /* flat 4 GB data, ring 0 */
tramp_gdtr:
    .word 3 * 8 - 1
    .long TR(tramp_gdt)
smp_tramp_end:

    .text
    .code32
smp_ap_high:
    movl smp_ap_boot_cr3, %eax        /* the kernel's page tables (boot_pdpt's are for entry only) */
    movl %eax, %cr3
    movl smp_ap_boot_esp, %esp
    xorl %ebp, %ebp
    pushl $0                          /* fake return address ends backtraces */
    jmp smp_ap_start

/* Interrupt stubs of the SMP vectors, the same frame as arch/x86_32/entry.S builds. */
.macro SMP_VEC vec
    .globl smp_entry_\vec
smp_entry_\vec:
    pushl $0
    pushl $\vec
    jmp trap_common
.endm
SMP_VEC 0xf0
SMP_VEC 0xf1
SMP_VEC 0xf2
SMP_VEC 0xff

    .section .note.GNU-stack, "", @progbits
