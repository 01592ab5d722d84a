/* Host tests of hv/mm/pagetype.c: the page type / reference count state machine, on the
 * simulated machine of sim_machine.h. Test names follow the invariants (I1..I10) in the essay
 * at the top of pagetype.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include "sim_machine.h"

#define F(m) (sim_frames[(m)])

/* L1 at D1(0) mapping D1(1), D1(2) writable and D1(3) read-only. */
static void make_simple_l1(void)
{
    sim_mem[D1(0)][0] = rw(D1(1));
    sim_mem[D1(0)][1] = rw(D1(2));
    sim_mem[D1(0)][7] = ro(D1(3));
    sim_mem[D1(0)][8] = ro(D1(3));   /* two read-only mappings: two general refs */
}

/* ---- promotion / demotion ----------------------------------------------------------------- */
static void test_promote_l1(void **state)
{
    struct sim_snapshot before;
    make_simple_l1();
    sim_snap(&before);

    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L1), 0);
    assert_int_equal(F(D1(0)).type, FT_L1);
    assert_int_equal(F(D1(0)).type_count, 1);
    assert_true(F(D1(0)).flags & FF_VALIDATED);
    assert_true(F(D1(0)).flags & FF_PINNED);
    assert_int_equal(F(D1(0)).count, 2);
    assert_int_equal(F(D1(1)).type, FT_WRITABLE);
    assert_int_equal(F(D1(1)).type_count, 1);
    assert_int_equal(F(D1(1)).count, 2);
    assert_int_equal(F(D1(2)).type_count, 1);
    assert_int_equal(F(D1(3)).type, FT_NONE);       /* read-only: no type use */
    assert_int_equal(F(D1(3)).type_count, 0);
    assert_int_equal(F(D1(3)).count, 3);

    assert_int_equal(pagetype_unpin(DOM, D1(0)), 0);   /* demotion releases everything */
    assert_true(sim_counts_same(&before));
    assert_false(F(D1(0)).flags & FF_VALIDATED);
    assert_int_equal(pagetype_bugs, 0);
    assert_int_equal(sim_map_depth, 0);
}

static void test_promote_nested_l3(void **state)
{
    struct sim_snapshot before;
    /* L3 D1(0): slot 0 -> L2 D1(1), slot 3 -> L2 D1(2). L2 D1(1)[0] -> L1 D1(3), [5] -> L1 D1(3)
     * again (shared L1), L2 D1(2)[0] -> L1 D1(4). The L1s map data frames. */
    sim_mem[D1(0)][0] = pdpte(D1(1));
    sim_mem[D1(0)][3] = pdpte(D1(2));
    sim_mem[D1(1)][0] = pde(D1(3));
    sim_mem[D1(1)][5] = pde(D1(3));
    sim_mem[D1(2)][0] = pde(D1(4));
    sim_mem[D1(2)][MOAT_L2_FIRST_SLOT] = 0xdeadbeefdeadbeefull;   /* guest junk: ignored */
    sim_mem[D1(3)][0] = rw(D1(10));
    sim_mem[D1(3)][1] = ro(D1(0));                                 /* the L3, read-only: fine */
    sim_mem[D1(4)][0] = rw(D1(11));
    sim_mem[D1(0)][100] = 0x123;                                   /* L3 beyond slot 3: cleared */
    sim_snap(&before);

    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L3), 0);
    assert_int_equal(F(D1(0)).type, FT_L3);
    assert_int_equal(F(D1(1)).type, FT_L2);
    assert_int_equal(F(D1(1)).type_count, 1);
    assert_int_equal(F(D1(2)).type, FT_L2_MOAT);
    assert_int_equal(F(D1(3)).type, FT_L1);
    assert_int_equal(F(D1(3)).type_count, 2);     /* referenced by two L2 entries */
    assert_int_equal(F(D1(4)).type_count, 1);
    assert_int_equal(F(D1(10)).type, FT_WRITABLE);
    assert_int_equal(sim_slot3_installs, 1);
    assert_int_equal(sim_mem[D1(2)][MOAT_L2_FIRST_SLOT], MOAT_SLOT_MARK + (428ull << 12));
    assert_int_equal(sim_mem[D1(0)][100], 0);
    assert_in_range(sim_map_max, 1, MAPCACHE_SLOTS);

    assert_int_equal(pagetype_unpin(DOM, D1(0)), 0);
    assert_true(sim_counts_same(&before));
    /* Moat's entries do not stay behind in the demoted L2 (it may become writable next). */
    assert_int_equal(sim_mem[D1(2)][MOAT_L2_FIRST_SLOT], 0);
    assert_int_equal(pagetype_bugs, 0);
}

