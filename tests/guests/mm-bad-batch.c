/* mm-bad-batch: batches whose pointers are bad or reach into the hypervisor's area (rule: guest
 * pointers are copied with fault handling and never reach HYPERVISOR_VIRT_START; refused with
 * -EFAULT, nothing done). */
#include "mm-lib.h"

static struct mmu_update reqs[2];
static struct mmuext_op ops[2];

unsigned int guest_main(void)
{
    uint32_t done;

    mm_init("mm-bad-batch");
    reqs[0].ptr = ((uint64_t)mm_scratch_mfn(0) << 12) | MMU_MACHPHYS_UPDATE;
    reqs[0].val = (mm_scratch_va(0) - MM_VIRT_BASE) >> 12;   /* its own pfn: no change */
    reqs[1] = reqs[0];
    done = 77;
    MM_EXPECT(HYPERVISOR_mmu_update(0, 1, &done, DOMID_SELF), -XEN_EFAULT, "mmu_update: NULL batch");
    MM_EXPECT(done, 0, "success count 0");
    MM_EXPECT(HYPERVISOR_mmu_update(0x1000, 1, &done, DOMID_SELF), -XEN_EFAULT,
              "mmu_update: unmapped batch");
    MM_EXPECT(HYPERVISOR_mmu_update(0xF57FFFF0u, 2, &done, DOMID_SELF), -XEN_EFAULT,
              "mmu_update: batch crossing into the hypervisor area (0xf57ffff0, 2 entries)");
    MM_EXPECT(HYPERVISOR_mmu_update(0xFFFFFFF0u, 2, &done, DOMID_SELF), -XEN_EFAULT,
              "mmu_update: batch wrapping around 4 GB");
    MM_EXPECT(HYPERVISOR_mmu_update(reqs, 2, 0, DOMID_SELF), 0, "mmu_update: good batch, no count");
    MM_EXPECT(HYPERVISOR_mmu_update(reqs, 2, 0xF5800000u, DOMID_SELF), 0,
              "mmu_update: success count pointer into the hypervisor area is ignored");
    MM_EXPECT(HYPERVISOR_mmu_update(reqs, 2, &done, 0x7FF5), -XEN_ESRCH,
              "mmu_update: an unknown foreign domain");
    ops[0].cmd = MMUEXT_TLB_FLUSH_LOCAL;
    ops[1].cmd = MMUEXT_TLB_FLUSH_LOCAL;
    MM_EXPECT(HYPERVISOR_mmuext_op(0, 1, &done, DOMID_SELF), -XEN_EFAULT, "mmuext_op: NULL batch");
    MM_EXPECT(HYPERVISOR_mmuext_op(0xF57FFFF8u, 2, &done, DOMID_SELF), -XEN_EFAULT,
              "mmuext_op: batch crossing into the hypervisor area");
    MM_EXPECT(HYPERVISOR_mmuext_op(ops, 2, &done, DOMID_SELF), 0, "mmuext_op: good batch");
    MM_EXPECT(done, 2, "success count 2");
    ops[0].cmd = MMUEXT_TLB_FLUSH_MULTI;
    ops[0].arg2.vcpumask.p = (void *)0xF5800000u;
    MM_EXPECT(HYPERVISOR_mmuext_op(ops, 2, &done, DOMID_SELF), -XEN_EINVAL,
              "mmuext_op: vcpu mask pointer into the hypervisor area");
    MM_EXPECT(done, 0, "success count 0");
    MM_EXPECT(HYPERVISOR_update_va_mapping(mm_scratch_va(0), (uint32_t)mm_pte(mm_scratch_mfn(0),
              PG_P | PG_RW | PG_A), 0, UVMF_INVLPG | 0xF5800000u), -XEN_EFAULT,
              "update_va_mapping: vcpu mask pointer into the hypervisor area");
    mm_check_alive();
    return mm_finish("mm-bad-batch");
}
