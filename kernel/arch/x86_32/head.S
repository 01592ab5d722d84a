/* Native (multiboot v1) entry of the guest kernel.
 *
 * QEMU/GRUB load the image by its physical addresses (p_paddr, 0x100000 up) and jump to e_entry
 * (native_entry_phys) in 32-bit protected mode with paging off, EAX = multiboot magic, EBX =
 * physical address of the multiboot information. The kernel is linked at PAGE_OFFSET + 1 MB, so
 * until paging is on every symbol is used as (symbol - PAGE_OFFSET).
 *
 * Boot page tables (PAE, 2 MB pages): the first 4 MB identity-mapped (only so the instruction
 * after "enable paging" still has a mapping), and low memory up to LOWMEM_LIMIT at PAGE_OFFSET.
 * The C code replaces them with 4 KB page tables built through the mmu pv-ops. */


#define PAGE_OFFSET 0xC0000000
#define PA(sym) ((sym) - PAGE_OFFSET)
#define LOWMEM_LIMIT (0xF5800000 - PAGE_OFFSET - 0x800000)
#define PDE_2M 0x83 /* present | writable | page size */

#define MULTIBOOT_MAGIC 0x1BADB002
#define MULTIBOOT_FLAGS 0x00000003 /* modules page-aligned, memory information wanted */

    .section .multiboot, "a"
    .balign 4
multiboot_header:
    .long MULTIBOOT_MAGIC
    .long MULTIBOOT_FLAGS
    .long -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)

    .section .text.head, "ax"
    .code32
    .globl native_entry
native_entry:
    cld
    cli
    movl %eax, %esi                   /* keep the multiboot registers across the bss clear */
    movl %ebx, %ebp

    movl $PA(__bss_start), %edi
    movl $PA(__bss_end), %ecx
    subl %edi, %ecx
    xorl %eax, %eax
    rep stosb

    movl %esi, PA(multiboot_magic)
    movl %ebp, PA(multiboot_info_phys)

    /* PDPT entries in PAE mode take only the present bit (RW/US there are reserved). */
    movl $PA(boot_pd_low) + 1, PA(boot_pdpt)
    movl $PA(boot_pd_high) + 1, PA(boot_pdpt) + 24

    movl $PDE_2M, PA(boot_pd_low)
    movl $0x200000 + PDE_2M, PA(boot_pd_low) + 8

    movl $PA(boot_pd_high), %edi
    movl $PDE_2M, %eax
1:  movl %eax, (%edi)
    addl $8, %edi
    addl $0x200000, %eax
    cmpl $LOWMEM_LIMIT + PDE_2M, %eax
    jb 1b

    movl %cr4, %eax
    orl $0x20, %eax                   /* CR4.PAE */
    movl %eax, %cr4
    movl $PA(boot_pdpt), %eax
    movl %eax, %cr3

    /* NX (EFER.NXE) if the CPU has it, so the kernel can map data non-executable. */
    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    jb 2f
    movl $0x80000001, %eax
    cpuid
    btl $20, %edx
    jnc 2f
    movl $0xC0000080, %ecx
    rdmsr
    orl $0x800, %eax
    wrmsr
    movl $1, PA(boot_nx_enabled)
2:
    movl %cr0, %eax
    orl $0x80010000, %eax             /* CR0.PG | CR0.WP */
    movl %eax, %cr0

    movl $high, %eax
    jmp *%eax
high:
    movl $boot_stack_top, %esp
    xorl %ebp, %ebp
    pushl $0                          /* fake return address ends backtraces */
    jmp native_start

    .data
    .balign 4
    .globl multiboot_magic, multiboot_info_phys, boot_nx_enabled
multiboot_magic:     .long 0
multiboot_info_phys: .long 0
boot_nx_enabled:     .long 0

    .bss
    .balign 4096
    .globl boot_pdpt, boot_pd_low, boot_pd_high
boot_pdpt:    .skip 4096
boot_pd_low:  .skip 4096
boot_pd_high: .skip 4096
    .globl boot_stack, boot_stack_top
boot_stack:   .skip 16384
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