/* ---- I3: unwinding ------------------------------------------------------------------------ */
static void test_unwind_l1_on_bad_entry(void **state)
{
    struct sim_snapshot before;
    unsigned i;
    for (i = 0; i < 10; i++)
        sim_mem[D1(0)][i] = (i & 1) ? rw(D1(1 + i)) : ro(D1(1 + i));
    sim_mem[D1(0)][11] = rw(D2(0));       /* another domain's frame */
    sim_snap(&before);

    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L1), -XEN_EBUSY);
    assert_true(sim_same(&before));       /* counts of every frame: exactly as before */
    assert_true(sim_frame_same(&before, D1(0)));   /* the table itself: type and flags too */
    assert_int_equal(sim_map_depth, 0);
    assert_int_equal(pagetype_bugs, 0);
}

static void test_unwind_nested_on_last_entry(void **state)
{
    struct sim_snapshot before;
    /* L3 -> two L2s -> several L1s; the very last L1 entry visited is refused. */
    sim_mem[D1(0)][0] = pdpte(D1(1));
    sim_mem[D1(0)][3] = pdpte(D1(2));
    sim_mem[D1(1)][0] = pde(D1(3));
    sim_mem[D1(1)][1] = pde(D1(4));
    sim_mem[D1(2)][0] = pde(D1(5));
    sim_mem[D1(3)][0] = rw(D1(10));
    sim_mem[D1(4)][0] = ro(D1(11));
    sim_mem[D1(5)][0] = rw(D1(12));
    sim_mem[D1(5)][511] = ro(MOAT_FRAME);   /* Moat's frame, even read-only: refused */
    sim_snap(&before);

    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L3), -XEN_EBUSY);
    assert_true(sim_same(&before));
    assert_true(sim_frame_same(&before, D1(0)));
    assert_int_equal(sim_map_depth, 0);
    assert_int_equal(pagetype_bugs, 0);

    /* Fix the entry: now it validates, and the failed attempt left nothing behind. */
    sim_mem[D1(5)][511] = ro(D1(13));
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L3), 0);
    assert_int_equal(pagetype_unpin(DOM, D1(0)), 0);
    assert_true(sim_counts_same(&before));
}

static void test_unwind_restores_previous_type(void **state)
{
    struct sim_snapshot before;
    /* D1(0) was used writable before (type FT_WRITABLE, count 0): a failed promotion to L1
     * must leave it FT_WRITABLE, validated. */
    assert_int_equal(page_get_type(D1(0), FT_WRITABLE, DOM), 0);
    page_put_type(D1(0));
    sim_mem[D1(0)][3] = rw(IO_FRAME);
    sim_snap(&before);
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L1), -XEN_EPERM);
    assert_true(sim_same(&before));
    assert_true(sim_frame_same(&before, D1(0)));
    assert_int_equal(F(D1(0)).type, FT_WRITABLE);
}

