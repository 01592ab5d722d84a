/* Host tests of the mm hypercall logic (hv/mm/mmu_entry.c, mmu_update.c, mmuext_op.c,
 * mmu_va.c, mmu_memop.c) on the simulated machine of sim_machine.h, with a fake guest memory
 * window for the request arrays and fakes of the machine hooks of mmu.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xen/xen.h>
#include <xen/memory.h>
#include <xen/errno.h>
#include "sim_machine.h"
#include "mmu.h"

/* ---- fake guest memory: [GUEST_BASE, GUEST_BASE + GUEST_SIZE) is readable/writable ---------- */
#define GUEST_BASE 0x00400000u
#define GUEST_SIZE 0x00010000u
static uint8_t guest[GUEST_SIZE] __attribute__((aligned(4096)));

int mm_copy_from_guest(void *dst, uint32_t gva, uint32_t len)
{
    if (gva < GUEST_BASE || (uint64_t)gva + len > GUEST_BASE + GUEST_SIZE)
        return -XEN_EFAULT;
    memcpy(dst, guest + (gva - GUEST_BASE), len);
    return 0;
}

int mm_copy_to_guest(uint32_t gva, const void *src, uint32_t len)
{
    if (gva < GUEST_BASE || (uint64_t)gva + len > GUEST_BASE + GUEST_SIZE)
        return -XEN_EFAULT;
    memcpy(guest + (gva - GUEST_BASE), src, len);
    return 0;
}

static unsigned local_flushes, invlpgs, base_loads, wbinvds, remote_flushes;
static uint32_t last_invlpg, last_remote_mask;
static uint32_t m2p[SIM_FRAMES];

void mm_flush_tlb_local(void) { local_flushes++; }
void mm_invlpg_local(uint32_t va) { invlpgs++; last_invlpg = va; }
void mm_flush_tlb_vcpus(struct mm_ctx *c, uint32_t mask) { remote_flushes++; last_remote_mask = mask; }
void mm_load_base(struct mm_ctx *c) { base_loads++; }
void mm_wbinvd(void) { wbinvds++; }
void m2p_set(mfn_t mfn, uint32_t pfn) { if (mfn < SIM_FRAMES) m2p[mfn] = pfn; }
uint32_t mm_machine_memory_map(struct mm_e820 *buf, uint32_t max)
{
    static const struct mm_e820 map[] = { { 0, 0x9fc00, 1 }, { 0xf0000, 0x10000, 2 },
                                          { 0x100000, 0x7f00000, 1 } };
    uint32_t i;
    for (i = 0; i < 3 && i < max; i++)
        buf[i] = map[i];
    return 3;
}

static struct mm_vcpu vcpus[2];
static struct mm_ctx ctx;
static struct mm_cont cont;

static int setup(void **state)
{
    sim_reset();
    memset(guest, 0, sizeof guest);
    memset(m2p, 0, sizeof m2p);
    local_flushes = invlpgs = base_loads = wbinvds = remote_flushes = 0;
    vcpus[0].base = vcpus[1].base = MM_NO_BASE;
    vcpus[0].ldt_base = vcpus[0].ldt_ents = 0;
    memset(&ctx, 0, sizeof ctx);
    ctx.dom = DOM;
    ctx.vcpu_id = 0;
    ctx.nr_vcpus = 2;
    ctx.v = &vcpus[0];
    for (unsigned i = 0; i < MM_MAX_VCPUS; i++)
        ctx.vcpu_base[i] = MM_NO_BASE;
    ctx.nr_pages = 36;
    ctx.max_pages = 40;
    memset(&mm_stats, 0, sizeof mm_stats);
    return 0;
}

#define F(m) (sim_frames[(m)])
#define REQ(i) ((struct mmu_update *)(guest + (i) * 16))
#define REQS GUEST_BASE
#define DONE (GUEST_BASE + 0x8000u)
#define DONE_VAL (*(uint32_t *)(guest + 0x8000))

static uint64_t ma(mfn_t m, unsigned idx) { return ((uint64_t)m << 12) + idx * 8; }

static void put_req(unsigned i, uint64_t ptr, uint64_t val)
{
    REQ(i)->ptr = ptr;
    REQ(i)->val = val;
}

