/* trap-ldt: the LDT of MMUEXT_SET_LDT (issue 5 item 3). Its frames must be read-only in every
 * mapping and hold only valid descriptors (as GDT frames); a selector of an installed LDT
 * loads, update_descriptor works in it with the same checks, an LDT page in use cannot be
 * mapped writable, and an LDT that is removed, or whose page holds a TSS descriptor, gives the
 * guest a fault on the selector load instead of a descriptor Moat never checked. */
#include "trap-lib.h"

static uint16_t sel_loaded;
static void do_load_fs(uint32_t sel)
{
    uint16_t v;
    asm volatile("movw %w1, %%fs; movw %%fs, %0" : "=r"(v) : "r"(sel));
    sel_loaded = v;
}
static uint32_t via_fs;
static void do_read_fs(uint32_t addr)
{
    uint32_t v;
    asm volatile("movw %w1, %%fs; movl %%fs:(%2), %0" : "=r"(v) : "r"(0x0d), "r"(addr));
    via_fs = v;
}

static long set_ldt(uint32_t va, uint32_t ents)
{
    static struct mmuext_op op;
    op.cmd = MMUEXT_SET_LDT;
    op.arg1.linear_addr = va;
    op.arg2.nr_ents = ents;
    return HYPERVISOR_mmuext_op(&op, 1, 0, DOMID_SELF);
}

unsigned int guest_main(void)
{
    mm_init("trap-ldt");
    trap_setup(1);
    uint32_t hv = mm_hv_start();
    uint32_t lva = mm_scratch_va(3), lmfn = mm_scratch_mfn(3);
    volatile uint64_t *l = (volatile uint64_t *)lva;
    mm_zero_page(lva);
    uint32_t lim = (hv >> 12) - 1;
    l[1] = (uint64_t)(lim & 0xFFFF) | ((uint64_t)(0x80 | 0x10 | (1 << 5) | 0x2) << 40) |
           ((uint64_t)((lim >> 16) & 0xF) << 48) | (0xCull << 52);
    MM_EXPECT(mm_remap(lva, lmfn, PG_P | PG_A), 0, "LDT page read-only");
    MM_EXPECT(set_ldt(lva, 4), 0, "MMUEXT_SET_LDT (4 entries)");
    int r = trap_catch(do_load_fs, 0x0d);
    mm_check(r == TRAP_NONE && sel_loaded == 0x0d, "an LDT selector (0x0d) loads", r);
    static volatile uint32_t probe = 0x5eed1234;
    r = trap_catch(do_read_fs, (uint32_t)(uintptr_t)&probe);
    mm_check(r == TRAP_NONE && via_fs == 0x5eed1234, "memory reads through the LDT segment", via_fs);
    asm volatile("movw %w0, %%fs" :: "r"(0));
    MM_EXPECT(mm_remap(lva, lmfn, PG_P | PG_RW | PG_A), -XEN_EBUSY, "the LDT page in use cannot be mapped writable");
    uint64_t dpl0 = (0xFFFFull) | ((uint64_t)(0x80 | 0x10 | 0x2) << 40) | (0xCull << 52) | (0x7ull << 48);
    MM_EXPECT(HYPERVISOR_update_descriptor(((uint64_t)lmfn << 12) + 2 * 8, dpl0), 0, "update_descriptor in the LDT");
    mm_check(((l[2] >> 45) & 3) == 1, "... DPL 0 stored as 1", (long)(l[2] >> 32));
    MM_EXPECT(HYPERVISOR_update_descriptor(((uint64_t)lmfn << 12) + 3 * 8, 0x0000890010000067ull), -XEN_EINVAL,
              "... a TSS descriptor refused");
    r = trap_catch(do_load_fs, 0x15);
    mm_check(r == TRAP_NONE && sel_loaded == 0x15, "the updated entry (0x15) loads", r);
    asm volatile("movw %w0, %%fs" :: "r"(0));
    r = trap_catch(do_load_fs, 0x25);
    mm_check(r == 13 && trap_last.err == 0x24, "a selector past the 4 entries: #GP(0x24)", r);

    MM_EXPECT(set_ldt(0, 0), 0, "LDT removed");
    r = trap_catch(do_load_fs, 0x0d);
    mm_check(r == 13 && trap_last.err == 0x0c, "the LDT selector no longer loads: #GP(0x0c)", r);
    MM_EXPECT(mm_remap(lva, lmfn, PG_P | PG_RW | PG_A), 0, "the released LDT page can be mapped writable");

    /* a page holding a TSS descriptor can never become an LDT */
    l[3] = 0x0000890010000067ull;
    MM_EXPECT(mm_remap(lva, lmfn, PG_P | PG_A), 0, "bad LDT page read-only");
    MM_EXPECT(set_ldt(lva, 4), 0, "MMUEXT_SET_LDT accepts it (contents are checked on use)");
    r = trap_catch(do_load_fs, 0x0d);
    print("# selector load from the refused LDT: trap %d err 0x%x\n", r, trap_last.err);
    mm_check(r != TRAP_NONE, "loading a selector of a refused LDT faults", r);
    MM_EXPECT(set_ldt(0, 0), 0, "LDT removed");
    mm_check_alive();
    return mm_finish("trap-ldt");
}