/* ---- I2: writable mappings of tables ------------------------------------------------------ */
static void test_writable_map_of_table_refused(void **state)
{
    struct sim_snapshot before;
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L1), 0);   /* an empty L1, pinned */
    sim_mem[D1(1)][0] = rw(D1(0));
    sim_snap(&before);
    assert_int_equal(pagetype_pin(DOM, D1(1), FT_L1), -XEN_EBUSY);
    assert_true(sim_same(&before));
    assert_int_equal(pte_get_l1(rw(D1(0)), DOM), -XEN_EBUSY);
    /* Read-only is fine: a guest may read its own tables. */
    sim_mem[D1(1)][0] = ro(D1(0));
    assert_int_equal(pagetype_pin(DOM, D1(1), FT_L1), 0);
    assert_int_equal(F(D1(0)).count, 3);     /* allocation + pin + the RO mapping */
}

static void test_pin_of_writable_page_refused(void **state)
{
    sim_mem[D1(0)][0] = rw(D1(1));
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L1), 0);
    assert_int_equal(pagetype_pin(DOM, D1(1), FT_L1), -XEN_EINVAL);
    assert_int_equal(pagetype_pin(DOM, D1(1), FT_L2), -XEN_EINVAL);
    assert_int_equal(pagetype_pin(DOM, D1(1), FT_L3), -XEN_EINVAL);
    assert_int_equal(F(D1(1)).type, FT_WRITABLE);
    assert_int_equal(F(D1(1)).type_count, 1);
    assert_int_equal(F(D1(1)).count, 2);
}

/* ---- I1: type changes only at zero ------------------------------------------------------- */
static void test_type_change_only_at_zero(void **state)
{
    assert_int_equal(page_get_type(D1(5), FT_WRITABLE, DOM), 0);
    assert_int_equal(page_get_type(D1(5), FT_WRITABLE, DOM), 0);
    assert_int_equal(page_get_type(D1(5), FT_L1, DOM), -XEN_EINVAL);
    page_put_type(D1(5));
    assert_int_equal(page_get_type(D1(5), FT_L1, DOM), -XEN_EINVAL);
    page_put_type(D1(5));
    unsigned flushes = sim_flushes;
    assert_int_equal(page_get_type(D1(5), FT_L1, DOM), 0);   /* count reached zero: allowed */
    assert_int_equal(sim_flushes, flushes + 1);               /* I9: the role change flushed */
    assert_int_equal(page_get_type(D1(5), FT_WRITABLE, DOM), -XEN_EINVAL);
    page_put_type(D1(5));
    assert_int_equal(page_get_type(D1(5), FT_WRITABLE, DOM), 0);
    page_put_type(D1(5));
    assert_int_equal(F(D1(5)).count, 1);
    assert_int_equal(pagetype_bugs, 0);
}

/* ---- L2 entries --------------------------------------------------------------------------- */
static void test_l2_entry_to_non_l1_refused(void **state)
{
    struct sim_snapshot before;
    /* to a frame in use as writable */
    assert_int_equal(page_get_type(D1(1), FT_WRITABLE, DOM), 0);
    sim_mem[D1(0)][0] = pde(D1(1));
    sim_snap(&before);
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L2), -XEN_EINVAL);
    assert_true(sim_same(&before));
    /* to a pinned L2 */
    assert_int_equal(pagetype_pin(DOM, D1(2), FT_L2), 0);
    sim_mem[D1(0)][0] = pde(D1(2));
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L2), -XEN_EINVAL);
    /* a 2 MB page */
    sim_mem[D1(0)][0] = pde(D1(4)) | PTE_PS;
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L2), -XEN_EINVAL);
    /* to an L1 that does not validate: its error comes through */
    sim_mem[D1(5)][0] = rw(D2(1));
    sim_mem[D1(0)][0] = pde(D1(5));
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L2), -XEN_EBUSY);
    assert_int_equal(F(D1(5)).type_count, 0);
    /* a good L1 */
    sim_mem[D1(5)][0] = rw(D1(6));
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L2), 0);
    assert_int_equal(F(D1(5)).type, FT_L1);
}

