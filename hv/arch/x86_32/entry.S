/* Every way into Moat: the 256 IDT stubs (exceptions, the int $0x82 hypercall gate, stray
 * interrupts) and the one way back out to the interrupted context.
 *
 * The frame is struct cpu_user_regs from <xen/arch-x86/xen-x86_32.h>: the stub makes the word
 * below EIP hold error_code (low 16 bits, 0 when the CPU pushes none) and entry_vector (high
 * 16 bits), trap_common pushes the general registers in the header's order. For an entry from
 * ring 1 or 3 the CPU has also pushed ESP and SS, and TSS.esp0 points 16 bytes below the top of
 * the per-CPU stack, so the es/ds/fs/gs slots of the frame exist: we save the guest's data
 * segments there and reload them on the way out. An entry from ring 0 (a fault in Moat) has no
 * esp/ss/segment slots: C code must not read them (guest_mode() tells which).
 *
 * Field offsets:  ebx 0  ecx 4  edx 8  esi 12  edi 16  ebp 20  eax 24  error_code 28
 *                 entry_vector 30  eip 32  cs 36  eflags 40  esp 44  ss 48  es 52  ds 56
 *                 fs 60  gs 64   (size 68) */
#include "selectors.h"

#define HAS_ERRCODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

    .text
    .balign 16
    .globl trap_stubs
trap_stubs:
    .set vec, 0
    .rept 256
    .balign 16
    .if HAS_ERRCODE(vec)
    movw $vec, 2(%esp)
    .else
    pushl $(vec << 16)
    .endif
    jmp trap_common
    .set vec, vec + 1
    .endr

trap_common:
    cld
    pushl %eax
    pushl %ebp
    pushl %edi
    pushl %esi
    pushl %edx
    pushl %ecx
    pushl %ebx
    testb $3, 36(%esp)
    jz 1f
    movw %es, 52(%esp)
    movw %ds, 56(%esp)
    movw %fs, 60(%esp)
    movw %gs, 64(%esp)
1:  movl $MOAT_DS, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %esp, %eax
    pushl %eax
    call trap_entry
    addl $4, %esp

    .globl ret_from_trap
ret_from_trap:
    testb $3, 36(%esp)
    jz 2f
    /* Last C work before the guest resumes (return_hooks.c): events, scheduling, LDT, FPU,
     * the int $0x80 gate. It may rewrite the frame (bounce) or never return (switch). It
     * returns nonzero when fs/gs must be reloaded even if unchanged (another vcpu ran here). */
    pushl %esp
    call return_to_guest
    addl $4, %esp
.Lload_es: movw 52(%esp), %es
.Lload_ds: movw 56(%esp), %ds
    /* Moat never touches fs/gs: when the frame still holds the selectors the guest entered
     * with, the CPU's cached descriptors are the guest's own and are left alone, as Xen 4.17
     * does (it reloads data selectors only on a context switch). A guest that removes the
     * descriptor behind a loaded fs/gs (TLS switching) keeps running, as on Xen. */
    testl %eax, %eax
    jnz 3f
    movl %fs, %ecx
    cmpw 60(%esp), %cx
    jne 3f
    movl %gs, %ecx
    cmpw 64(%esp), %cx
    je 2f
3:
.Lload_fs: movw 60(%esp), %fs
.Lload_gs: movw 64(%esp), %gs
2:  popl %ebx
    popl %ecx
    popl %edx
    popl %esi
    popl %edi
    popl %ebp
    popl %eax
    addl $4, %esp
.Liret:
    iret

/* A guest selector that no longer loads (its descriptor changed under it): %esp is the frame,
 * intact. The C side enters the guest's failsafe callback (nulling the selectors in the frame)
 * or crashes the domain; then the exit is retried. */
.Lbad_segment:
    movl $MOAT_DS, %eax
    movl %eax, %ds
    movl %eax, %es
    pushl %esp
    call guest_segment_reload_failed
    addl $4, %esp
    jmp ret_from_trap
/* The CPU refused the guest's iret frame: %esp points at the frame's eip slot and the general
 * registers hold the guest's values again (the nested fault's exit restored them), but the
 * nested fault overwrote the frame below eip: rebuild that part, then as above. */
.Lbad_iret:
    subl $4, %esp                       /* error_code / entry_vector slot */
    pushl %eax
    pushl %ebp
    pushl %edi
    pushl %esi
    pushl %edx
    pushl %ecx
    pushl %ebx
    movl $MOAT_DS, %eax
    movl %eax, %ds
    movl %eax, %es
    pushl %esp
    call guest_iret_failed
    addl $4, %esp
    jmp ret_from_trap

    .section .ex_table, "a"
    .long .Lload_es, .Lbad_segment
    .long .Lload_ds, .Lbad_segment
    .long .Lload_fs, .Lbad_segment
    .long .Lload_gs, .Lbad_segment
    .long .Liret, .Lbad_iret
    .previous

/* void enter_frame(struct cpu_user_regs *frame): leave Moat through `frame`, which must be the
 * frame slot at the top of this CPU's stack (cpu_guest_frame()). Never returns. */
    .globl enter_frame
enter_frame:
    movl 4(%esp), %esp
    jmp ret_from_trap

/* uint32_t raw_copy(void *dst, const void *src, uint32_t n): returns the number of bytes NOT
 * copied (0 on success). A page fault inside the copy resumes at a fixup with %ecx = units
 * left, so a bad guest pointer costs an -EFAULT, never a Moat panic. Whole dwords first, then
 * the 0-3 byte tail: each rep iteration is one instruction, and hypercall arguments (request
 * lists, multicall entries) are dword arrays, so this is 4x fewer than a byte copy. */
    .globl raw_copy
raw_copy:
    pushl %esi
    pushl %edi
    movl 12(%esp), %edi
    movl 16(%esp), %esi
    movl 20(%esp), %ecx
    movl %ecx, %edx
    shrl $2, %ecx
.Lcopy4:
    rep movsl
    movl %edx, %ecx
    andl $3, %ecx
.Lcopy:
    rep movsb
.Lcopy_done:
    movl %ecx, %eax
    popl %edi
    popl %esi
    ret
.Lcopy4_fault:                          /* %ecx dwords and the tail were not copied */
    andl $3, %edx
    leal (%edx,%ecx,4), %eax
    popl %edi
    popl %esi
    ret
    .section .ex_table, "a"
    .long .Lcopy4, .Lcopy4_fault
    .long .Lcopy, .Lcopy_done
    .previous
