/* Shared helpers of the trap-* hostile guests (issue 5): a guest-side trap table whose every
 * handler records the bounce frame it received and resumes the test (trap_catch), a failsafe
 * callback that does the same, a way into ring 3 and back, and one-line wrappers for the
 * hypercalls of issue 5. Xen's public headers only (plus Moat's public moat_op.h for the
 * counters, used only when the guest finds itself on Moat). TAP-style checks from mm-lib. */
#ifndef TRAP_LIB_H
#define TRAP_LIB_H
#include "mm-lib.h"
#include <xen/callback.h>
#include <xen/physdev.h>
#include <moat/moat_op.h>

#define hypercall1(nr, a1) ({                                                            \
    long r_; unsigned long b_ = (unsigned long)(a1);                                     \
    asm volatile(HCALL_ENTRY(nr) : "=a"(r_), "+b"(b_) : : "memory", "ecx", "edx");      \
    r_; })

#define HYPERVISOR_set_trap_table(t)        hypercall1(0, t)
#define HYPERVISOR_set_gdt(f, n)            hypercall2(2, f, n)
#define HYPERVISOR_stack_switch(ss, sp)     hypercall2(3, ss, sp)
#define HYPERVISOR_set_callbacks(a, b, c, d) hypercall4(4, a, b, c, d)
#define HYPERVISOR_fpu_taskswitch(s)        hypercall1(5, s)
#define HYPERVISOR_update_descriptor(ma, d) \
    hypercall4(10, (uint32_t)(ma), (uint32_t)((uint64_t)(ma) >> 32), (uint32_t)(d), (uint32_t)((uint64_t)(d) >> 32))
#define HYPERVISOR_callback_op(c, a)        hypercall2(30, c, a)
#define HYPERVISOR_physdev_op(c, a)         hypercall2(33, c, a)
#define HYPERVISOR_moat_op(c, a)            hypercall_raw(56, c, (uint32_t)(a), 0)

/* What the last handler saw: the bounce frame as pushed by the hypervisor. */
struct trap_record {
    uint32_t vec, err, eip, cs, eflags, esp, ss;   /* esp/ss only from ring 3 */
    uint32_t ds, es, fs, gs;                       /* failsafe frames only */
    uint32_t count, failsafe_count;
};
extern volatile struct trap_record trap_last;
#define TRAP_FAILSAFE 0x100     /* trap_catch result when the failsafe callback ran */
#define TRAP_NONE     (-1)      /* fn returned without trapping */

/* Runs fn(arg) in ring 1; returns TRAP_NONE, the vector that interrupted it, or TRAP_FAILSAFE.
 * Handlers resume here (they restore the stack saved at the call). */
int trap_catch(void (*fn)(uint32_t), uint32_t arg);
/* Entry of vector v's handler and of the failsafe handler. */
uint32_t trap_handler(unsigned v);
extern char trap_failsafe_entry[];

/* Installs handlers for vectors 0..31 (DPL 0: only hardware raises them; 3 and 4 DPL 3) plus
 * 0x20 (DPL 3, XTF-style software interrupt) and 0x80 (DPL 3, system call), cs FLAT_RING1_CS;
 * sets up a kernel stack for ring-3 entries (stack_switch) and the failsafe callback. */
void trap_setup(int with_failsafe);

/* Ring 3: makes [va, va+len) user-accessible (US=1) in the current page tables, then runs
 * user code fn at ring 3 on a user stack (from inside trap_catch: only a trap comes back). */
void trap_make_user(uint32_t va, uint32_t len);
void trap_enter_user(uint32_t fn);

/* On Moat? (moat_op answers) and the counters. */
int trap_on_moat(void);
int trap_counters(struct moat_counters *c);   /* this vcpu; 0 or -ENOSYS */
#endif
