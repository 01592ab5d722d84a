/* Traps per fork and per exit, measured on the Unix layer's own address-space code (issue 7):
 * vm_mm_fork (the copy-on-write duplicate fork makes) and vm_mm_put (the teardown exit does)
 * of a process with 16 touched pages. Printed for the record; bounded so that a regression in
 * the lazy-MMU batching (one trap per PTE) fails: 16 PTE changes must not cost 16 traps. */
#include <stdint.h>
#include <lib/string.h>
#include "ktest.h"
#include "hvstats.h"
#include "kmem.h"
#include "mm.h"
#include "printk.h"
#include "vm.h"
#include "pv/pvops.h"

#define VA 0x10000000u
#define PAGES 16u

KERNEL_TEST(traps_per_fork_and_exit)
{
    struct mm *parent = vm_mm_new();
    KT_ASSERT(parent != 0);
    int ok = KT_CHECK(vm_map(parent, VA, VA + PAGES * PAGE_SIZE, VMA_READ | VMA_WRITE, 0, 0, 0) == 0);
    for (uint32_t i = 0; ok && i < PAGES; i++)
        ok = KT_CHECK(vm_fault(parent, VA + i * PAGE_SIZE, 2) == 0);
    unsigned long flags = irq_save();
    struct hv_stats a, b, c, fork_d, exit_d;
    hv_stats_read(&a);
    struct mm *child = ok ? vm_mm_fork(parent) : 0;
    hv_stats_read(&b);
    if (child)
        vm_mm_put(child);
    hv_stats_read(&c);
    restore_fl(flags);
    vm_mm_put(parent);
    KT_ASSERT(ok);
    KT_ASSERT(child != 0);
    hv_stats_delta(&a, &b, &fork_d);
    hv_stats_delta(&b, &c, &exit_d);
    int native = strcmp(pv_backend_name(), "native") == 0;
    printk("# traps per fork (vm_mm_fork, %u pages): %llu, per exit (vm_mm_put): %llu; mmu_update entries %llu + %llu (%s)\n",
           PAGES, hv_stats_traps(&fork_d), hv_stats_traps(&exit_d), fork_d.own_mmu_update_entries,
           exit_d.own_mmu_update_entries, native ? "native" : fork_d.have_moat ? "Moat counters" : "kernel's own count");
    if (native) {
        KT_ASSERT_EQ(hv_stats_traps(&fork_d) + hv_stats_traps(&exit_d), 0);
        return;
    }
    KT_ASSERT(hv_stats_traps(&fork_d) > 0);
    /* The parent's 16 PTEs become read-only and the child's 16 are written: 32 updates,
     * batched, so far fewer traps than updates. */
    KT_ASSERT(fork_d.own_mmu_update_entries >= 2 * PAGES);
    KT_ASSERT(hv_stats_traps(&fork_d) < 2 * PAGES);
}
