/* mc-huge: long batches are bounded per trap and still complete: 3000 entries run in order
 * through multicall continuations, and an entry that continues itself (a 9000-byte console
 * write) is resumed inside the batch. On Moat the counters show the pieces: one trap per
 * MOAT_MC_ENTRIES_PER_TRAP entries, one per 4096-byte console piece. */
#include "mc-lib.h"

#define LONG 3000u
#define TEXT 9000u

static multicall_entry_t pair[2];
static char text[TEXT];
static struct moat_stats s0, s1;

unsigned int guest_main(void)
{
    mm_init("mc-huge");
    int moat = mc_on_moat("mc-huge");

    /* 3000 entries = 96000 bytes in the scratch pages 10.. (contiguous, writable) */
    multicall_entry_t *list = (multicall_entry_t *)mm_scratch_va(10);
    for (uint32_t i = 0; i < LONG; i++)
        mc_set(&list[i], __HYPERVISOR_xen_version, i % 2 ? XENVER_pagesize : XENVER_version, 0, 0);
    if (moat)
        mc_stats(&s0);
    long rc = HYPERVISOR_multicall(list, LONG);
    if (moat)
        mc_stats(&s1);                 /* before any print: a print is a console_io trap */
    MM_EXPECT(rc, 0, "a 3000-entry multicall returns 0");
    uint32_t good = 0;
    for (uint32_t i = 0; i < LONG; i++)
        good += list[i].result == (i % 2 ? 4096u : (4u << 16) | 17);
    MM_EXPECT(good, LONG, "all 3000 results written, in order");
    if (moat) {
        uint32_t pieces = (LONG + MOAT_MC_ENTRIES_PER_TRAP - 1) / MOAT_MC_ENTRIES_PER_TRAP;
        print("mc-huge: 3000 entries took %u traps\n",
              (uint32_t)(s1.domain.hypercall_traps - s0.domain.hypercall_traps) - 1);
        MM_EXPECT((long)(s1.domain.hypercall_traps - s0.domain.hypercall_traps), pieces + 1,
                  "one trap per MOAT_MC_ENTRIES_PER_TRAP entries (+1: get_stats)");
        MM_EXPECT((long)(s1.domain.multicall_entries - s0.domain.multicall_entries), LONG,
                  "3000 multicall entries counted");
    }

    /* an entry that continues itself, then one more entry */
    uint32_t n = 0;
    while (n < TEXT) {
        static const char line[] = "mc-huge: one 9000-byte console write from a multicall entry\n";
        for (uint32_t k = 0; k < sizeof(line) - 1 && n < TEXT; k++)
            text[n++] = line[k];
    }
    text[TEXT - 1] = '\n';
    mc_set(&pair[0], __HYPERVISOR_console_io, CONSOLEIO_write, TEXT, (uint32_t)text);
    mc_set(&pair[1], __HYPERVISOR_xen_version, XENVER_version, 0, 0);
    if (moat)
        mc_stats(&s0);
    rc = HYPERVISOR_multicall(pair, 2);
    if (moat)
        mc_stats(&s1);
    MM_EXPECT(rc, 0, "multicall with a long console write returns 0");
    MM_EXPECT(pair[0].result, 0, "the long write entry returned 0");
    MM_EXPECT(pair[1].result, (4 << 16) | 17, "the entry after it ran");
    if (moat) {
        MM_EXPECT((long)(s1.domain.hypercall_traps - s0.domain.hypercall_traps), 3 + 1,
                  "3 console pieces = 3 traps (+1: get_stats)");
        MM_EXPECT((long)(s1.hypercall_count[__HYPERVISOR_console_io] -
                         s0.hypercall_count[__HYPERVISOR_console_io]), 3, "console_io ran in 3 pieces");
    }
    mm_check_alive();
    return mm_finish("mc-huge");
}
