/* Xen PV entry of the guest kernel: ELF notes for the domain builder, the hypercall page, the
 * entry point, and the event/failsafe callback stubs.
 *
 * The same image keeps its multiboot header (head.S); a PV domain builder (Xen's or Moat's)
 * reads these notes instead. The builder loads the image at VIRT_BASE + p_paddr (PADDR_OFFSET 0,
 * so virtual == linked addresses) and starts us in ring 1 with paging on, on its initial page
 * tables (read-only, pinned), ESI = start_info (virtual), flat ring-1 selectors
 * (xen/xen.h start-of-day comment). */
#include <xen/elfnote.h>

#define ELFNOTE(type, desc_directive, desc)  \
    .pushsection .note.Xen, "a", @note;      \
    .balign 4;                               \
    .long 2f - 1f;                           \
    .long 4f - 3f;                           \
    .long type;                              \
1:  .asciz "Xen";                            \
2:  .balign 4;                               \
3:  desc_directive desc;                     \
4:  .balign 4;                               \
    .popsection

ELFNOTE(XEN_ELFNOTE_GUEST_OS, .asciz, "Moat")
ELFNOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz, "0.1")
ELFNOTE(XEN_ELFNOTE_XEN_VERSION, .asciz, "xen-3.0")
ELFNOTE(XEN_ELFNOTE_VIRT_BASE, .long, 0xC0000000)
ELFNOTE(XEN_ELFNOTE_PADDR_OFFSET, .long, 0)
ELFNOTE(XEN_ELFNOTE_ENTRY, .long, xen_entry)
ELFNOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .long, hypercall_page)
ELFNOTE(XEN_ELFNOTE_LOADER, .asciz, "generic")
ELFNOTE(XEN_ELFNOTE_PAE_MODE, .asciz, "yes")
ELFNOTE(XEN_ELFNOTE_FEATURES, .asciz, "!writable_page_tables|pae_pgdir_above_4gb")
ELFNOTE(XEN_ELFNOTE_HV_START_LOW, .long, 0xF5800000)

/* The hypervisor writes one 32-byte stub per hypercall number here. */
    .section .text.hypercall_page, "ax"
    .balign 4096
    .globl hypercall_page
hypercall_page:
    .fill 4096, 1, 0xcc               /* int3 until the hypervisor fills it */

    .text
    .globl xen_entry
xen_entry:
    cld
    movl %esi, %ebx                   /* start_info: keep it across the bss clear */
    movl $__bss_start, %edi
    movl $__bss_end, %ecx
    subl %edi, %ecx
    xorl %eax, %eax
    rep stosb
    movl %ebx, xen_start_info
    movl $boot_stack_top, %esp
    xorl %ebp, %ebp
    pushl $0
    jmp xen_start

/* Event upcall: the hypervisor enters here with events masked and an interrupt-style frame
 * (eip, cs, eflags). It becomes a trap frame with the pseudo-vector XEN_UPCALL_VECTOR. */
#define XEN_UPCALL_VECTOR 0xf3
#define XEN_FAILSAFE_VECTOR 0xf4
    .globl xen_hypervisor_callback
xen_hypervisor_callback:
    pushl $0
    pushl $XEN_UPCALL_VECTOR
    jmp trap_common

/* Failsafe callback: the hypervisor could not reload a segment register or iret. Its frame
 * has the four selectors it failed to load (ds, es, fs, gs) below eip, cs, eflags: drop them,
 * so the rest is an ordinary interrupt frame, and report it as fatal through the trap path. */
    .globl xen_failsafe_callback
xen_failsafe_callback:
    addl $16, %esp
    pushl $0
    pushl $XEN_FAILSAFE_VECTOR
    jmp trap_common

    .data
    .balign 4
    .globl xen_start_info
xen_start_info: .long 0

    .section .note.GNU-stack, "", @progbits
