/* Helpers of the mm-* hostile guests (see mm-lib.h). */
#include "mm-lib.h"

static unsigned passed, failed, n;
static const char *guest_name;
static struct xen_machphys_mapping m2p_map = { MACH2PHYS_VIRT_START, MACH2PHYS_VIRT_END, 0 };
static xen_platform_parameters_t platform = { HYPERVISOR_VIRT_START };

void mm_init(const char *name)
{
    long rc = HYPERVISOR_memory_op(XENMEM_machphys_mapping, &m2p_map);
    long rp = HYPERVISOR_xen_version(XENVER_platform_parameters, &platform);

    guest_name = name;
    print("%s: start (pt_base 0x%x, %u pt frames, %u pages)\n", name, start_info->pt_base,
          start_info->nr_pt_frames, start_info->nr_pages);
    print("%s: machphys_mapping rc %d: 0x%x-0x%x max_mfn 0x%x\n", name, rc, m2p_map.v_start,
          m2p_map.v_end, m2p_map.max_mfn);
    print("%s: platform_parameters rc %d: hypervisor area from 0x%x (L2 slot %u)\n", name, rp,
          platform.virt_start, mm_hv_first_l2_slot());
}

uint32_t mm_hv_start(void)
{
    return platform.virt_start;
}

unsigned mm_hv_first_l2_slot(void)
{
    return (platform.virt_start - MM_VIRT_BASE) >> 21;
}

void mm_check(int ok, const char *what, long got)
{
    n++;
    if (ok) {
        passed++;
        print("ok %u - %s\n", n, what);
    } else {
        failed++;
        print("not ok %u - %s (got %d = 0x%x)\n", n, what, got, got);
    }
}

unsigned int mm_finish(const char *name)
{
    print("%s: %u passed, %u failed\n", name, passed, failed);
    return failed || !passed ? SHUTDOWN_crash : SHUTDOWN_poweroff;
}

uint32_t mm_m2p(uint32_t mfn)
{
    return ((volatile uint32_t *)m2p_map.v_start)[mfn];
}

uint32_t mm_m2p_base(void)
{
    return m2p_map.v_start;
}

uint32_t mm_p2m(uint32_t pfn)
{
    return ((volatile uint32_t *)start_info->mfn_list)[pfn];
}

uint32_t mm_va_mfn(uint32_t va)
{
    return mm_p2m((va - MM_VIRT_BASE) >> 12);
}

void *mm_mfn_va(uint32_t mfn)
{
    /* reverse p2m lookup over the bootstrap region (no reliance on the m2p layout) */
    uint32_t end = (start_info->pt_base + start_info->nr_pt_frames * 4096 - MM_VIRT_BASE) >> 12;
    for (uint32_t pfn = 0; pfn < end && pfn < start_info->nr_pages; pfn++)
        if (mm_p2m(pfn) == mfn)
            return (void *)(MM_VIRT_BASE + (pfn << 12));
    print("%s: mfn 0x%x is not in the bootstrap region\n", guest_name, mfn);
    shutdown(SHUTDOWN_crash);
}

uint64_t mm_pte(uint32_t mfn, uint64_t flags)
{
    return ((uint64_t)mfn << 12) | flags;
}

uint32_t mm_l3_mfn(void)
{
    return mm_va_mfn(start_info->pt_base);
}

uint32_t mm_l2_mfn(uint32_t va)
{
    volatile uint64_t *l3 = (volatile uint64_t *)start_info->pt_base;
    return (uint32_t)((l3[va >> 30] >> 12) & 0xFFFFFF);
}

uint64_t mm_l2e_ma(uint32_t va)
{
    return ((uint64_t)mm_l2_mfn(va) << 12) + ((va >> 21) & 511) * 8;
}

uint64_t mm_read_l2e(uint32_t va)
{
    volatile uint64_t *l2 = mm_mfn_va(mm_l2_mfn(va));
    return l2[(va >> 21) & 511];
}

uint64_t mm_l1e_ma(uint32_t va)
{
    uint32_t l1 = (uint32_t)((mm_read_l2e(va) >> 12) & 0xFFFFFF);
    return ((uint64_t)l1 << 12) + ((va >> 12) & 511) * 8;
}

uint32_t mm_scratch_va(unsigned i)
{
    /* page tables, then one page of boot stack, then the padding; skip two more pages */
    return start_info->pt_base + start_info->nr_pt_frames * 4096 + (3 + i) * 4096;
}

uint32_t mm_scratch_mfn(unsigned i)
{
    return mm_va_mfn(mm_scratch_va(i));
}

void mm_zero_page(uint32_t va)
{
    volatile uint32_t *p = (volatile uint32_t *)va;
    for (unsigned i = 0; i < 1024; i++)
        p[i] = 0;
}

long mm_update1(uint64_t ptr, uint64_t val, uint32_t *done)
{
    static struct mmu_update req;
    req.ptr = ptr;
    req.val = val;
    *done = 0xdead;
    return HYPERVISOR_mmu_update(&req, 1, done, DOMID_SELF);
}

long mm_ext1(unsigned cmd, uint32_t arg1, uint32_t arg2)
{
    static struct mmuext_op op;
    op.cmd = cmd;
    op.arg1.mfn = arg1;
    op.arg2.nr_ents = arg2;
    return HYPERVISOR_mmuext_op(&op, 1, 0, DOMID_SELF);
}

long mm_remap(uint32_t va, uint32_t mfn, uint64_t flags)
{
    uint64_t v = mm_pte(mfn, flags);
    return HYPERVISOR_update_va_mapping(va, (uint32_t)v, (uint32_t)(v >> 32), UVMF_INVLPG);
}

void mm_check_alive(void)
{
    long v = HYPERVISOR_xen_version(XENVER_version, 0);
    mm_check(v == 0x00040011, "the hypervisor still answers (xen_version 4.17)", v);
}
