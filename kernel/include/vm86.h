/* Virtual-8086 mode for user programs: the Linux i386 vm86old/vm86 system calls (kernel/vm86/).
 *
 * The rest of the kernel sees only the hooks below. With CONFIG_VM86=n kernel/vm86/ is not
 * built (except sys_vm86.c, the system-call entries) and these are stubs: vm86_mode() is a
 * constant 0, so the trap path's hook compiles away, and the calls return -ENOSYS. Call sites
 * never test CONFIG_VM86 themselves.
 *
 * A trap taken in virtual-8086 mode pushes four more words than a trap from ring 3 (the
 * real-mode es, ds, fs, gs, after ss) and its cs is a real-mode segment, not a ring-3 selector;
 * so "from user mode" is `(cs & 3) == 3 || vm86_mode(f)`, and such a frame sits 16 bytes lower
 * on the task's kernel stack than user_frame() (struct vm86_frame). */
#ifndef KERNEL_VM86_H
#define KERNEL_VM86_H
#include <stdint.h>
#include "trap.h"

#define X86_EFLAGS_VM 0x00020000u

struct vm86_frame {
    struct trap_frame tf;     /* tf.user_esp/user_ss: the real-mode sp and ss */
    uint32_t es, ds, fs, gs;  /* real-mode segments; the tf.ds..gs slots are null */
};

#if CONFIG_VM86
static inline int vm86_mode(const struct trap_frame *f) { return (f->eflags & X86_EFLAGS_VM) != 0; }
/* A trap from virtual-8086 mode (cpu/traps.c hands over every such frame, with the vector's
 * registered handler): emulates it, runs the handler (page faults, IRQs), or ends the vm86()
 * call. Returns only to resume virtual-8086 mode with the (updated) frame. */
void vm86_trap(struct trap_frame *f, trap_handler_fn handler);
/* vm86old (plus = 0: arg is a struct vm86_struct *) and vm86 (plus = 1: cmd, arg). Entering
 * does not return: the task continues in virtual-8086 mode and the system call "returns"
 * when the 16-bit code stops (VM86_TYPE | arg << 8). */
long do_vm86(uint32_t cmd, uint32_t arg, int plus);
#else
static inline int vm86_mode(const struct trap_frame *f) { (void)f; return 0; }
static inline void vm86_trap(struct trap_frame *f, trap_handler_fn handler) { (void)f; (void)handler; }
static inline long do_vm86(uint32_t cmd, uint32_t arg, int plus) { (void)cmd; (void)arg; (void)plus; return -38; /* -ENOSYS */ }
#endif
#endif
