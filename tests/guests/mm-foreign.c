/* mm-foreign: map frames the guest does not own (rule: a domain maps only its own frames):
 * the hypervisor's page table behind L2 slot 428, a RAM frame outside the guest's p2m, and
 * writes aimed at them through mmu_update. Xen: -EBUSY for L1 mappings, -EINVAL for updates. */
#include "mm-lib.h"

static uint8_t owned[0x40000 / 8];   /* bitmap of the guest's mfns (up to 1 GB of RAM) */

static uint32_t foreign_ram_frame(void)
{
    static struct e820 { uint64_t addr, size; uint32_t type; } __attribute__((packed)) map[32];
    static struct xen_memory_map mm;
    long top = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, 0);
    uint32_t i, m;

    for (i = 0; i < start_info->nr_pages; i++) {
        m = mm_p2m(i);
        if (m < sizeof(owned) * 8)
            owned[m / 8] |= 1 << (m % 8);
    }
    mm.nr_entries = 32;
    set_xen_guest_handle(mm.buffer, map);
    if (HYPERVISOR_memory_op(XENMEM_machine_memory_map, &mm))
        return 0;
    for (m = (uint32_t)top - 1; m > 0x100 && m < sizeof(owned) * 8; m--) {
        if (owned[m / 8] & (1 << (m % 8)))
            continue;
        for (i = 0; i < mm.nr_entries; i++)      /* RAM only: I/O frames follow other rules */
            if (map[i].type == 1 && map[i].addr <= (uint64_t)m << 12 &&
                ((uint64_t)m + 1) << 12 <= map[i].addr + map[i].size)
                return m;
    }
    return 0;
}

unsigned int guest_main(void)
{
    uint32_t t = mm_scratch_va(1), done, hv, fr, before;
    uint64_t slot3 = mm_l2e_ma(MM_VIRT_BASE) & ~0xFFFull;

    mm_init("mm-foreign");
    before = *(volatile uint32_t *)t;
    hv = (uint32_t)((((volatile uint64_t *)mm_mfn_va((uint32_t)(slot3 >> 12)))[mm_hv_first_l2_slot()]
                     >> 12) & 0xFFFFFF);
    print("mm-foreign: hypervisor frame behind L2 slot %u: mfn 0x%x\n", mm_hv_first_l2_slot(), hv);
    mm_check(hv >= 0x100, "it is not a low-memory (I/O) frame", hv);
    MM_EXPECT(mm_remap(t, hv, PG_P | PG_RW | PG_A), -XEN_EBUSY, "map the hypervisor's frame writable");
    MM_EXPECT(mm_remap(t, hv, PG_P | PG_A), -XEN_EBUSY, "map the hypervisor's frame read-only");
    MM_EXPECT(mm_update1(mm_l1e_ma(t), mm_pte(hv, PG_P | PG_A), &done), -XEN_EBUSY,
              "mmu_update: map the hypervisor's frame");
    MM_EXPECT(mm_update1((uint64_t)hv << 12, 0, &done), -XEN_EINVAL,
              "mmu_update: write into the hypervisor's page table");
    MM_EXPECT(mm_update1(((uint64_t)hv << 12) | MMU_MACHPHYS_UPDATE, 0, &done), -XEN_EINVAL,
              "MMU_MACHPHYS_UPDATE for the hypervisor's frame");
    MM_EXPECT(mm_ext1(MMUEXT_PIN_L1_TABLE, hv, 0), -XEN_EINVAL, "pin the hypervisor's frame");
    fr = foreign_ram_frame();
    print("mm-foreign: a RAM frame the guest does not own: mfn 0x%x\n", fr);
    mm_check(fr != 0, "found a RAM frame outside the guest", fr);
    MM_EXPECT(mm_remap(t, fr, PG_P | PG_RW | PG_A), -XEN_EBUSY, "map it writable");
    MM_EXPECT(mm_remap(t, fr, PG_P | PG_A), -XEN_EBUSY, "map it read-only");
    MM_EXPECT(mm_update1(((uint64_t)fr << 12) | MMU_MACHPHYS_UPDATE, 1, &done), -XEN_EINVAL,
              "MMU_MACHPHYS_UPDATE for it");
    MM_EXPECT(mm_ext1(MMUEXT_NEW_BASEPTR, fr, 0), -XEN_EINVAL, "use it as the base");
    MM_EXPECT(*(volatile uint32_t *)t, before, "the scratch mapping is unchanged (still ours)");
    mm_check_alive();
    return mm_finish("mm-foreign");
}
