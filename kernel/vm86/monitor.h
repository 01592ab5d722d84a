/* The virtual-8086 monitor's pure part: what happens when 16-bit code running with IOPL 0
 * executes a sensitive instruction (#GP) or raises #DB/#BP and friends. It works on the trap
 * frame, the per-task virtual state and two accessors for the task's linear memory, so it
 * compiles on the host and is unit-tested there (tests/unit/test_vm86_monitor.c).
 *
 * Linux's semantics (arch/x86/kernel/vm86_32.c), which DOS emulators rely on:
 *  - the 16-bit code never owns the real IF: cli/sti/pushf/popf/iret act on a virtual IF
 *    (VIF in the virtual EFLAGS); the real one stays as the caller had it (on);
 *  - int n consults int_revectored: a set bit, a BIOS-segment caller or handler, or an IVT that
 *    cannot be read returns VM86_INTx | n << 8 to the caller; otherwise the interrupt is
 *    reflected through the real-mode IVT at linear 0 (flags, cs, ip pushed; VIF, TF, AC cleared);
 *  - sti/popf/iret that turn VIF on while VIP is set return VM86_STI;
 *  - anything else that faults (in/out, hlt, lgdt, a stack or code byte that cannot be read or
 *    written) returns VM86_UNKNOWN, with the registers at the faulting instruction.
 *
 * Invariants:
 *  - The real EFLAGS the 16-bit code runs with always has VM set, IOPL 0 (so every sensitive
 *    instruction traps here) and the caller's IF; only the bits in VM86_SAFE_MASK come from it.
 *  - IP and SP are 16-bit: every push/pop and instruction fetch wraps inside its segment.
 *  - Decoding stops after VM86_MAX_PREFIXES prefix bytes (no unbounded loop on hostile code). */
#ifndef KERNEL_VM86_MONITOR_H
#define KERNEL_VM86_MONITOR_H
#include <stdint.h>
#include "vm86.h"
#include "vm86/abi.h"

#define VM86_EFLAGS_TF 0x00000100u
#define VM86_EFLAGS_IF 0x00000200u
#define VM86_EFLAGS_IOPL 0x00003000u
#define VM86_EFLAGS_NT 0x00004000u
#define VM86_EFLAGS_AC 0x00040000u
#define VM86_EFLAGS_VIF 0x00080000u
#define VM86_EFLAGS_VIP 0x00100000u
#define VM86_EFLAGS_ID 0x00200000u
/* CF PF AF ZF SF TF DF OF: the arithmetic/status flags the 16-bit code really owns. */
#define VM86_SAFE_MASK 0x00000dd5u
/* what pushf/int/iret see of the real flags (IF is replaced by VIF) */
#define VM86_RETURN_MASK 0x00000dffu
#define VM86_MAX_PREFIXES 15

struct vm86_state {
    uint32_t veflags;      /* virtual EFLAGS: VIF, VIP, and the bits in veflags_mask */
    uint32_t veflags_mask; /* flags the 16-bit code owns virtually, by cpu_type */
    int plus;              /* entered through vm86 (vm86plus), not vm86old */
    uint32_t plus_bits;    /* VM86PLUS_* */
    uint8_t dbg_intxxtab[32];
    struct vm86_revectored int_revectored, int21_revectored;
};

/* The task's linear memory (the 16-bit code's physical memory): 0, or -1 if unreadable or
 * unwritable. */
struct vm86_mem {
    int (*read)(uint32_t lin, void *dst, uint32_t n);
    int (*write)(uint32_t lin, const void *src, uint32_t n);
};

/* Results besides a vm86() return value (>= 0): */
#define VM86_MON_RESUME (-1)  /* emulated: continue in virtual-8086 mode */
#define VM86_MON_SIGTRAP (-2) /* vm86old single step: SIGTRAP to the task */
#define VM86_MON_SIGNAL (-3)  /* not the monitor's: the exception becomes a signal */

uint32_t vm86_veflags_mask(uint32_t cpu_type);
/* The real EFLAGS to enter with, from the structure's eflags and the caller's; sets
 * s->veflags. */
uint32_t vm86_enter_eflags(struct vm86_state *s, uint32_t user_eflags, uint32_t caller_eflags);
/* The eflags written back to the structure when the call returns. */
uint32_t vm86_report_eflags(const struct vm86_state *s, uint32_t real_eflags);
/* pushf's view: real status flags, VIF as IF, IOPL 3, the virtual bits. */
uint32_t vm86_get_vflags(const struct vm86_state *s, uint32_t real_eflags);

/* #GP in virtual-8086 mode: emulate the instruction at cs:ip. */
int vm86_monitor_gp(struct vm86_frame *f, struct vm86_state *s, const struct vm86_mem *m);
/* Exceptions 0..5 in virtual-8086 mode (#DE #DB NMI #BP #OF #BR), as Linux's
 * handle_vm86_trap: VM86_TRAP for #DB/#BP with vm86plus, other vectors reflected as int n;
 * vm86old: #DB becomes SIGTRAP, the rest signals. */
int vm86_monitor_trap(struct vm86_frame *f, struct vm86_state *s, const struct vm86_mem *m,
                      unsigned trapno);
/* int n as the monitor performs it (also used for reflected exceptions). */
int vm86_do_int(struct vm86_frame *f, struct vm86_state *s, const struct vm86_mem *m, unsigned n);
#endif
