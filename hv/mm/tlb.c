/* TLB maintenance hooks for the page-type code (pagetype.h).
 *
 * pagetype_type_change_flush: a frame changed role (e.g. from mapped-writable to page table),
 * so no CPU may keep a stale translation or paging-structure cache entry for domain `dom`.
 * With one physical CPU the local flush is the whole job; with SMP it must also reach every
 * CPU currently running a vcpu of `dom`. */
#include <stdint.h>
#include "pagetype.h"
#include "x86.h"
#include "smp.h"

void pagetype_type_change_flush(uint16_t dom)
{
    flush_tlb_all();
    smp_flush_tlb_mask(smp_cpus_running_domain(dom));   /* SMP: the other CPUs in dom */
}