/* ---- mmu_update ------------------------------------------------------------------------------ */
static void test_batch_success_count(void **state)
{
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L1), 0);
    put_req(0, ma(D1(0), 0), rw(D1(1)));
    put_req(1, ma(D1(0), 1), ro(D1(2)));
    put_req(2, ma(D1(0), 2) | MMU_PT_UPDATE_PRESERVE_AD, rw(D1(3)));
    DONE_VAL = 99;
    assert_int_equal(mmu_update(&ctx, REQS, 3, DONE, DOMID_SELF, &cont), 0);
    assert_int_equal(DONE_VAL, 3);
    assert_int_equal(sim_mem[D1(0)][0], rw(D1(1)));
    assert_int_equal(sim_mem[D1(0)][2], rw(D1(3)));
    assert_int_equal(F(D1(1)).type, FT_WRITABLE);
    assert_int_equal(F(D1(1)).type_count, 1);
    assert_int_equal(F(D1(2)).count, 2);
    assert_int_equal(mm_stats.mmu_update_traps, 1);
    assert_int_equal(mm_stats.mmu_update_entries, 3);
    /* clearing them releases the references (no pdone: NULL is allowed) */
    put_req(0, ma(D1(0), 0), 0);
    put_req(1, ma(D1(0), 1), 0);
    put_req(2, ma(D1(0), 2), 0);
    assert_int_equal(mmu_update(&ctx, REQS, 3, 0, DOMID_SELF, &cont), 0);
    assert_int_equal(F(D1(1)).type_count, 0);
    assert_int_equal(F(D1(1)).count, 1);
    assert_int_equal(F(D1(2)).count, 1);
    assert_int_equal(pagetype_bugs, 0);
}

static void test_batch_stops_at_first_error(void **state)
{
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L1), 0);
    put_req(0, ma(D1(0), 0), rw(D1(1)));
    put_req(1, ma(D1(0), 1), rw(D1(2)));
    put_req(2, ma(D1(0), 2), rw(D2(0)));          /* another domain's frame */
    put_req(3, ma(D1(0), 3), rw(D1(3)));
    assert_int_equal(mmu_update(&ctx, REQS, 4, DONE, DOMID_SELF, &cont), -XEN_EBUSY);
    assert_int_equal(DONE_VAL, 2);
    assert_int_equal(sim_mem[D1(0)][2], 0);
    assert_int_equal(sim_mem[D1(0)][3], 0);
    assert_int_equal(F(D1(3)).count, 1);
    assert_int_equal(F(D2(0)).count, 1);
    assert_int_equal(F(D1(2)).type_count, 1);
}

static void test_bad_command(void **state)
{
    unsigned cmd;
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L1), 0);
    for (cmd = 4; cmd < 8; cmd++) {
        put_req(0, ma(D1(0), 0), rw(D1(1)));
        put_req(1, ma(D1(0), 1) | cmd, rw(D1(1)));
        assert_int_equal(mmu_update(&ctx, REQS, 2, DONE, DOMID_SELF, &cont), -XEN_ENOSYS);
        assert_int_equal(DONE_VAL, 1);
        assert_int_equal(sim_mem[D1(0)][1], 0);
    }
    /* NO_TRANSLATE behaves as NORMAL for a PV guest */
    put_req(0, ma(D1(0), 5) | MMU_PT_UPDATE_NO_TRANSLATE, ro(D1(4)));
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), 0);
    assert_int_equal(sim_mem[D1(0)][5], ro(D1(4)));
}

static void test_machphys_update(void **state)
{
    put_req(0, ((uint64_t)D1(5) << 12) | MMU_MACHPHYS_UPDATE, 0x1234);
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), 0);
    assert_int_equal(m2p[D1(5)], 0x1234);
    assert_int_equal(F(D1(5)).count, 1);
    put_req(0, ((uint64_t)D2(1) << 12) | MMU_MACHPHYS_UPDATE, 7);       /* foreign frame */
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    put_req(0, ((uint64_t)MOAT_FRAME << 12) | MMU_MACHPHYS_UPDATE, 7);  /* Moat's frame */
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    put_req(0, ((uint64_t)0x7FFFF << 12) | MMU_MACHPHYS_UPDATE, 7);     /* no such frame */
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    assert_int_equal(DONE_VAL, 0);
    assert_int_equal(m2p[D2(1)], 0);
    assert_int_equal(m2p[MOAT_FRAME], 0);
}

