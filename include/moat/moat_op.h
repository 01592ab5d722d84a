/* The Moat-specific guest interface: HYPERVISOR_moat_op (PUBLIC: guests include this header).
 *
 * Everything else a guest sees is the Xen x86_32 PAE PV ABI. This one hypercall is Moat's own:
 * it reads the counters Moat keeps per domain and per vcpu (docs/moat-interface.md).
 *
 *   HYPERVISOR_moat_op(cmd, arg)      int $0x82 with eax = __HYPERVISOR_moat_op (56), ebx = cmd,
 *                                     ecx = arg; the hypercall page has an entry for it too.
 *
 *   MOATOP_get_version   arg 0      -> MOAT_INTERFACE_VERSION (> 0)
 *   MOATOP_get_stats     arg = struct moat_stats *; the guest sets ->size to the size of its
 *                        buffer (sizeof(struct moat_stats)); Moat fills min(size, its own size)
 *                        bytes and sets ->version and ->size to what it wrote -> 0.
 *                        -EINVAL if size < MOAT_STATS_MIN_SIZE, -EFAULT for a bad buffer.
 *   MOATOP_reset_stats   arg 0      -> 0; every counter of the calling domain (all its vcpus
 *                        and the per-number counts) becomes 0.
 *   anything else                   -> -ENOSYS
 *
 * Discovery: real Xen has no hypercall 56 and answers -ENOSYS (checked on Xen 4.17), so
 * "MOATOP_get_version > 0" means "on Moat, counters available"; -ENOSYS means "not on Moat".
 * XENVER_extraversion also ends in "-moat" on Moat (".0-moat").
 *
 * What counts (exact by design; a snapshot includes the get_stats call that took it, so the
 * difference of two snapshots contains exactly one moat_op trap and hypercall: the second one):
 *   hypercall_traps     entries into Moat through int $0x82 from the guest. A multicall is ONE
 *                       trap; a continuation (a long call that gave the CPU back and is
 *                       re-executed by the guest) is one more trap per piece.
 *   hypercalls          hypercalls executed: every direct call (each piece of a continued one)
 *                       plus every multicall entry; a multicall itself counts as one too.
 *   multicall_entries   entries run by multicalls (each piece of a preempted entry counts).
 *   exceptions          guest exceptions (vectors 0-31 from ring 1 or 3) that entered Moat.
 *   exceptions_bounced  of those, the ones reflected to the guest's own trap handler.
 *   emulated            privileged instructions Moat emulated for the guest.
 *   events_delivered    event upcalls Moat started in the guest.
 *   mmu_update_entries  mmu_update requests applied (direct or inside multicalls).
 *   hypercall_count[n]  hypercalls executed by number (same rule as `hypercalls`), domain-wide;
 *                       numbers >= MOAT_STATS_NR_HYPERCALLS are not counted by number.
 *
 * Layout rules: fixed-width types only, 8-byte counters, no padding holes; new fields are only
 * ever appended (and MOAT_STATS_VERSION bumped), so an old guest's smaller size still works. */
#ifndef MOAT_PUBLIC_MOAT_OP_H
#define MOAT_PUBLIC_MOAT_OP_H
#include <stdint.h>

#define __HYPERVISOR_moat_op 56   /* unassigned in Xen's xen.h (48-55 are arch_0..7) */

#define MOATOP_get_version 0
#define MOATOP_get_stats   1
#define MOATOP_reset_stats 2

#define MOAT_INTERFACE_VERSION 0x00010000u   /* major 1, minor 0 */
#define MOAT_STATS_VERSION     1u
#define MOAT_STATS_NR_HYPERCALLS 64

/* Moat runs at most this many multicall entries per trap; a longer list continues itself
 * (one more hypercall trap per piece), so a huge batch never holds the CPU. Informational: a
 * guest needs it only to predict hypercall_traps exactly. */
#define MOAT_MC_ENTRIES_PER_TRAP 128u

struct moat_counters {
    uint64_t hypercall_traps;
    uint64_t hypercalls;
    uint64_t multicall_entries;
    uint64_t exceptions;
    uint64_t exceptions_bounced;
    uint64_t emulated;
    uint64_t events_delivered;
    uint64_t mmu_update_entries;
};

struct moat_stats {
    uint32_t version;              /* OUT: MOAT_STATS_VERSION */
    uint32_t size;                 /* IN: buffer size; OUT: bytes Moat wrote */
    uint16_t domid;                /* OUT: the calling domain */
    uint16_t vcpu_id;              /* OUT: the calling vcpu */
    uint32_t nr_vcpus;             /* OUT */
    uint64_t tsc;                  /* OUT: rdtsc when the snapshot was taken */
    uint64_t tsc_boot;             /* OUT: rdtsc at Moat's first instruction */
    struct moat_counters domain;   /* OUT: sum over the domain's vcpus */
    struct moat_counters vcpu;     /* OUT: the calling vcpu only */
    uint64_t hypercall_count[MOAT_STATS_NR_HYPERCALLS];   /* OUT: domain-wide, by number */
};

/* The smallest size Moat accepts: the header up to and including tsc_boot. */
#define MOAT_STATS_MIN_SIZE 32u

_Static_assert(sizeof(struct moat_counters) == 64, "moat_counters layout");
_Static_assert(sizeof(struct moat_stats) == 32 + 2 * 64 + 8 * MOAT_STATS_NR_HYPERCALLS,
               "moat_stats layout");
#endif
