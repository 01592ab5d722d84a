/* mc-bad: hostile multicall lists. A list that is not entirely guest memory below
 * HYPERVISOR_VIRT_START is -EFAULT; an entry that cannot be read, or whose result cannot be
 * written back, ends the multicall with -EFAULT after the entries before it ran (their
 * results written); a count larger than the list ends the same way (checked on Xen 4.17). */
#include "mc-lib.h"

static xen_extraversion_t ev;

unsigned int guest_main(void)
{
    mm_init("mc-bad");
    mc_on_moat("mc-bad");

    MM_EXPECT(HYPERVISOR_multicall(0, 1), -XEN_EFAULT, "list at NULL is -EFAULT");
    MM_EXPECT(HYPERVISOR_multicall(0, 0), 0, "list at NULL with nr_calls 0 returns 0");
    MM_EXPECT(HYPERVISOR_multicall(0xF5800000u - 16, 1), -XEN_EFAULT,
              "list straddling HYPERVISOR_VIRT_START is -EFAULT");
    MM_EXPECT(HYPERVISOR_multicall(0xF5800000u, 1), -XEN_EFAULT, "list in the read-only m2p is -EFAULT");
    MM_EXPECT(HYPERVISOR_multicall(0xFF000000u, 1), -XEN_EFAULT, "list deep in the hypervisor is -EFAULT");
    MM_EXPECT(HYPERVISOR_multicall(0xFFFFFFE0u, 2), -XEN_EFAULT, "list wrapping past 4 GB is -EFAULT");

    /* the second entry lies on an unmapped page */
    uint32_t a = mm_scratch_va(1), b = mm_scratch_va(2), c = mm_scratch_va(3);
    uint32_t mb = mm_scratch_mfn(2), mcf = mm_scratch_mfn(3);
    multicall_entry_t *e = (multicall_entry_t *)(b - sizeof(multicall_entry_t));
    (void)a;
    mc_set(e, __HYPERVISOR_xen_version, XENVER_version, 0, 0);
    MM_EXPECT(mm_remap(b, 0, 0), 0, "unmap the page after the first entry (pte 0)");
    MM_EXPECT(HYPERVISOR_multicall(e, 2), -XEN_EFAULT, "an entry on an unmapped page is -EFAULT");
    MM_EXPECT(e->result, (4 << 16) | 17, "the entry before it ran and got its result");
    /* A count far beyond the list is not refused up front (Xen 4.17 runs a 32-bit guest's
     * entries until one cannot be read): it ends at the same unmapped page. */
    e->result = 0xDEADBEEFu;
    MM_EXPECT(HYPERVISOR_multicall(e, 0xFFFFFFFFu), -XEN_EFAULT, "nr_calls 0xffffffff ends with -EFAULT");
    MM_EXPECT(e->result, (4 << 16) | 17, "... after the one readable entry ran");
    e->result = 0xDEADBEEFu;
    MM_EXPECT(HYPERVISOR_multicall(e, 0x7FFFFFFu), -XEN_EFAULT, "nr_calls 0x7ffffff ends with -EFAULT");
    MM_EXPECT(e->result, (4 << 16) | 17, "... after the one readable entry ran");
    MM_EXPECT(mm_remap(b, mb, PG_P | PG_RW | PG_A | PG_D), 0, "map it again");

    /* the result cannot be written back: the list is on a read-only page */
    multicall_entry_t *r = (multicall_entry_t *)c;
    mc_set(r, __HYPERVISOR_xen_version, XENVER_extraversion, (uint32_t)ev, 0);
    MM_EXPECT(mm_remap(c, mcf, PG_P | PG_A), 0, "make the list's page read-only");
    MM_EXPECT(HYPERVISOR_multicall(r, 1), -XEN_EFAULT, "result write-back to a read-only list is -EFAULT");
    mm_check(ev[0] != 0, "... after the entry itself ran (extraversion written)", ev[0]);
    MM_EXPECT(r->result, 0xDEADBEEFu, "... and its result field is unchanged");
    MM_EXPECT(mm_remap(c, mcf, PG_P | PG_RW | PG_A | PG_D), 0, "make it writable again");
    MM_EXPECT(HYPERVISOR_multicall(r, 1), 0, "the same list works once writable");
    MM_EXPECT(r->result, 0, "... result 0");

    mm_check_alive();
    return mm_finish("mc-bad");
}