/* ---- I7: what a domain may map ------------------------------------------------------------ */
static void test_foreign_and_moat_frames_refused(void **state)
{
    assert_int_equal(pte_get_l1(ro(D2(0)), DOM), -XEN_EBUSY);
    assert_int_equal(pte_get_l1(rw(D2(0)), DOM), -XEN_EBUSY);
    assert_int_equal(pte_get_l1(ro(MOAT_FRAME), DOM), -XEN_EBUSY);
    assert_int_equal(pte_get_l1(rw(MOAT_FRAME), DOM), -XEN_EBUSY);
    assert_int_equal(pte_get_l1(ro(FREE_FRAME), DOM), -XEN_EBUSY);
    assert_int_equal(pte_get_l1(ro(IO_FRAME), DOM), -XEN_EPERM);
    assert_int_equal(pte_get_l1(ro(SIM_FRAMES), DOM), -XEN_EPERM);        /* beyond RAM */
    assert_int_equal(pte_get_l1(ro(0xFFFFFull), DOM), -XEN_EPERM);
    assert_int_equal(pte_get_l1(PTE_P | (0xFFFFFFFFFull << 12), DOM), -XEN_EPERM);
    /* Tables: pin or reference a frame that is not ours */
    assert_int_equal(pagetype_pin(DOM, D2(0), FT_L1), -XEN_EINVAL);
    assert_int_equal(pagetype_pin(DOM, MOAT_FRAME, FT_L1), -XEN_EINVAL);
    assert_int_equal(pagetype_pin(DOM, SIM_FRAMES + 5, FT_L1), -XEN_EINVAL);
    assert_int_equal(pte_get_l2(pde(D2(0)), D1(0), DOM), -XEN_EINVAL);
    assert_int_equal(pte_get_l3(pdpte(MOAT_FRAME), 0, D1(0), DOM), -XEN_EINVAL);
    /* page_get refuses reserved domain ids even for frames they "own" */
    assert_int_equal(page_get(MOAT_FRAME, FRAME_OWNER_MOAT), -XEN_EINVAL);
    assert_int_equal(page_get(IO_FRAME, FRAME_OWNER_IO), -XEN_EINVAL);
    /* nothing leaked */
    assert_int_equal(F(D2(0)).count, 1);
    assert_int_equal(F(MOAT_FRAME).count, 1);
    assert_int_equal(F(FREE_FRAME).count, 0);
    assert_int_equal(pagetype_bugs, 0);
}

/* ---- I5: recursion and self references ---------------------------------------------------- */
static void test_self_references(void **state)
{
    struct sim_snapshot before;
    /* L1 mapping itself read-only: a general ref on itself. */
    sim_mem[D1(0)][0] = ro(D1(0));
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L1), 0);
    assert_int_equal(F(D1(0)).count, 3);
    assert_int_equal(pagetype_unpin(DOM, D1(0)), 0);
    assert_int_equal(F(D1(0)).count, 1);
    /* L1 mapping itself writable: refused (its own validation is in progress). */
    sim_mem[D1(1)][0] = rw(D1(1));
    sim_snap(&before);
    assert_int_equal(pagetype_pin(DOM, D1(1), FT_L1), -XEN_EBUSY);
    assert_true(sim_same(&before));
    /* L2 linear self-mapping, read-only: allowed, takes no reference. */
    sim_mem[D1(2)][7] = ro(D1(2));
    assert_int_equal(pagetype_pin(DOM, D1(2), FT_L2), 0);
    assert_int_equal(F(D1(2)).count, 2);
    assert_int_equal(F(D1(2)).type_count, 1);
    assert_int_equal(pagetype_unpin(DOM, D1(2)), 0);
    assert_int_equal(F(D1(2)).count, 1);
    /* ... writable: refused. */
    sim_mem[D1(2)][7] = pde(D1(2));
    assert_int_equal(pagetype_pin(DOM, D1(2), FT_L2), -XEN_EINVAL);
    /* L3 pointing at itself */
    sim_mem[D1(3)][0] = pdpte(D1(3));
    sim_mem[D1(3)][3] = pdpte(D1(4));
    sim_snap(&before);
    assert_int_equal(pagetype_pin(DOM, D1(3), FT_L3), -XEN_EINVAL);
    assert_true(sim_same(&before));
    /* slot-3 L2 mapping itself (would expose Moat's slots as pages) */
    sim_mem[D1(3)][0] = 0;
    sim_mem[D1(4)][9] = ro(D1(4));
    assert_int_equal(pagetype_pin(DOM, D1(3), FT_L3), -XEN_EINVAL);
    assert_true(sim_same(&before));
    /* An L2 entry pointing at a table whose validation is in progress up the chain:
     * L3 D1(3) slot 0 -> L2 D1(5) whose entry points at D1(3) (the L3) as if it were an L1. */
    sim_mem[D1(4)][9] = 0;
    sim_mem[D1(3)][0] = pdpte(D1(5));
    sim_mem[D1(5)][0] = pde(D1(3));
    assert_int_equal(pagetype_pin(DOM, D1(3), FT_L3), -XEN_EINVAL);
    assert_true(sim_same(&before));
    assert_int_equal(pagetype_bugs, 0);
}

