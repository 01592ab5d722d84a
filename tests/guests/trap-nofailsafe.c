/* trap-nofailsafe: a data selector (%es) whose descriptor is removed while loaded, with no
 * failsafe callback registered: Moat reloads ds/es on every exit, cannot, and must kill the
 * domain with the reason (Moat then exits FAIL: it was the last domain). The guest must never
 * get past that hypercall. Moat-only: Xen 4.17 reloads data selectors only on a context switch,
 * so on Xen the guest survives and says so (and shuts down with "crash"). */
#include "trap-lib.h"

unsigned int guest_main(void)
{
    mm_init("trap-nofailsafe");
    trap_setup(0);
    uint32_t gva = mm_scratch_va(2), gmfn = mm_scratch_mfn(2);
    volatile uint64_t *g = (volatile uint64_t *)gva;
    mm_zero_page(gva);
    uint32_t lim = (mm_hv_start() >> 12) - 1;
    g[1] = (uint64_t)(lim & 0xFFFF) | ((uint64_t)(0x80 | 0x10 | (1 << 5) | 0x2) << 40) |
           ((uint64_t)((lim >> 16) & 0xF) << 48) | (0xCull << 52);
    uint32_t frames[1] = { gmfn };
    MM_EXPECT(mm_remap(gva, gmfn, PG_P | PG_A), 0, "GDT frame read-only");
    MM_EXPECT(HYPERVISOR_set_gdt(frames, 512), 0, "set_gdt");
    asm volatile("movw %w0, %%es" :: "r"(0x09));
    print("trap-nofailsafe: removing the descriptor %%es is loaded from, no failsafe callback\n");
    long rc = HYPERVISOR_update_descriptor(((uint64_t)gmfn << 12) + 8, 0);
    print("trap-nofailsafe: survived the failed segment reload (%d)\n", rc);
    return SHUTDOWN_crash;
}
