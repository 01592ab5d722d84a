/* The privileged half of a context switch, as one call (the scheduler's switch_in can use it).
 *
 * cpu_switch_to(next, 1) wraps the five operations in lazy cpu mode: on a PV backend they
 * reach the hypervisor as ONE multicall (stack_switch, update_descriptor x3, mmuext SET_LDT +
 * NEW_BASEPTR, fpu_taskswitch), natively they simply run. cpu_switch_to(next, 0) issues them
 * one by one: the unbatched path, kept so tests can compare the two costs. */
#ifndef KERNEL_CPU_SWITCH_H
#define KERNEL_CPU_SWITCH_H
#include <stdint.h>
#include "pv/pvops.h"

struct cpu_switch_state {
    uint32_t cr3;            /* pseudo-physical address of the next PDPT (must be pinned) */
    uint32_t esp0;           /* top of the next task's kernel stack */
    const uint64_t *tls;     /* GDT_TLS_ENTRIES descriptors */
    uint32_t ldt_base;       /* LDT (page-aligned, read-only on PV), ldt_entries 0 = none */
    unsigned ldt_entries;
    int fpu_ts;              /* 1: set CR0.TS so the next FPU use traps (lazy FPU) */
};

void cpu_switch_to(const struct cpu_switch_state *next, int batched);

#endif
