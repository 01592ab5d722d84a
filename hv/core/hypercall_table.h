/* THE hypercall table: the single source of truth for which hypercalls exist, which function
 * handles each and how many arguments it takes. The dispatcher (hypercall.c) and multicall
 * (issue 4/6) are both generated from this list; nothing else names a hypercall number.
 *
 *   X(number, handler, nargs)     handler: long handler(uint32_t a1, ..., uint32_t a_nargs)
 *
 * Numbers from <xen/xen.h>. Every number not listed, and every number >= NR_HYPERCALLS,
 * returns -ENOSYS. To add a hypercall: add one row here and define the handler with exactly
 * nargs uint32_t parameters (the generated prototype makes a mismatch a compile error). */
#ifndef MOAT_HYPERCALL_TABLE_H
#define MOAT_HYPERCALL_TABLE_H
#include <xen/xen.h>

#define HYPERCALL_TABLE(X)                                   \
    X(__HYPERVISOR_sched_op_compat, do_sched_op_compat, 2)   \
    X(__HYPERVISOR_xen_version,     do_xen_version,     2)   \
    X(__HYPERVISOR_console_io,      do_console_io,      3)   \
    X(__HYPERVISOR_vm_assist,       do_vm_assist,       2)   \
    X(__HYPERVISOR_sched_op,        do_sched_op,        2)   \
    X(__HYPERVISOR_mmu_update,        do_mmu_update,        4)   /* hv/mm (H5) */ \
    X(__HYPERVISOR_update_va_mapping, do_update_va_mapping, 4)   \
    X(__HYPERVISOR_memory_op,         do_memory_op,         2)   \
    X(__HYPERVISOR_mmuext_op,         do_mmuext_op,         4)

#endif
