/* The Linux i386 vm86 ABI as user programs see it (Linux's uapi asm/vm86.h defines the same
 * layouts; user/vm86test compiles against that real header, so a mismatch here fails the test).
 * Written from the ABI, with the layout pinned by static asserts below.
 *
 *   vm86old (113): vm86old(struct vm86_struct *)
 *   vm86    (166): vm86(cmd, arg): cmd VM86_ENTER / VM86_ENTER_NO_BYPASS with a
 *                  struct vm86plus_struct *, or one of the other VM86_* sub-functions.
 * Both return VM86_TYPE | (VM86_ARG << 8) when the virtual-8086 code stops, after the 16-bit
 * registers have been written back into the structure. */
#ifndef KERNEL_VM86_ABI_H
#define KERNEL_VM86_ABI_H
#include <stdint.h>
#include <stddef.h>

/* return types (low byte of the return value; the argument is in bits 8..) */
#define VM86_SIGNAL 0     /* a signal is to be delivered */
#define VM86_UNKNOWN 1    /* a #GP the monitor does not emulate: in/out, hlt, a bad stack... */
#define VM86_INTx 2       /* int n the caller services (ARG = n) */
#define VM86_STI 3        /* sti/popf/iret enabled virtual interrupts while VIP was set */
#define VM86_PICRETURN 4  /* vm86plus force_return_for_pic */
#define VM86_TRAP 6       /* vm86plus: #DB or #BP (ARG = 1 or 3) */
#define VM86_RET(type, arg) ((long)((type) | ((uint32_t)(arg) << 8)))

/* vm86(cmd, arg) sub-functions */
#define VM86_PLUS_INSTALL_CHECK 0
#define VM86_ENTER 1
#define VM86_ENTER_NO_BYPASS 2
#define VM86_REQUEST_IRQ 3
#define VM86_FREE_IRQ 4
#define VM86_GET_IRQ_BITS 5
#define VM86_GET_AND_RESET_IRQ 6

#define VM86_SCREEN_BITMAP 0x0001u /* vm86_struct.flags: no longer supported (-EINVAL) */

#define CPU_086 0
#define CPU_186 1
#define CPU_286 2
#define CPU_386 3
#define CPU_486 4
#define CPU_586 5

#define BIOSSEG 0xf000u /* int n from, or vectored into, the BIOS segment goes to the caller */

/* The 16-bit machine state, in the order of the i386 kernel's register save area. */
struct vm86_user_regs {
    uint32_t ebx, ecx, edx, esi, edi, ebp, eax;
    uint32_t null_ds, null_es, null_fs, null_gs; /* unused */
    uint32_t orig_eax;                           /* unused */
    uint32_t eip;
    uint16_t cs, csh;
    uint32_t eflags;
    uint32_t esp;
    uint16_t ss, ssh;
    uint16_t es, esh;
    uint16_t ds, dsh;
    uint16_t fs, fsh;
    uint16_t gs, gsh;
};

struct vm86_revectored {
    uint32_t map[8]; /* bit n: int n returns VM86_INTx instead of going through the IVT */
};

struct vm86_user_struct {
    struct vm86_user_regs regs;
    uint32_t flags;
    uint32_t screen_bitmap; /* unused, preserved */
    uint32_t cpu_type;
    struct vm86_revectored int_revectored;
    struct vm86_revectored int21_revectored; /* by AH, for int 0x21 */
};

/* vm86plus_info_struct: one word of bit-fields, then the debugger's int table. */
#define VM86PLUS_FORCE_RETURN_FOR_PIC 0x1u
#define VM86PLUS_DBG_ACTIVE 0x2u
#define VM86PLUS_DBG_TF_PENDING 0x4u
struct vm86plus_user_info {
    uint32_t bits;
    uint8_t dbg_intxxtab[32]; /* with DBG_ACTIVE: int n with bit n set returns VM86_INTx */
};

struct vm86plus_user_struct {
    struct vm86_user_struct base;
    struct vm86plus_user_info plus;
};

_Static_assert(sizeof(struct vm86_user_regs) == 84, "vm86_regs layout");
_Static_assert(offsetof(struct vm86_user_regs, eip) == 48, "vm86_regs.eip");
_Static_assert(offsetof(struct vm86_user_regs, es) == 68, "vm86_regs.es");
_Static_assert(offsetof(struct vm86_user_struct, int_revectored) == 96, "vm86_struct layout");
_Static_assert(sizeof(struct vm86_user_struct) == 160, "vm86_struct size");
_Static_assert(sizeof(struct vm86plus_user_struct) == 196, "vm86plus_struct size");
#endif
