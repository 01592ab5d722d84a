/* The privileged half of a context switch (see cpu_switch.h).
 *
 * Invariant: the batched and unbatched paths perform the same operations in the same order;
 * only the number of hypervisor traps differs. Events are masked throughout, as in a real
 * switch: an upcall's own hypercalls must not interleave with a half-switched CPU. */
#include <stdint.h>
#include "cpu_switch.h"
#include "desc.h"

#define X86_CR0_TS 8u

void cpu_switch_to(const struct cpu_switch_state *next, int batched)
{
    unsigned long flags = irq_save();
    if (batched)
        enter_lazy_cpu();
    load_esp0(kernel_ds, next->esp0);
    load_tls(this_cpu_gdt(), GDT_ENTRY_TLS_MIN, next->tls);
    load_ldt(next->ldt_base, next->ldt_entries);
    write_cr3(next->cr3);
    uint32_t cr0 = read_cr0();
    write_cr0(next->fpu_ts ? (cr0 | X86_CR0_TS) : (cr0 & ~X86_CR0_TS));
    if (batched)
        leave_lazy_cpu();
    restore_fl(flags);
}