static void test_writable_map_of_pinned_table_refused(void **state)
{
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L1), 0);
    assert_int_equal(pagetype_pin(DOM, D1(1), FT_L1), 0);
    put_req(0, ma(D1(0), 0), rw(D1(1)));
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), -XEN_EBUSY);
    put_req(0, ma(D1(0), 0), rw(D1(0)));        /* itself */
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), -XEN_EBUSY);
    put_req(0, ma(D1(0), 0), ro(D1(1)));        /* read-only: fine */
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), 0);
    /* and upgrading that read-only entry to RW in place is refused (no fast path for RW) */
    put_req(0, ma(D1(0), 0), rw(D1(1)));
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), -XEN_EBUSY);
    assert_int_equal(sim_mem[D1(0)][0], ro(D1(1)));
    assert_int_equal(pagetype_bugs, 0);
}

static void test_fast_path_and_preserve_ad(void **state)
{
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L1), 0);
    put_req(0, ma(D1(0), 0), rw(D1(1)));
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), 0);
    sim_mem[D1(0)][0] |= PTE_D;                   /* the "hardware" sets D */
    put_req(0, ma(D1(0), 0) | MMU_PT_UPDATE_PRESERVE_AD, rw(D1(1)) & ~PTE_A);
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), 0);
    assert_int_equal(sim_mem[D1(0)][0], rw(D1(1)) | PTE_D);   /* A and D kept */
    assert_int_equal(F(D1(1)).type_count, 1);                  /* same references */
    put_req(0, ma(D1(0), 0), rw(D1(1)) | PTE_G | PTE_NX);
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), 0);
    assert_int_equal(F(D1(1)).type_count, 1);
    put_req(0, ma(D1(0), 0), ro(D1(1)));          /* RW -> RO: type use released */
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), 0);
    assert_int_equal(F(D1(1)).type_count, 0);
    assert_int_equal(F(D1(1)).count, 2);
    /* forbidden bits are refused even on the fast path */
    put_req(0, ma(D1(0), 0), ro(D1(1)) | (1ull << 55));
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    put_req(0, ma(D1(0), 0), ro(D1(1)) | PTE_PCD);
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
}

static void test_plain_memory_writes(void **state)
{
    /* A frame that is not a live table is ordinary memory. */
    put_req(0, ma(D1(4), 3), 0x1122334455667788ull);
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), 0);
    assert_int_equal(sim_mem[D1(4)][3], 0x1122334455667788ull);
    assert_int_equal(F(D1(4)).type, FT_WRITABLE);
    assert_int_equal(F(D1(4)).type_count, 0);
    /* Not the caller's frame: -EINVAL. */
    put_req(0, ma(D2(0), 0), 1);
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    put_req(0, ma(MOAT_FRAME, 0), 1);
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    assert_int_equal(sim_mem[MOAT_FRAME][0], 0);
    put_req(0, 0xFFFFFFFFFFFFFFF8ull, 1);
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
}

static void build_space(void)
{
    /* L3 D1(0): slot 0 -> L2 D1(1), slot 3 -> L2 D1(2); L2 D1(1)[0] -> L1 D1(3);
     * L2 D1(2)[0] -> L1 D1(4). VA 0x00000000-0x001FFFFF through D1(3). */
    sim_mem[D1(0)][0] = pdpte(D1(1));
    sim_mem[D1(0)][3] = pdpte(D1(2));
    sim_mem[D1(1)][0] = pde(D1(3));
    sim_mem[D1(2)][0] = pde(D1(4));
    sim_mem[D1(3)][1] = rw(D1(10));
    assert_int_equal(pagetype_pin(DOM, D1(0), FT_L3), 0);
    assert_int_equal(mm_new_baseptr(&ctx, D1(0)), 0);
}

