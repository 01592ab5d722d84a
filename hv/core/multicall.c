/* HYPERVISOR_multicall(call_list, nr_calls): many hypercalls for the price of one trap.
 *
 * The semantics are those Xen 4.17 gives a 32-bit PV guest (common/multicall.c with the compat
 * entry layout: op, result, args[6], each 32 bits); the expectations in tests/guests/mc-*.c were
 * checked on real Xen.
 *
 * Invariants:
 *  M1  Every entry is read with copy_from_guest (below HYPERVISOR_VIRT_START, fault-safe). As in
 *      Xen 4.17 for a 32-bit guest there is no up-front check of the whole list (checked on
 *      Xen: nr_calls 0xffffffff runs the entries that are there): a count larger than the list
 *      ends with -EFAULT at the first entry that cannot be read. The list cannot wrap past
 *      4 GB, because the hypervisor area in between is never readable.
 *  M2  Entries run in order, each through hypercall_call(): the same table row (handler,
 *      argument count) as a direct call. An entry is copied in before it runs and only its
 *      result field is written back; a fault on either ends the multicall with -EFAULT (the
 *      results already written stay written).
 *  M3  No nesting: an entry that is itself a multicall gets -EINVAL as its result and the
 *      batch goes on (Xen: "Multicall reentry is disallowed"). The test is
 *      hypercall_capturing(), which is true exactly while an entry runs.
 *  M4  Bounded work per trap: after MC_ENTRIES_PER_TRAP entries the multicall re-arms itself
 *      with the rest of the list (a hypercall continuation: the guest re-executes the same
 *      int $0x82 with call_list advanced and nr_calls reduced), so a huge batch cannot hold the
 *      CPU, and Moat returns to the guest (where pending interrupts are taken) between pieces.
 *  M5  An entry that asks to be continued (a long console write, mmu_update...) is not lost:
 *      the continuation's op and arguments are written over that entry in guest memory and the
 *      multicall continues from it, as Xen does. The guest must only rely on result fields.
 *  M6  Early exits, as Xen: an iret entry ends the batch and the multicall returns the iret's
 *      own result; an entry after which the guest is no longer in kernel mode (ring 1) or its
 *      domain is shut down ends the batch with 0 (Moat does not re-arm in user mode).
 *  M7  Counting: each entry is one hypercall (hypercall_call) and one multicall entry; the
 *      whole multicall is one hypercall trap, plus one per continuation piece. */
#include <stdint.h>
#include <stddef.h>
#include <xen/xen.h>
#include "hypercall.h"
#include "uaccess.h"
#include "moat_errno.h"
#include "domain.h"
#include "cpu.h"
#include <moat/moat_op.h>

#define MC_ENTRIES_PER_TRAP MOAT_MC_ENTRIES_PER_TRAP   /* public: include/moat/moat_op.h */
#define MC_ENTRY_SIZE ((uint32_t)sizeof(multicall_entry_t))
_Static_assert(sizeof(multicall_entry_t) == 32, "x86_32 multicall_entry: 8 words");
_Static_assert(sizeof(xen_ulong_t) == sizeof(uint32_t), "multicall args are 32-bit words");
_Static_assert(offsetof(multicall_entry_t, result) == 4 && offsetof(multicall_entry_t, args) == 8,
               "multicall_entry layout");

/* Re-arms the multicall for entries [i, nr) of the list (M4, M5). The other four argument
 * registers are the guest's own and come back unchanged. */
static long mc_continue_from(const struct cpu_user_regs *r, uint32_t list, uint32_t nr, uint32_t i)
{
    uint32_t args[6] = { list + i * MC_ENTRY_SIZE, nr - i, r->edx, r->esi, r->edi, r->ebp };
    return hypercall_continue(__HYPERVISOR_multicall, args);
}

long do_multicall(uint32_t list, uint32_t nr)
{
    struct cpu *c = this_cpu();
    struct cpu_user_regs *regs = c->hc_regs;
    multicall_entry_t e;
    long rc = 0;
    uint32_t i;

    if (hypercall_capturing())                 /* M3 */
        return -EINVAL;
    if (!regs)                                 /* only the trap path runs a multicall */
        return -EINVAL;

    /* While entries run there is no trap frame for them: a continuation they request is
     * captured (hypercall.h) instead of re-arming the multicall's own int $0x82. */
    c->hc_regs = 0;
    for (i = 0; i < nr; i++) {
        uint32_t at = list + i * MC_ENTRY_SIZE;
        if (i == MC_ENTRIES_PER_TRAP)
            break;                             /* M4: continue below */
        if (copy_from_guest(&e, at, MC_ENTRY_SIZE)) {   /* M1 */
            rc = -EFAULT;
            break;
        }
        current_vcpu()->stats.multicall_entries++;
        uint32_t args[6], cont_nr;
        hypercall_capture_begin();
        /* The entry's own argument words are the array (no copy: 30 instructions an entry);
         * hypercall_call's thunks read them before the handler runs, and e is Moat's copy. */
        long ret = hypercall_call(e.op, (const uint32_t *)e.args);
        int continued = hypercall_capture_end(&cont_nr, args);
        e.result = (uint32_t)ret;
        if (copy_to_guest(at + offsetof(multicall_entry_t, result), &e.result, sizeof(e.result))) {
            rc = -EFAULT;
            break;
        }
        if (continued) {                       /* M5 */
            e.op = cont_nr;
            for (int k = 0; k < 6; k++)
                e.args[k] = args[k];
            if (copy_to_guest(at, &e, MC_ENTRY_SIZE)) {
                rc = -EFAULT;
                break;
            }
            break;                             /* continue from this same entry */
        }
        if (e.op == __HYPERVISOR_iret) {       /* M6 */
            c->hc_regs = regs;
            return ret;
        }
        if ((regs->cs & 3) != 1 || current_domain()->state != DOM_RUNNING) {
            c->hc_regs = regs;
            return 0;
        }
    }
    c->hc_regs = regs;
    if (rc == 0 && i < nr)
        return mc_continue_from(regs, list, nr, i);
    return rc;
}
