/* Multiboot v1 entry. The loader jumps here with paging off, EAX = 0x2BADB002 and EBX = the
 * physical address of the multiboot information. We zero .bss, build a throw-away address
 * space (identity map of the first 4 MB so this code keeps running, and the direct map at
 * 0xF9000000 with 2 MB pages so the linked addresses work), turn on PAE paging with CR0.WP,
 * and call moat_main(magic, mbi) on CPU 0's stack. paging_init() then builds the real
 * tables (4 KB pages, per-section permissions, NX) and drops this one. */
#include "memlayout.h"

#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003   /* modules page aligned, memory information wanted */
#define PA(x) ((x) - DIRECTMAP_START)

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .section .text.boot, "ax"
    .code32
    .globl moat_start
    .set moat_entry_phys, PA(moat_start)
    .globl moat_entry_phys
moat_start:
    cli
    cld
    movl %eax, %ebp                 /* multiboot magic */
    movl %ebx, %esi                 /* multiboot info (physical) */
    rdtsc                           /* Moat's time zero for the shutdown summary (stats.h) */
    movl %eax, PA(moat_boot_tsc)
    movl %edx, PA(moat_boot_tsc) + 4

    /* zero .bss (the loader may not have) */
    movl $PA(_bss_start), %edi
    movl $PA(_bss_end), %ecx
    subl %edi, %ecx
    shrl $2, %ecx
    xorl %eax, %eax
    rep stosl

    /* boot L3: slot 0 -> identity L2, slot 3 -> direct-map L2 (PDPTEs: present bit only) */
    movl $PA(boot_l2_low), %eax
    orl $1, %eax
    movl %eax, PA(boot_l3)
    movl $PA(boot_l2_high), %eax
    orl $1, %eax
    movl %eax, PA(boot_l3) + 24

    /* identity: 0..4 MB as two 2 MB pages (P|RW|PS) */
    movl $0x83, PA(boot_l2_low)
    movl $0x200083, PA(boot_l2_low) + 8

    /* direct map: L2 slots 456..511 -> physical 0..112 MB */
    movl $PA(boot_l2_high) + 456 * 8, %edi
    movl $0x83, %eax
    movl $56, %ecx
1:  movl %eax, (%edi)
    movl $0, 4(%edi)
    addl $0x200000, %eax
    addl $8, %edi
    loop 1b

    movl %cr4, %eax
    orl $0x20, %eax                 /* PAE */
    movl %eax, %cr4
    movl $PA(boot_l3), %eax
    movl %eax, %cr3
    movl %cr0, %eax
    orl $0x80010000, %eax           /* PG | WP */
    movl %eax, %cr0
    movl $2f, %eax
    jmp *%eax
2:
    movl $cpu_stacks + MOAT_STACK_SIZE - 128, %esp
    xorl %eax, %eax
    pushl %eax                      /* end of frame-pointer chain */
    pushl %esi
    pushl %ebp
    xorl %ebp, %ebp
    call moat_main
3:  cli
    hlt
    jmp 3b

    /* in .data, not .bss: it is written before .bss is zeroed */
    .section .data
    .align 8
    .globl moat_boot_tsc
moat_boot_tsc: .quad 0

    .section .bss
    .align 4096
boot_l3:      .skip 4096
boot_l2_low:  .skip 4096
boot_l2_high: .skip 4096