static void test_l2_l3_rules(void **state)
{
    build_space();
    /* Moat's slots of the slot-3 L2 */
    put_req(0, ma(D1(2), MOAT_L2_FIRST_SLOT), pde(D1(5)));
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), -XEN_EPERM);
    put_req(0, ma(D1(2), 511), 0);
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), -XEN_EPERM);
    assert_int_equal(sim_mem[D1(2)][511], MOAT_SLOT_MARK + (511ull << 12));
    /* guest slots of that L2 work */
    put_req(0, ma(D1(2), 427), pde(D1(5)));
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), 0);
    assert_int_equal(F(D1(5)).type, FT_L1);
    /* L2 entry to a non-L1 (a data page in use writable, the L3, a PS entry) */
    put_req(0, ma(D1(1), 1), pde(D1(10)));
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    put_req(0, ma(D1(1), 1), pde(D1(0)));
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    put_req(0, ma(D1(1), 1), pde(D1(6)) | PTE_PS);
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    /* L3: slot 3 is closed, slots 0-2 open; changing the current base reloads CR3 */
    put_req(0, ma(D1(0), 3), pdpte(D1(7)));
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    put_req(0, ma(D1(0), 4), 0);
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    unsigned loads = base_loads;
    put_req(0, ma(D1(0), 1), pdpte(D1(8)) | PTE_RW);
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), 0);
    assert_int_equal(base_loads, loads + 1);
    assert_int_equal(F(D1(8)).type, FT_L2);
    assert_int_equal(sim_mem[D1(0)][1], pdpte(D1(8)));      /* RW cleared for the hardware */
    put_req(0, ma(D1(0), 1), pdpte(D1(8)) | PTE_PCD);
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    put_req(0, ma(D1(0), 1), 0);
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), 0);
    assert_int_equal(F(D1(8)).type_count, 0);
    /* the other vcpu runs on this L3 too: its TLB is flushed (CR3 reload) */
    ctx.vcpu_base[1] = D1(0);
    put_req(0, ma(D1(0), 2), pdpte(D1(8)));
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), 0);
    assert_int_equal(last_remote_mask, 2);
    ctx.vcpu_base[1] = MM_NO_BASE;
    assert_int_equal(pagetype_bugs, 0);
}

static void test_bad_batch_pointers(void **state)
{
    unsigned done_before;
    DONE_VAL = 77;
    assert_int_equal(mmu_update(&ctx, 0x1000, 1, DONE, DOMID_SELF, &cont), -XEN_EFAULT);
    assert_int_equal(DONE_VAL, 0);              /* none done */
    /* crossing into Moat's area */
    assert_int_equal(mmu_update(&ctx, 0xF57FFFF0u, 2, DONE, DOMID_SELF, &cont), -XEN_EFAULT);
    assert_int_equal(mmu_update(&ctx, 0xF5800000u, 1, DONE, DOMID_SELF, &cont), -XEN_EFAULT);
    assert_int_equal(mmu_update(&ctx, 0xFFFFFFF0u, 1, DONE, DOMID_SELF, &cont), -XEN_EFAULT);
    /* a huge count: refused before anything runs */
    done_before = mm_stats.mmu_update_entries;
    put_req(0, ma(D1(4), 0), 5);
    assert_int_equal(mmu_update(&ctx, REQS, 0x7FFFFFFFu, DONE, DOMID_SELF, &cont), -XEN_EFAULT);
    assert_int_equal(mm_stats.mmu_update_entries, done_before);
    assert_int_equal(sim_mem[D1(4)][0], 0);
    /* a count that fits the address space but runs off the mapped requests: stops there */
    put_req(GUEST_SIZE / 16 - 1, ma(D1(4), 0), 5);
    assert_int_equal(mmu_update(&ctx, GUEST_BASE + GUEST_SIZE - 16, 2, DONE, DOMID_SELF, &cont),
                     -XEN_EFAULT);
    assert_int_equal(DONE_VAL, 1);
    assert_int_equal(sim_mem[D1(4)][0], 5);
    /* requests are copied in chunks (B3): a chunk that runs off the mapped requests is re-read
     * one by one, so the three readable ones still run and the batch stops at the fourth */
    for (unsigned k = 0; k < 3; k++)
        put_req(GUEST_SIZE / 16 - 3 + k, ma(D1(4), 8 + k), 20 + k);
    assert_int_equal(mmu_update(&ctx, GUEST_BASE + GUEST_SIZE - 48, 5, DONE, DOMID_SELF, &cont),
                     -XEN_EFAULT);
    assert_int_equal(DONE_VAL, 3);
    assert_int_equal(sim_mem[D1(4)][8], 20);
    assert_int_equal(sim_mem[D1(4)][9], 21);
    assert_int_equal(sim_mem[D1(4)][10], 22);
    /* bad pdone: ignored (as Xen), the batch still runs */
    put_req(0, ma(D1(4), 1), 6);
    assert_int_equal(mmu_update(&ctx, REQS, 1, 0x10, DOMID_SELF, &cont), 0);
    assert_int_equal(sim_mem[D1(4)][1], 6);
    /* foreign domain */
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOM, &cont), -XEN_ESRCH);
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_IO, &cont), -XEN_ESRCH);
    assert_int_equal(mmu_update(&ctx, REQS, 0, DONE, DOMID_SELF, &cont), 0);
}

