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
#include <moat/moat_op.h>   /* __HYPERVISOR_moat_op: the one Moat-specific number */

#define HYPERCALL_TABLE(X)                                   \
    X(__HYPERVISOR_set_trap_table,  do_set_trap_table,  1)   /* traps_guest.c (H7) */ \
    X(__HYPERVISOR_set_gdt,         do_set_gdt,         2)   /* segments.c */ \
    X(__HYPERVISOR_stack_switch,    do_stack_switch,    2)   /* traps_guest.c */ \
    X(__HYPERVISOR_set_callbacks,   do_set_callbacks,   4)   /* callbacks.c */ \
    X(__HYPERVISOR_fpu_taskswitch,  do_fpu_taskswitch,  1)   /* fpu.c */ \
    X(__HYPERVISOR_update_descriptor, do_update_descriptor, 4) /* segments.c: ma lo/hi, desc lo/hi */ \
    X(__HYPERVISOR_iret,            do_iret,            0)   /* iret.c */ \
    X(__HYPERVISOR_callback_op,     do_callback_op,     2)   /* callbacks.c */ \
    X(__HYPERVISOR_physdev_op,      do_physdev_op,      2)   /* physdev.c */ \
    X(__HYPERVISOR_sched_op_compat, do_sched_op_compat, 2)   \
    X(__HYPERVISOR_xen_version,     do_xen_version,     2)   \
    X(__HYPERVISOR_console_io,      do_console_io,      3)   \
    X(__HYPERVISOR_vm_assist,       do_vm_assist,       2)   \
    X(__HYPERVISOR_sched_op,        do_sched_op,        2)   \
    X(__HYPERVISOR_set_timer_op,    do_set_timer_op,    2)   /* vcpu_op.c (H8): lo, hi */ \
    X(__HYPERVISOR_event_channel_op_compat, do_event_channel_op_compat, 1)   /* event_channel.c */ \
    X(__HYPERVISOR_vcpu_op,         do_vcpu_op,         3)   /* vcpu_op.c: timer ops */ \
    X(__HYPERVISOR_event_channel_op, do_event_channel_op, 2)   \
    X(__HYPERVISOR_mmu_update,        do_mmu_update,        4)   /* hv/mm (H5) */ \
    X(__HYPERVISOR_update_va_mapping, do_update_va_mapping, 4)   \
    X(__HYPERVISOR_memory_op,         do_memory_op,         2)   \
    X(__HYPERVISOR_mmuext_op,         do_mmuext_op,         4)   \
    X(__HYPERVISOR_multicall,         do_multicall,         2)   /* multicall.c (H10) */ \
    X(__HYPERVISOR_moat_op,           do_moat_op,           2)   /* stats.c: Moat's own */

#endif