/* ---- I6: the L3 and the slot-3 L2 --------------------------------------------------------- */
static void test_l3_rules(void **state)
{
    struct sim_snapshot before;
    sim_snap(&before);
    /* slot 3 missing */
    sim_mem[D1(0)][0] = pdpte(D1(1));
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L3), -XEN_EINVAL);
    assert_true(sim_same(&before));
    /* disallowed L3 bits (PWT, PS, G, NX, high bits) */
    uint64_t bad[] = { PTE_PWT, PTE_PCD, PTE_PS, PTE_G, PTE_NX, 1ull << 52 };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sim_mem[D1(0)][3] = pdpte(D1(2)) | bad[i];
        assert_int_equal(pagetype_pin(DOM, D1(0), FT_L3), -XEN_EINVAL);
        assert_true(sim_same(&before));
    }
    /* Xen-accepted bits RW/US/A/D are accepted and cleared in what the hardware sees */
    sim_mem[D1(0)][3] = pdpte(D1(2)) | PTE_RW | PTE_US | PTE_A | PTE_D | 0x200;
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L3), 0);
    assert_int_equal(sim_mem[D1(0)][3], pdpte(D1(2)) | 0x200);
    /* the slot-3 L2 cannot be shared with another L3 */
    sim_mem[D1(3)][3] = pdpte(D1(2));
    assert_int_equal(pagetype_pin(DOM, D1(3), FT_L3), -XEN_EINVAL);
    assert_int_equal(F(D1(2)).type_count, 1);
    /* nor used as an ordinary L2 in slot 0-2 or pinned as L2 */
    sim_mem[D1(3)][3] = pdpte(D1(4));
    sim_mem[D1(3)][0] = pdpte(D1(2));
    assert_int_equal(pagetype_pin(DOM, D1(3), FT_L3), -XEN_EINVAL);
    assert_int_equal(pagetype_pin(DOM, D1(2), FT_L2), -XEN_EINVAL);
    /* an ordinary L2 may appear in several slots of several L3s */
    sim_mem[D1(3)][0] = pdpte(D1(1));
    sim_mem[D1(3)][1] = pdpte(D1(1));
    assert_int_equal(pagetype_pin(DOM, D1(3), FT_L3), 0);
    assert_int_equal(F(D1(1)).type, FT_L2);
    assert_int_equal(F(D1(1)).type_count, 3);
    assert_int_equal(pagetype_unpin_all(DOM), 2);
    assert_true(sim_counts_same(&before));
    assert_int_equal(pagetype_bugs, 0);
}