static void test_continuation(void **state)
{
    unsigned i, n = 600;
    for (i = 0; i < n; i++)
        put_req(i, ma(D1(4 + i / 512), i % 512), i + 1);
    DONE_VAL = 0;
    assert_int_equal(mmu_update(&ctx, REQS, n, DONE, DOMID_SELF, &cont), -MM_ERESTART);
    assert_int_equal(DONE_VAL, MMU_ENTRIES_PER_TRAP);
    assert_int_equal(cont.arg[0], REQS + MMU_ENTRIES_PER_TRAP * 16);
    assert_int_equal(cont.arg[1], (n - MMU_ENTRIES_PER_TRAP) | MMU_UPDATE_PREEMPTED);
    assert_int_equal(sim_mem[D1(4)][511], 512);
    assert_int_equal(sim_mem[D1(5)][0], 0);
    assert_int_equal(mmu_update(&ctx, cont.arg[0], cont.arg[1], cont.arg[2], cont.arg[3], &cont), 0);
    assert_int_equal(DONE_VAL, n);
    assert_int_equal(sim_mem[D1(5)][87], 600);
    assert_int_equal(mm_stats.mmu_update_traps, 1);   /* continuations are not new batches */
    assert_int_equal(mm_stats.mmu_update_entries, n);
}

/* ---- mmuext_op ------------------------------------------------------------------------------- */
#define OP(i) ((struct mmuext_op *)(guest + (i) * sizeof(struct mmuext_op)))
static void put_op(unsigned i, unsigned cmd, uint32_t a1, uint32_t a2)
{
    memset(OP(i), 0, sizeof *OP(i));
    OP(i)->cmd = cmd;
    OP(i)->arg1.mfn = a1;
    OP(i)->arg2.nr_ents = a2;
}

static void test_mmuext_pins_and_base(void **state)
{
    sim_mem[D1(0)][3] = pdpte(D1(1));
    put_op(0, MMUEXT_PIN_L3_TABLE, D1(0), 0);
    put_op(1, MMUEXT_NEW_BASEPTR, D1(0), 0);
    put_op(2, MMUEXT_PIN_L1_TABLE, D1(5), 0);
    put_op(3, MMUEXT_PIN_L1_TABLE, D1(5), 0);      /* already pinned */
    put_op(4, MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 5, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    assert_int_equal(DONE_VAL, 3);
    assert_int_equal(local_flushes, 0);
    assert_int_equal(vcpus[0].base, D1(0));
    assert_int_equal(F(D1(0)).type_count, 2);      /* pin + base */
    /* unpin the current base: allowed (the base holds its own use), stays validated */
    put_op(0, MMUEXT_UNPIN_TABLE, D1(0), 0);
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), 0);
    assert_int_equal(F(D1(0)).type_count, 1);
    assert_true(F(D1(0)).flags & FF_VALIDATED);
    assert_int_equal(F(D1(1)).type, FT_L2_MOAT);
    /* new base: the old one is released completely */
    sim_mem[D1(6)][3] = pdpte(D1(7));
    put_op(0, MMUEXT_NEW_BASEPTR, D1(6), 0);
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), 0);
    assert_int_equal(F(D1(0)).type_count, 0);
    assert_int_equal(F(D1(1)).type_count, 0);
    assert_int_equal(F(D1(0)).count, 1);
    /* new base that does not validate, or is not an L3-able frame */
    put_op(0, MMUEXT_NEW_BASEPTR, D1(5), 0);        /* a pinned L1 */
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    put_op(0, MMUEXT_NEW_BASEPTR, D2(0), 0);
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    assert_int_equal(vcpus[0].base, D1(6));
    /* pin a page mapped writable */
    sim_mem[D1(5)][0] = 0;
    put_op(0, MMUEXT_UNPIN_TABLE, D1(5), 0);
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), 0);
    sim_mem[D1(5)][0] = rw(D1(9));
    put_op(0, MMUEXT_PIN_L1_TABLE, D1(5), 0);
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), 0);
    put_op(0, MMUEXT_PIN_L1_TABLE, D1(9), 0);
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    /* PIN_L4 is ignored for 32-bit guests; unknown commands -ENOSYS */
    put_op(0, MMUEXT_PIN_L4_TABLE, D1(9), 0);
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), 0);
    put_op(0, MMUEXT_NEW_USER_BASEPTR, D1(9), 0);
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 0, DONE, 5, &cont), 0);   /* empty batch */
    put_op(0, 99, 0, 0);
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), -XEN_ENOSYS);
    /* teardown */
    mm_vcpu_release(&vcpus[0]);
    assert_int_equal(pagetype_unpin_all(DOM), 1);
    for (unsigned i = 0; i < SIM_FRAMES; i++) {
        assert_int_equal(sim_frames[i].type_count, 0);
        assert_int_equal(sim_frames[i].count, sim_frames[i].owner == FRAME_OWNER_FREE ? 0 : 1);
    }
    assert_int_equal(pagetype_bugs, 0);
}

