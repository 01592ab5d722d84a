/* Randomised model check of the page-type state machine through the hypercall logic: thousands
 * of random mmu_update / pin / unpin / new-base operations (most of them refused), and after
 * every one the whole frame table is recomputed from scratch - from the contents of the
 * validated tables, the pins and the base - and compared with what pagetype.c maintains.
 * This proves I2 (no table is writable), I3/I4 (counts are exactly the references held) and I5
 * hold in states no hand-written test thinks of. Deterministic: fixed seeds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include "sim_machine.h"
#include "mmu.h"

/* ---- hooks: no guest memory needed (requests are built in Moat's terms directly) ---------- */
int mm_copy_from_guest(void *dst, uint32_t gva, uint32_t len) { return -XEN_EFAULT; }
int mm_copy_to_guest(uint32_t gva, const void *src, uint32_t len) { return -XEN_EFAULT; }
void mm_flush_tlb_local(void) {}
void mm_invlpg_local(uint32_t va) {}
void mm_flush_tlb_vcpus(struct mm_ctx *c, uint32_t mask) {}
void mm_load_base(struct mm_ctx *c) {}
void mm_wbinvd(void) {}
void m2p_set(mfn_t mfn, uint32_t pfn) {}
uint32_t mm_machine_memory_map(struct mm_e820 *buf, uint32_t max) { return 0; }

static struct mm_vcpu vcpu;
static struct mm_ctx ctx;
static uint32_t rng;

static uint32_t rnd(uint32_t n)
{
    rng = rng * 1103515245u + 12345u;
    return (rng >> 8) % n;
}

#define POOL 16                           /* frames D1(0..15) take part */
static mfn_t pick(void)
{
    uint32_t r = rnd(40);
    if (r == 0) return D2(0);             /* foreign */
    if (r == 1) return MOAT_FRAME;
    if (r == 2) return IO_FRAME;
    return D1(rnd(POOL));
}

/* Frames D1(0..3) tend to be L3s, D1(4..7) L2s, D1(8..11) L1s, D1(12..15) data: entries written
 * into a frame usually point one level down with typical flags, sometimes anywhere with
 * anything, so that deep valid trees form and are then broken in every way. */
static uint64_t random_entry(mfn_t table, unsigned idx)
{
    static const uint64_t flags[] = {
        PTE_P | PTE_RW | PTE_US | PTE_A, PTE_P | PTE_US | PTE_A, PTE_P, PTE_P | PTE_RW,
        PTE_P | PTE_RW | PTE_PS, PTE_P | PTE_G, PTE_P | PTE_PCD, PTE_P | PTE_NX, 0,
    };
    unsigned role = table >= D1(0) && table < D1(POOL) ? (table - D1(0)) / 4 : 3;
    if (rnd(6) == 0)
        return 0;
    if (role < 3 && rnd(10) < 7) {
        mfn_t below = D1(4 * (role + 1) + rnd(4));
        uint64_t fl = role == 0 ? PTE_P : role == 1 ? (PTE_P | PTE_RW | PTE_US | PTE_A)
                                       : (rnd(2) ? PTE_P | PTE_RW | PTE_A : PTE_P | PTE_A);
        return ((uint64_t)below << 12) | fl;
    }
    return ((uint64_t)pick() << 12) | flags[rnd(sizeof flags / sizeof flags[0])];
}

static unsigned random_index(mfn_t table)
{
    static const unsigned idx[] = { 0, 1, 2, 3, 4, 427, 428, 511 };
    if (table >= D1(0) && table < D1(4) && rnd(2))
        return 3;                          /* L3 slot 3 is what makes an L3 valid */
    return idx[rnd(sizeof idx / sizeof idx[0])];
}

/* ---- the model: recompute every count from the tables --------------------------------- */
struct expect { uint32_t count, type_count; };

static void recompute(struct expect *e)
{
    unsigned m, i;

    for (m = 0; m < SIM_FRAMES; m++) {
        e[m].count = sim_frames[m].owner == FRAME_OWNER_FREE ? 0 : 1;
        e[m].type_count = 0;
    }
    if (vcpu.base != MM_NO_BASE) {
        e[vcpu.base].count++;
        e[vcpu.base].type_count++;
    }
    for (m = 0; m < SIM_FRAMES; m++) {
        struct frame *f = &sim_frames[m];
        if (f->flags & FF_PINNED) {
            e[m].count++;
            e[m].type_count++;
        }
        if (!(f->flags & FF_VALIDATED) || f->type_count == 0)
            continue;
        switch (f->type) {
        case FT_L1:
            for (i = 0; i < 512; i++) {
                uint64_t x = sim_mem[m][i];
                if (!(x & PTE_P))
                    continue;
                e[pte_mfn(x)].count++;
                if (x & PTE_RW)
                    e[pte_mfn(x)].type_count++;
            }
            break;
        case FT_L2:
        case FT_L2_MOAT:
            for (i = 0; i < (f->type == FT_L2_MOAT ? MOAT_L2_FIRST_SLOT : 512u); i++) {
                uint64_t x = sim_mem[m][i];
                if ((x & PTE_P) && pte_mfn(x) != m) {
                    e[pte_mfn(x)].count++;
                    e[pte_mfn(x)].type_count++;
                }
            }
            break;
        case FT_L3:
            for (i = 0; i < 4; i++) {
                uint64_t x = sim_mem[m][i];
                if (x & PTE_P) {
                    e[pte_mfn(x)].count++;
                    e[pte_mfn(x)].type_count++;
                }
            }
            break;
        default:
            break;
        }
    }
}