/* ---- I8: reserved and attribute bits ------------------------------------------------------ */
static void test_reserved_bits(void **state)
{
    assert_int_equal(pte_get_l1(rw(D1(1)) | PTE_NX, DOM), 0);
    pagetype_init(0);
    assert_int_equal(pte_get_l1(rw(D1(1)) | PTE_NX, DOM), -XEN_EINVAL);
    assert_int_equal(pte_get_l2(pde(D1(1)) | PTE_NX, D1(0), DOM), -XEN_EINVAL);
    pagetype_init(1);
    assert_int_equal(pte_get_l1(ro(D1(1)) | (1ull << 52), DOM), -XEN_EINVAL);
    assert_int_equal(pte_get_l1(ro(D1(1)) | (1ull << 62), DOM), -XEN_EINVAL);
    assert_int_equal(pte_get_l1(ro(D1(1)) | PTE_G | PTE_AVAIL | PTE_D, DOM), 0);
    /* cache attributes: initial domain only */
    assert_int_equal(pte_get_l1(ro(D1(1)) | PTE_PCD, DOM), -XEN_EINVAL);
    assert_int_equal(pte_get_l1(ro(D1(1)) | PTE_PWT, DOM), -XEN_EINVAL);
    assert_int_equal(pte_get_l1(ro(D1(1)) | PTE_PAT, DOM), -XEN_EINVAL);
    assert_int_equal(pte_get_l1(ro(D0(1)) | PTE_PCD | PTE_PWT | PTE_PAT, 0), 0);
    /* L2: no global, no cache bits, no PS */
    assert_int_equal(pte_get_l2(pde(D1(2)) | PTE_G, D1(0), DOM), -XEN_EINVAL);
    assert_int_equal(pte_get_l2(pde(D1(2)) | PTE_PCD, D1(0), DOM), -XEN_EINVAL);
    assert_int_equal(F(D1(2)).type_count, 0);
    /* the refusals took nothing; undo the three successful gets */
    pte_put_l1(rw(D1(1)) | PTE_NX);
    pte_put_l1(ro(D1(1)));
    pte_put_l1(ro(D0(1)));
    assert_int_equal(F(D1(1)).count, 1);
    assert_int_equal(F(D1(1)).type_count, 0);
    assert_int_equal(F(D0(1)).count, 1);
    assert_int_equal(pagetype_bugs, 0);
}

/* ---- pins ---------------------------------------------------------------------------------- */
static void test_pin_rules(void **state)
{
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L1), 0);
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L1), -XEN_EINVAL);    /* no nesting */
    assert_int_equal(F(D1(0)).type_count, 1);
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_WRITABLE), -XEN_EINVAL);
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L2_MOAT), -XEN_EINVAL);
    assert_int_equal(pagetype_unpin(DOM2, D1(0)), -XEN_EINVAL);        /* not its frame */
    assert_int_equal(pagetype_unpin(DOM, D1(1)), -XEN_EINVAL);         /* not pinned */
    assert_int_equal(pagetype_unpin(DOM, SIM_FRAMES), -XEN_EINVAL);
    assert_int_equal(pagetype_unpin(DOM, D1(0)), 0);
    assert_int_equal(pagetype_unpin(DOM, D1(0)), -XEN_EINVAL);
    assert_int_equal(F(D1(0)).count, 1);
    assert_int_equal(F(D1(0)).type_count, 0);
}

/* ---- I10: overflow ------------------------------------------------------------------------- */
static void test_count_overflow_refused(void **state)
{
    F(D1(1)).count = UINT32_MAX;
    assert_int_equal(page_get(D1(1), DOM), -XEN_EINVAL);
    assert_int_equal(pte_get_l1(ro(D1(1)), DOM), -XEN_EBUSY);
    F(D1(1)).count = 1;
    assert_int_equal(page_get_type(D1(1), FT_WRITABLE, DOM), 0);
    F(D1(1)).type_count = UINT32_MAX;
    assert_int_equal(page_get_type(D1(1), FT_WRITABLE, DOM), -XEN_EINVAL);
    assert_int_equal(F(D1(1)).count, 2);
    F(D1(1)).type_count = 1;
    page_put_type(D1(1));
    page_put(D1(1));
    page_put(D1(1));                 /* one put too many: counted as a bug, no wrap */
    assert_int_equal(F(D1(1)).count, 0);
    assert_int_equal(pagetype_bugs, 1);
}