static void test_mmuext_flush_ldt_cache(void **state)
{
    uint32_t *mask = (uint32_t *)(guest + 0x4000);
    put_op(0, MMUEXT_INVLPG_LOCAL, 0x12345000, 0);
    put_op(1, MMUEXT_TLB_FLUSH_ALL, 0, 0);
    put_op(2, MMUEXT_TLB_FLUSH_MULTI, 0, GUEST_BASE + 0x4000);
    *mask = 3;
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 3, DONE, DOMID_SELF, &cont), 0);
    assert_int_equal(invlpgs, 1);
    assert_int_equal(last_invlpg, 0x12345000);
    assert_int_equal(local_flushes, 2);
    assert_int_equal(remote_flushes, 2);
    assert_int_equal(last_remote_mask, 2);
    put_op(0, MMUEXT_INVLPG_MULTI, 0x1000, 0x10);   /* bad mask pointer */
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    /* SET_LDT */
    put_op(0, MMUEXT_SET_LDT, 0x00800000, 16);
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), 0);
    assert_int_equal(vcpus[0].ldt_base, 0x00800000);
    assert_int_equal(vcpus[0].ldt_ents, 16);
    put_op(0, MMUEXT_SET_LDT, 0x00800010, 16);       /* misaligned */
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    put_op(0, MMUEXT_SET_LDT, 0x00800000, 8193);     /* too many */
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    put_op(0, MMUEXT_SET_LDT, 0xF57FF000, 1024);     /* reaches Moat */
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    assert_int_equal(vcpus[0].ldt_ents, 16);
    put_op(0, MMUEXT_SET_LDT, 0xF57FF000, 0);        /* no entries: base ignored, LDT off */
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), 0);
    assert_int_equal(vcpus[0].ldt_base, 0);
    /* caches: initial domain only */
    put_op(0, MMUEXT_FLUSH_CACHE, 0, 0);
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), -XEN_EACCES);
    put_op(0, MMUEXT_FLUSH_CACHE_GLOBAL, 0, 0);
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    ctx.privileged = 1;
    put_op(0, MMUEXT_FLUSH_CACHE, 0, 0);
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), 0);
    assert_int_equal(wbinvds, 1);
    /* CLEAR_PAGE / COPY_PAGE */
    sim_mem[D1(7)][9] = 42;
    OP(0)->cmd = MMUEXT_COPY_PAGE; OP(0)->arg1.mfn = D1(8); OP(0)->arg2.src_mfn = D1(7);
    put_op(1, MMUEXT_CLEAR_PAGE, D1(7), 0);
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 2, DONE, DOMID_SELF, &cont), 0);
    assert_int_equal(sim_mem[D1(8)][9], 42);
    assert_int_equal(sim_mem[D1(7)][9], 0);
    assert_int_equal(pagetype_pin(DOM, D1(8), FT_L1), 0);
    put_op(0, MMUEXT_CLEAR_PAGE, D1(8), 0);                           /* a pinned table */
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    put_op(0, MMUEXT_CLEAR_PAGE, MOAT_FRAME, 0);
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, DOMID_SELF, &cont), -XEN_EINVAL);
    /* pointers */
    assert_int_equal(mmuext_op(&ctx, 0xF57FFFF4u, 1, DONE, DOMID_SELF, &cont), -XEN_EFAULT);
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 0x7FFFFFFFu, DONE, DOMID_SELF, &cont), -XEN_EFAULT);
    assert_int_equal(mmuext_op(&ctx, GUEST_BASE, 1, DONE, 5, &cont), -XEN_ESRCH);
}

