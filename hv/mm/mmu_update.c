/* HYPERVISOR_mmu_update(reqs, count, success_count, foreigndom): a batch of checked writes.
 *
 * Rules:
 *  B1  The low three bits of each request's ptr select the command (MMU_NORMAL_PT_UPDATE,
 *      MMU_MACHPHYS_UPDATE, MMU_PT_UPDATE_PRESERVE_AD, MMU_PT_UPDATE_NO_TRANSLATE - which for a
 *      PV guest is the same as NORMAL); anything else is -ENOSYS, as Xen.
 *  B2  Requests run in order and the batch stops at the first refused one, returning its
 *      error; *success_count (if given) receives the number that succeeded before it.
 *  B3  The whole request array must lie below Moat's area (checked before anything runs,
 *      -EFAULT); each request is then copied in with fault handling (-EFAULT stops the batch).
 *      Requests are copied MMU_COPY_CHUNK at a time (one fault-handled copy instead of one
 *      per request); when a chunk copy faults, requests are copied one by one again, so the
 *      batch still stops exactly at the first request that cannot be read, as Xen's does.
 *      (A request is read before the earlier ones in its chunk have run: only a guest that
 *      rewrites its own pending list, or its mapping, mid-batch can tell, and every value is
 *      validated when it is used, whatever was read.)
 *  B4  Bounded work per trap: after MMU_ENTRIES_PER_TRAP requests the hypercall returns
 *      -ERESTART with a continuation (the rest of the array, count | MMU_UPDATE_PREEMPTED),
 *      exactly like Xen's continuation; the success count accumulates across the pieces.
 *  B5  foreigndom must be DOMID_SELF: Moat has no foreign page-table or page owners
 *      (Xen returns -ESRCH for a domain it cannot use, including the caller's own id).
 */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include "pagetype.h"
#include "mmu.h"

struct mm_stats mm_stats;

#define MMU_COPY_CHUNK 8u   /* 128 bytes of requests on Moat's stack */

long mmu_update(struct mm_ctx *c, uint32_t ureqs, uint32_t count, uint32_t pdone,
                uint32_t foreigndom, struct mm_cont *k)
{
    struct mmu_update req;
    struct mmu_update chunk[MMU_COPY_CHUNK];
    uint32_t chunk_first = 0, chunk_end = 0;   /* chunk holds requests [chunk_first, chunk_end) */
    uint32_t i, done = 0;
    long rc = 0;

    if (!mm_batch_resume(&count, pdone, &done))
        mm_stats.mmu_update_traps++;
    i = 0; /* a batch refused before its first entry still reports *success_count = 0 (Xen) */
    if (!mm_guest_range_ok(ureqs, (uint64_t)count * sizeof req)) {
        rc = -XEN_EFAULT;                                       /* B3 */
        goto out;
    }
    if (foreigndom != DOMID_SELF) {
        rc = -XEN_ESRCH;                                        /* B5 */
        goto out;
    }

    for (; i < count; i++) {
        uint32_t cmd;

        if (i >= MMU_ENTRIES_PER_TRAP) {                        /* B4 */
            rc = mm_batch_preempt(k, ureqs + i * (uint32_t)sizeof req, count - i, pdone, foreigndom);
            break;
        }
        if (i >= chunk_end && count - i > 1) {   /* a lone request: copy it directly */
            uint32_t n = count - i < MMU_COPY_CHUNK ? count - i : MMU_COPY_CHUNK;
            if (!mm_copy_from_guest(chunk, ureqs + i * (uint32_t)sizeof req, n * (uint32_t)sizeof req)) {
                chunk_first = i;
                chunk_end = i + n;
            }
        }
        if (i < chunk_end) {
            req = chunk[i - chunk_first];
        } else if (mm_copy_from_guest(&req, ureqs + i * (uint32_t)sizeof req, sizeof req)) {
            rc = -XEN_EFAULT;
            break;
        }
        cmd = (uint32_t)req.ptr & 7;
        switch (cmd) {                                          /* B1 */
        case MMU_NORMAL_PT_UPDATE:
        case MMU_PT_UPDATE_NO_TRANSLATE:
        case MMU_PT_UPDATE_PRESERVE_AD:
            rc = mmu_normal_update(c, req.ptr - cmd, req.val, cmd == MMU_PT_UPDATE_PRESERVE_AD);
            break;
        case MMU_MACHPHYS_UPDATE:
            rc = mmu_machphys_update(c, req.ptr - cmd, req.val);
            break;
        default:
            rc = -XEN_ENOSYS;
            break;
        }
        if (rc)
            break;                                              /* B2 */
        mm_stats.mmu_update_entries++;
    }

out:
    mm_batch_report(pdone, done + i);
    return rc;
}