static void check_model(unsigned step)
{
    struct expect e[SIM_FRAMES];
    unsigned m, i;

    recompute(e);
    for (m = 0; m < SIM_FRAMES; m++) {
        struct frame *f = &sim_frames[m];
        if (e[m].count != f->count || e[m].type_count != f->type_count) {
            print_error("step %u frame %u type %u: count %u (model %u) type_count %u (model %u)\n",
                        step, m, f->type, f->count, e[m].count, f->type_count, e[m].type_count);
            fail();
        }
        /* a table in use is validated, and nothing in use as a table is mapped writable */
        if (f->type_count && frame_type_is_pt(f->type))
            assert_true(f->flags & FF_VALIDATED);
        if (f->type_count && (f->flags & FF_VALIDATED) && f->type == FT_L1)
            for (i = 0; i < 512; i++)
                if ((sim_mem[m][i] & (PTE_P | PTE_RW)) == (PTE_P | PTE_RW))
                    assert_int_equal(sim_frames[pte_mfn(sim_mem[m][i])].type, FT_WRITABLE);
        /* Moat's slots stay Moat's, and the slot-3 L2 belongs to exactly one L3 */
        if (f->type_count && f->type == FT_L2_MOAT) {
            assert_int_equal(sim_mem[m][MOAT_L2_FIRST_SLOT], MOAT_SLOT_MARK + (428ull << 12));
            assert_int_equal(f->type_count, 1);
        }
        /* I7: nobody outside domain 1 gained a reference */
        if (sim_frames[m].owner != DOM)
            assert_int_equal(f->count, sim_frames[m].owner == FRAME_OWNER_FREE ? 0 : 1);
    }
    assert_int_equal(pagetype_bugs, 0);
    assert_int_equal(sim_map_depth, 0);
}

static void run(uint32_t seed, unsigned steps)
{
    unsigned s, accepted = 0, max_tables = 0, l3s = 0;

    sim_reset();
    memset(&ctx, 0, sizeof ctx);
    vcpu.base = MM_NO_BASE;
    ctx.dom = DOM;
    ctx.nr_vcpus = 1;
    ctx.v = &vcpu;
    for (s = 0; s < MM_MAX_VCPUS; s++)
        ctx.vcpu_base[s] = MM_NO_BASE;
    rng = seed;
    for (s = 0; s < steps; s++) {
        int rc;
        uint32_t op = rnd(10);
        mfn_t m = pick();
        if (op < 6) {
            unsigned idx = random_index(m);
            uint64_t ptr = ((uint64_t)m << 12) + idx * 8;
            rc = mmu_normal_update(&ctx, ptr, random_entry(m, idx), rnd(4) == 0);
        } else if (op < 8) {
            static const enum frame_type t[] = { FT_L1, FT_L2, FT_L3 };
            unsigned level = rnd(3);
            if (rnd(2))                     /* usually the frames that tend to be that level */
                m = D1(4 * (2 - level) + rnd(4));
            rc = pagetype_pin(DOM, m, t[level]);
        } else if (op < 9) {
            rc = pagetype_unpin(DOM, m);
        } else {
            rc = mm_new_baseptr(&ctx, rnd(2) ? D1(rnd(4)) : m);
        }
        accepted += rc == 0;
        check_model(s);
        unsigned tables = 0;
        for (unsigned f = 0; f < SIM_FRAMES; f++)
            if (sim_frames[f].type_count && frame_type_is_pt(sim_frames[f].type)) {
                tables++;
                l3s += sim_frames[f].type == FT_L3;
            }
        if (tables > max_tables)
            max_tables = tables;
    }
    /* teardown returns everything */
    mm_vcpu_release(&vcpu);
    pagetype_unpin_all(DOM);
    check_model(steps);
    for (s = 0; s < SIM_FRAMES; s++)
        assert_int_equal(sim_frames[s].type_count, 0);
    print_message("seed %u: %u operations, %u accepted, up to %u live tables, %u L3-steps\n",
                  seed, steps, accepted, max_tables, l3s);
    assert_true(max_tables >= 4 && l3s > 0); /* the walk must reach interesting states */
}

static void test_random_walk_seed1(void **state) { run(1, 4000); }
static void test_random_walk_seed2(void **state) { run(0xC0FFEE, 4000); }
static void test_random_walk_seed3(void **state) { run(31337, 4000); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_walk_seed1),
        cmocka_unit_test(test_random_walk_seed2),
        cmocka_unit_test(test_random_walk_seed3),
    };
    return cmocka_run_group_tests_name("hv_mmu_random", tests, NULL, NULL);
}