/* ---- update_va_mapping ------------------------------------------------------------------------ */
static void test_update_va_mapping(void **state)
{
    uint64_t v;
    build_space();
    v = rw(D1(11));
    assert_int_equal(update_va_mapping(&ctx, 0x2000, (uint32_t)v, (uint32_t)(v >> 32), UVMF_INVLPG), 0);
    assert_int_equal(sim_mem[D1(3)][2], v);
    assert_int_equal(invlpgs, 1);
    assert_int_equal(last_invlpg, 0x2000);
    assert_int_equal(F(D1(11)).type_count, 1);
    /* slot-3 space: 0xC0000000 goes through L2 D1(2)[0] -> L1 D1(4) */
    v = ro(D1(12));
    assert_int_equal(update_va_mapping(&ctx, 0xC0003000, (uint32_t)v, 0, UVMF_TLB_FLUSH | UVMF_ALL), 0);
    assert_int_equal(sim_mem[D1(4)][3], v);
    assert_int_equal(local_flushes, 1);
    assert_int_equal(last_remote_mask, 2);
    /* refused: a page table writable, Moat's area, an unmapped L2 slot, a foreign frame */
    v = rw(D1(3));
    assert_int_equal(update_va_mapping(&ctx, 0x3000, (uint32_t)v, 0, UVMF_INVLPG), -XEN_EBUSY);
    assert_int_equal(invlpgs, 1);                       /* refused: no flush */
    assert_int_equal(update_va_mapping(&ctx, 0xF5800000, 0, 0, 0), -XEN_EINVAL);
    assert_int_equal(update_va_mapping(&ctx, 0xFFFFF000, 0, 0, 0), -XEN_EINVAL);
    assert_int_equal(update_va_mapping(&ctx, 0x00400000, 0, 0, 0), -XEN_EINVAL);
    assert_int_equal(update_va_mapping(&ctx, 0x40000000, 0, 0, 0), -XEN_EINVAL);
    v = rw(D2(3));
    assert_int_equal(update_va_mapping(&ctx, 0x4000, (uint32_t)v, 0, 0), -XEN_EBUSY);
    v = ro(D1(13)) | PTE_NX;
    assert_int_equal(update_va_mapping(&ctx, 0x5000, (uint32_t)v, (uint32_t)(v >> 32), 0), 0);
    /* bad vcpu bitmap: the update is done, then -EFAULT */
    v = ro(D1(14));
    assert_int_equal(update_va_mapping(&ctx, 0x6000, (uint32_t)v, 0, UVMF_INVLPG | 0x10), -XEN_EFAULT);
    assert_int_equal(sim_mem[D1(3)][6], v);
    /* a linear mapping (L2 entry naming its own L2) is not an L1 */
    put_req(0, ma(D1(1), 5), ro(D1(1)));
    assert_int_equal(mmu_update(&ctx, REQS, 1, DONE, DOMID_SELF, &cont), 0);
    assert_int_equal(update_va_mapping(&ctx, 0x00A00000, 0, 0, 0), -XEN_EINVAL);
    /* no base at all */
    mm_vcpu_release(&vcpus[0]);
    assert_int_equal(update_va_mapping(&ctx, 0x2000, 0, 0, 0), -XEN_EINVAL);
    assert_int_equal(pagetype_bugs, 0);
}

