/* TLB maintenance hooks for the page-type code (pagetype.h).
 *
 * pagetype_type_change_flush: a frame changed role (e.g. from mapped-writable to page table),
 * so no CPU may keep a stale translation or paging-structure cache entry for domain `dom`
 * (pagetype.c I9). The local flush covers this CPU (global entries included); rule SMP-TLB1
 * (tlb.h, docs/invariants.md "SMP") extends it to every other CPU whose current or last vcpu
 * is in `dom`: smp_flush_tlb_mask returns only once each of them has flushed, so the caller's
 * type change is visible to the guest only after no CPU can write through an old entry.
 * Shown by tests/guests/smp-tlb-attack.c (with this remote flush removed, vcpu 1's stale write
 * lands a PTE for Moat's frame in a validated L1). */
#include <stdint.h>
#include "pagetype.h"
#include "x86.h"
#include "smp.h"

void pagetype_type_change_flush(uint16_t dom)
{
    flush_tlb_all();
    smp_flush_tlb_mask(smp_cpus_running_domain(dom));
}
