/* frame_map()/frame_unmap(): temporary per-CPU mappings of any machine frame (mapcache.h).
 *
 * CPU c owns the MAPCACHE_SLOTS pages at MAPCACHE_START + c * MAPCACHE_SLOTS * 4 KB; slot i is
 * used at nesting depth i, so unmapping anything but the innermost mapping is a Moat bug and
 * panics. The PTEs are not global: each map does its own invlpg. */
#include "mapcache.h"
#include "memlayout.h"
#include "paging.h"
#include "cpu.h"
#include "console.h"

_Static_assert(MOAT_MAX_CPUS * MAPCACHE_SLOTS * 4096 <= MAPCACHE_END - MAPCACHE_START,
               "mapcache window too small");

static uint32_t slot_va(uint32_t cpu, uint32_t slot)
{
    return MAPCACHE_START + (cpu * MAPCACHE_SLOTS + slot) * 4096;
}

void *frame_map(mfn_t mfn)
{
    struct cpu *c = this_cpu();
    if (c->mapcache_depth >= MAPCACHE_SLOTS)
        panic("frame_map(%#x): all %u mapcache slots in use", mfn, MAPCACHE_SLOTS);
    if (mfn >= 0x100000u)
        panic("frame_map(%#x): not a machine frame below 4 GB", mfn);
    uint32_t va = slot_va(c->id, c->mapcache_depth++);
    moat_map(va, mfn, PTE_RW | pte_nx);
    return (void *)va;
}

void frame_unmap(void *p)
{
    struct cpu *c = this_cpu();
    uint32_t va = (uint32_t)p & ~0xFFFu;
    if (c->mapcache_depth == 0 || va != slot_va(c->id, c->mapcache_depth - 1))
        panic("frame_unmap(%p): not the innermost frame_map()", p);
    moat_unmap(va);
    c->mapcache_depth--;
}
