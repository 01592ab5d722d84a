/* mc-nested: a multicall entry that is itself a multicall is refused with -EINVAL in that
 * entry's result; the entries before and after it still run (Xen: "Multicall reentry is
 * disallowed"), and the inner list is never touched. Unknown ops inside a batch are -ENOSYS. */
#include "mc-lib.h"

static multicall_entry_t outer[5], inner[1];
static struct moat_stats s0, s1;

unsigned int guest_main(void)
{
    mm_init("mc-nested");
    int moat = mc_on_moat("mc-nested");

    mc_set(&inner[0], __HYPERVISOR_xen_version, XENVER_version, 0, 0);
    mc_set(&outer[0], __HYPERVISOR_xen_version, XENVER_version, 0, 0);
    mc_set(&outer[1], __HYPERVISOR_multicall, (uint32_t)inner, 1, 0);
    mc_set(&outer[2], __HYPERVISOR_xen_version, XENVER_pagesize, 0, 0);
    mc_set(&outer[3], 1000, 0, 0, 0);
    mc_set(&outer[4], __HYPERVISOR_multicall, 0, 0xFFFFFFFFu, 0);
    if (moat)
        mc_stats(&s0);
    long rc = HYPERVISOR_multicall(outer, 5);
    if (moat)
        mc_stats(&s1);                 /* before any print: a print is a console_io trap */
    MM_EXPECT(rc, 0, "the outer multicall returns 0");
    MM_EXPECT(outer[0].result, (4 << 16) | 17, "entry before the nested one ran");
    MM_EXPECT((long)outer[1].result, -XEN_EINVAL, "nested multicall entry is -EINVAL");
    MM_EXPECT(outer[2].result, 4096, "entry after the nested one ran");
    MM_EXPECT((long)outer[3].result, -XEN_ENOSYS, "op 1000 in a batch is -ENOSYS");
    MM_EXPECT((long)outer[4].result, -XEN_EINVAL, "nested multicall with a bad list is -EINVAL too");
    MM_EXPECT(inner[0].result, 0xDEADBEEFu, "the inner list never ran");
    if (moat) {
        MM_EXPECT((long)(s1.domain.multicall_entries - s0.domain.multicall_entries), 5,
                  "5 entries counted, none from the inner list");
        MM_EXPECT((long)(s1.domain.hypercall_traps - s0.domain.hypercall_traps), 2,
                  "one trap (+1: get_stats)");
    }
    /* the refusal left no state behind: a plain multicall works again */
    MM_EXPECT(HYPERVISOR_multicall(inner, 1), 0, "a following multicall returns 0");
    MM_EXPECT(inner[0].result, (4 << 16) | 17, "and runs its entry");
    mm_check_alive();
    return mm_finish("mc-nested");
}
