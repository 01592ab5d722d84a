/* Shared helpers of the mc-* guests (issue 7): HYPERVISOR_multicall as a Xen x86_32 PV guest
 * calls it, and Moat's counters (include/moat/moat_op.h, the one Moat-specific interface) to
 * prove what a batch cost. Every expectation about multicall itself is Xen's and was checked
 * on real Xen 4.17 (run-on-xen); the counter checks run only where MOATOP_get_version answers
 * (on Xen hypercall 56 is -ENOSYS and the guest says "not on Moat, counters unavailable").
 * Built on mm-lib (TAP checks, scratch pages, update_va_mapping). */
#ifndef MC_LIB_H
#define MC_LIB_H
#include "mm-lib.h"
#include <moat/moat_op.h>

#define HYPERVISOR_multicall(list, n) hypercall2(13, list, n)
#define HYPERVISOR_moat_op(cmd, arg)  hypercall2(56, cmd, arg)

_Static_assert(__HYPERVISOR_moat_op == 56, "moat_op number");

/* 1 on Moat (counters available), 0 elsewhere; prints which. */
int mc_on_moat(const char *name);
/* Snapshot of this domain's counters (crashes the guest if the call fails on Moat). */
void mc_stats(struct moat_stats *s);
/* Fills entry e with op and up to three arguments. */
void mc_set(multicall_entry_t *e, uint32_t op, uint32_t a0, uint32_t a1, uint32_t a2);
#endif