/* ---- I4: teardown -------------------------------------------------------------------------- */
static void test_teardown_balances_counts(void **state)
{
    struct sim_snapshot before;
    unsigned i;
    /* Two address spaces sharing L1s, with extra L1 pins as Linux does, then unpin all. */
    for (i = 0; i < 2; i++) {
        mfn_t l3 = D1(i * 4), l2a = D1(i * 4 + 1), l2s = D1(i * 4 + 2);
        sim_mem[l3][0] = pdpte(l2a);
        sim_mem[l3][1] = pdpte(l2a);
        sim_mem[l3][3] = pdpte(l2s);
        sim_mem[l2a][0] = pde(D1(8));
        sim_mem[l2a][1] = pde(D1(9));
        sim_mem[l2s][0] = pde(D1(9));
        sim_mem[l2s][427] = pde(D1(10 + i));
    }
    for (i = 0; i < 512; i++) {
        sim_mem[D1(8)][i] = (i % 3) ? rw(D1(20 + i % 10)) : ro(D1(20 + i % 7));
        sim_mem[D1(9)][i] = ro(D1(30 + i % 5));
    }
    sim_mem[D1(10)][0] = ro(D1(0));     /* read-only views of page tables */
    sim_mem[D1(11)][0] = ro(D1(8));
    sim_snap(&before);

    assert_int_equal(pagetype_pin(DOM, D1(8), FT_L1), 0);
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L3), 0);
    assert_int_equal(pagetype_pin(DOM, D1(4), FT_L3), 0);
    assert_int_equal(pagetype_pin(DOM, D1(9), FT_L1), 0);
    assert_int_equal(F(D1(8)).type_count, 3);   /* pin + l2a[0] of each space (l2a is one frame per space) */
    assert_int_equal(F(D1(9)).type_count, 5);   /* pin + l2a[1] x2 + l2s[0] x2 */
    assert_int_equal(F(D1(1)).type_count, 2);   /* two slots of one L3 */
    assert_int_equal(pagetype_unpin_all(DOM), 4);
    assert_true(sim_counts_same(&before));
    for (i = 0; i < SIM_FRAMES; i++)
        assert_false(frame_type_is_pt(sim_frames[i].type) && (sim_frames[i].flags & FF_VALIDATED));
    assert_int_equal(pagetype_bugs, 0);
    assert_int_equal(sim_map_depth, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_promote_l1, sim_setup),
        cmocka_unit_test_setup(test_promote_nested_l3, sim_setup),
        cmocka_unit_test_setup(test_unwind_l1_on_bad_entry, sim_setup),
        cmocka_unit_test_setup(test_unwind_nested_on_last_entry, sim_setup),
        cmocka_unit_test_setup(test_unwind_restores_previous_type, sim_setup),
        cmocka_unit_test_setup(test_writable_map_of_table_refused, sim_setup),
        cmocka_unit_test_setup(test_pin_of_writable_page_refused, sim_setup),
        cmocka_unit_test_setup(test_type_change_only_at_zero, sim_setup),
        cmocka_unit_test_setup(test_l2_entry_to_non_l1_refused, sim_setup),
        cmocka_unit_test_setup(test_foreign_and_moat_frames_refused, sim_setup),
        cmocka_unit_test_setup(test_self_references, sim_setup),
        cmocka_unit_test_setup(test_l3_rules, sim_setup),
        cmocka_unit_test_setup(test_reserved_bits, sim_setup),
        cmocka_unit_test_setup(test_pin_rules, sim_setup),
        cmocka_unit_test_setup(test_count_overflow_refused, sim_setup),
        cmocka_unit_test_setup(test_teardown_balances_counts, sim_setup),
    };
    return cmocka_run_group_tests_name("hv_pagetype", tests, NULL, NULL);
}
