/* Hypercall entry (int $0x82: eax = number, arguments in ebx ecx edx esi edi ebp, result in
 * eax). The table is hv/core/hypercall_table.h. */
#ifndef MOAT_HYPERCALL_H
#define MOAT_HYPERCALL_H
#include <stdint.h>
#include <xen/xen.h>
#include "domain.h"

struct hypercall_desc {
    long (*call)(const uint32_t *args);   /* generated thunk: unpacks nargs arguments */
    uint8_t nargs;
    const char *name;
};
extern const struct hypercall_desc hypercall_table[NR_HYPERCALLS];

/* Runs hypercall nr with args[0..5]; -ENOSYS for unknown numbers. Used by the dispatcher and
 * by multicall (which passes each entry's args). Counts the call (stats.h): hypercalls,
 * hypercall_count[nr], mmu_update_entries of the current vcpu. */
long hypercall_call(uint32_t nr, const uint32_t args[6]);
int hypercall_implemented(uint32_t nr);

/* The trap path: decode regs, run, store the result in regs->eax. */
void hypercall_dispatch(struct cpu_user_regs *regs);

/* Preemption (Xen's hypercall continuation): re-arms hypercall nr with new args so that the
 * guest executes the same `int $0x82` again (eip -= 2) after Moat returns; the handler then
 * returns anything (its value is not stored). Use when a long operation should give the CPU
 * back; only valid from the trap path (multicall handles its own, issue 4). */
long hypercall_continue(uint32_t nr, const uint32_t args[6]);
/* ...which also works inside a multicall entry (where this_cpu()->hc_regs is 0): multicall.c
 * brackets each entry with these, and a continuation requested in between is handed back by
 * _end() (returns 1 with the re-armed nr/args) instead of touching the trap frame. Code that
 * wants to know whether it may continue itself: hc_regs != 0 || hypercall_capturing(). */
void hypercall_capture_begin(void);
int hypercall_capture_end(uint32_t *nr, uint32_t args[6]);
int hypercall_capturing(void);
#endif