/* ---- memory_op -------------------------------------------------------------------------------- */
static void test_memory_op(void **state)
{
    struct xen_machphys_mapping *mp = (void *)guest;
    struct xen_memory_map *mm = (void *)(guest + 0x100);
    struct mm_e820 *e = (void *)(guest + 0x200);
    domid_t *d = (void *)(guest + 0x80);

    assert_int_equal(mm_memory_op(&ctx, XENMEM_machphys_mapping, GUEST_BASE), 0);
    assert_int_equal(mp->v_start, 0xF5800000u);
    assert_int_equal(mp->v_end, 0xF6800000u);
    assert_int_equal(mp->max_mfn, SIM_FRAMES - 1);
    assert_int_equal(mm_memory_op(&ctx, XENMEM_machphys_mapping, 0x10), -XEN_EFAULT);
    assert_int_equal(mm_memory_op(&ctx, XENMEM_maximum_ram_page, 0), SIM_FRAMES);
    *d = DOMID_SELF;
    assert_int_equal(mm_memory_op(&ctx, XENMEM_current_reservation, GUEST_BASE + 0x80), 36);
    assert_int_equal(mm_memory_op(&ctx, XENMEM_maximum_reservation, GUEST_BASE + 0x80), 40);
    *d = 7;
    assert_int_equal(mm_memory_op(&ctx, XENMEM_current_reservation, GUEST_BASE + 0x80), -XEN_ESRCH);
    assert_int_equal(mm_memory_op(&ctx, XENMEM_current_reservation, 0x10), -XEN_EFAULT);
    assert_int_equal(mm_memory_op(&ctx, XENMEM_current_reservation | (1 << 6), GUEST_BASE + 0x80),
                     -XEN_EINVAL);
    mm->nr_entries = 8;
    mm->buffer.p = (void *)(uintptr_t)(GUEST_BASE + 0x200);
    assert_int_equal(mm_memory_op(&ctx, XENMEM_memory_map, GUEST_BASE + 0x100), 0);
    assert_int_equal(mm->nr_entries, 1);
    assert_int_equal(e[0].addr, 0);
    assert_int_equal(e[0].size, 36 * 4096);
    assert_int_equal(e[0].type, 1);
    mm->nr_entries = 8;
    assert_int_equal(mm_memory_op(&ctx, XENMEM_machine_memory_map, GUEST_BASE + 0x100), -XEN_EPERM);
    ctx.privileged = 1;
    assert_int_equal(mm_memory_op(&ctx, XENMEM_memory_map, GUEST_BASE + 0x100), -XEN_ENOSYS);
    assert_int_equal(mm_memory_op(&ctx, XENMEM_machine_memory_map, GUEST_BASE + 0x100), 0);
    assert_int_equal(mm->nr_entries, 3);
    assert_int_equal(e[2].addr, 0x100000);
    mm->nr_entries = 2;                                 /* short buffer: refused, as Xen */
    assert_int_equal(mm_memory_op(&ctx, XENMEM_machine_memory_map, GUEST_BASE + 0x100), -XEN_EINVAL);
    assert_int_equal(mm->nr_entries, 2);
    mm->nr_entries = 8;
    mm->buffer.p = (void *)0x10;
    assert_int_equal(mm_memory_op(&ctx, XENMEM_machine_memory_map, GUEST_BASE + 0x100), -XEN_EFAULT);
    assert_int_equal(mm_memory_op(&ctx, XENMEM_increase_reservation, GUEST_BASE), -XEN_ENOSYS);
    assert_int_equal(mm_memory_op(&ctx, 63, GUEST_BASE), -XEN_ENOSYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_batch_success_count, setup),
        cmocka_unit_test_setup(test_batch_stops_at_first_error, setup),
        cmocka_unit_test_setup(test_bad_command, setup),
        cmocka_unit_test_setup(test_machphys_update, setup),
        cmocka_unit_test_setup(test_writable_map_of_pinned_table_refused, setup),
        cmocka_unit_test_setup(test_fast_path_and_preserve_ad, setup),
        cmocka_unit_test_setup(test_plain_memory_writes, setup),
        cmocka_unit_test_setup(test_l2_l3_rules, setup),
        cmocka_unit_test_setup(test_bad_batch_pointers, setup),
        cmocka_unit_test_setup(test_continuation, setup),
        cmocka_unit_test_setup(test_mmuext_pins_and_base, setup),
        cmocka_unit_test_setup(test_mmuext_flush_ldt_cache, setup),
        cmocka_unit_test_setup(test_update_va_mapping, setup),
        cmocka_unit_test_setup(test_memory_op, setup),
    };
    return cmocka_run_group_tests_name("hv_mmu", tests, NULL, NULL);
}
