/* Kernel stacks, and what the stack pointer says about who is running (issue 10).
 *
 * Every kernel stack but the boot stack lives in one array: the NPROC task stacks first, then
 * one stack per CPU for CPUs 1.. (their start-up path, scheduler loop and idle; CPU 0 runs
 * those on the boot stack). So the stack the CPU is on names, without any per-CPU register
 * (there is none that is the same natively and in a PV domain):
 *   - the running task: the task whose stack it is (none on a CPU or boot stack), and
 *   - the CPU: a CPU stack's own number; a task stack's kstack_cpu[] (written by the
 *     scheduler before it switches to the task, so it is right wherever the task migrates);
 *     the boot stack is CPU 0's.
 * This is how Linux/i386 found `current` from %esp; here it costs a subtraction, a shift and a
 * compare, and it is the same code natively, on Moat and on Xen.
 *
 * Invariants:
 *  - Code runs on a task stack only while that task is RUNNING on kstack_cpu[its slot]
 *    (interrupts and events taken in ring 3 arrive on it through esp0 / stack_switch, which the
 *    scheduler points at the task it switches in).
 *  - A C function never changes stacks under itself: swtch() returns on the stack it left, so a
 *    value derived from the stack pointer stays true for the whole function (the asm below may
 *    be merged by the compiler). A task changes CPU only inside sched(), a function call, after
 *    which the compiler reloads kstack_cpu[] anyway; so it is not volatile, and the loads of
 *    one function between two calls are merged (the PV paths ask for the CPU many times). */
#ifndef KERNEL_KSTACK_H
#define KERNEL_KSTACK_H
#include <stdint.h>
#include "acpi_madt.h"

#define NPROC 64
#define NR_CPUS SMP_MAX_CPUS
#define KSTACK_SIZE 8192
#define SMP_AP_STACK_SIZE KSTACK_SIZE

extern uint8_t kernel_stacks[NPROC + NR_CPUS][KSTACK_SIZE];
extern uint8_t kstack_cpu[NPROC];

/* The stack of CPU n (n >= 1): smp_ap_stack[n] is a KSTACK_SIZE array. */
#define smp_ap_stack (kernel_stacks + NPROC)

static inline uint32_t kstack_slot(void)
{
    uint32_t sp;
    asm("movl %%esp, %0" : "=r"(sp));
    return (sp - (uint32_t)(uintptr_t)kernel_stacks) / KSTACK_SIZE;
}

static inline unsigned smp_processor_id(void)
{
#if CONFIG_SMP
    uint32_t s = kstack_slot();
    if (s < NPROC)
        return kstack_cpu[s];
    if (s < NPROC + NR_CPUS)
        return s - NPROC;
#endif
    return 0;
}
#endif
