/* Lazy cpu mode: a context switch between two address spaces costs ONE hypervisor trap on a PV
 * backend (one multicall: stack_switch, 3x update_descriptor, mmuext SET_LDT and NEW_BASEPTR,
 * fpu_taskswitch); unbatched the same switch costs one trap per operation. Natively nothing
 * traps and both paths cost 0. Counts come from Moat's counters when on Moat (hvstats.h),
 * else from the kernel's own count of the traps it issued. */
#include <lib/string.h>
#include "ktest.h"
#include "cpu_switch.h"
#include "desc.h"
#include "hvstats.h"
#include "kmem.h"
#include "mm.h"
#include "printk.h"
#include "pv/pvops.h"

#define USER_VA 0x40000000u
#define SWITCH_OPS 7 /* operations in cpu_switch_to: esp0, 3 TLS, LDT, cr3, TS */
/* Batched, a TLS slot or LDT already loaded is left out (per-vcpu shadows, pv/xen): "there"
 * after "back" changes TLS slot 0 only, so esp0, TLS 0, cr3, TS; "back" again changes nothing
 * of those, so esp0, cr3, TS. */
#define SWITCH_OPS_THERE 4
#define SWITCH_OPS_SAME 3

extern char boot_stack_top[];

static volatile uint32_t tls_probe = 0x1a2b3c4d;

static uint32_t gs_read(void)
{
    uint16_t sel = GDT_ENTRY_TLS_MIN * 8 + 3, zero = 0;
    uint32_t v;
    asm volatile("movw %1, %%gs\n\tmovl %%gs:0, %0\n\tmovw %2, %%gs" : "=r"(v) : "r"(sel), "r"(zero));
    return v;
}

static int is_native(void) { return strcmp(pv_backend_name(), "native") == 0; }

struct switch_result {
    uint64_t traps, there_traps;
    uint32_t seen, tls_seen, cr3_there;
    int have_moat;
    uint64_t moat_mc_entries, same_mc_entries;
};

/* Switches to a fresh address space and back, measuring the way there. */
static int switch_round_trip(int batched, struct switch_result *r)
{
    uint32_t pfn, old_cr3 = read_cr3();
    if (alloc_zeroed_page(&pfn))
        return -1;
    ((uint32_t *)pfn_to_virt(pfn))[0] = 0x5a5a1234;
    pud_t *as = paging_new_address_space();
    if (!as) {
        free_page(pfn);
        return -1;
    }
    int ok = paging_map(as, USER_VA, pfn, _PAGE_RW | _PAGE_USER) == 0;
    pin_pgd(virt_to_pfn(as));
    uint64_t tls[GDT_TLS_ENTRIES] = { make_seg_desc((uint32_t)(uintptr_t)&tls_probe, 1, 0x2, 3), 0, 0 };
    uint64_t none[GDT_TLS_ENTRIES] = { 0, 0, 0 };
    struct cpu_switch_state there = {
        .cr3 = virt_to_phys(as), .esp0 = (uint32_t)(uintptr_t)boot_stack_top, .tls = tls, .fpu_ts = 1,
    };
    struct cpu_switch_state back = {
        .cr3 = old_cr3, .esp0 = (uint32_t)(uintptr_t)boot_stack_top, .tls = none, .fpu_ts = 0,
    };
    (void)read_cr0(); /* PV: the first read fills the CR0 shadow through an emulation trap */

    /* Events off across the measurement: a timer upcall's own hypercalls would be counted. */
    unsigned long flags = irq_save();
    struct hv_stats a, b, d;
    cpu_switch_to(&back, batched); /* a known starting state for the shadows */
    hv_stats_read(&a);
    cpu_switch_to(&back, batched);
    hv_stats_read(&b);
    hv_stats_delta(&a, &b, &d);
    r->same_mc_entries = d.moat_multicall_entries;
    hv_stats_read(&a);
    cpu_switch_to(&there, batched);
    hv_stats_read(&b);
    r->cr3_there = read_cr3();
    r->seen = ok ? *(volatile uint32_t *)USER_VA : 0;
    r->tls_seen = gs_read();
    cpu_switch_to(&back, batched);
    restore_fl(flags);
    hv_stats_delta(&a, &b, &d);
    r->traps = hv_stats_traps(&d);
    r->have_moat = d.have_moat;
    r->moat_mc_entries = d.moat_multicall_entries;

    paging_free_address_space(as);
    free_page(pfn);
    return (ok && read_cr3() == old_cr3) ? 0 : -1;
}

KERNEL_TEST(context_switch_batched_is_one_trap)
{
    KT_ASSERT(gdt_installed);
    struct switch_result r;
    uint32_t old_cr3 = read_cr3();
    KT_ASSERT_EQ(switch_round_trip(1, &r), 0);
    KT_ASSERT_EQ(r.seen, 0x5a5a1234);   /* the new address space was really in use */
    KT_ASSERT_EQ(r.tls_seen, 0x1a2b3c4d); /* and the TLS descriptor */
    KT_ASSERT(r.cr3_there != old_cr3);
    KT_ASSERT_EQ(read_cr3(), old_cr3);
    KT_ASSERT(!(read_cr0() & 8u));      /* TS cleared again by the switch back */
    printk("# context switch, batched: %llu trap(s) (%s)\n", r.traps,
           is_native() ? "native" : r.have_moat ? "Moat counters" : "kernel's own count");
    if (is_native()) {
        KT_ASSERT_EQ(r.traps, 0);
        return;
    }
    KT_ASSERT_EQ(r.traps, 1);
    if (r.have_moat) {
        KT_ASSERT_EQ(r.moat_mc_entries, SWITCH_OPS_THERE); /* all of them inside that one trap */
        KT_ASSERT_EQ(r.same_mc_entries, SWITCH_OPS_SAME);
    }
}

KERNEL_TEST(context_switch_unbatched_costs_more)
{
    struct switch_result r1, r0;
    KT_ASSERT_EQ(switch_round_trip(1, &r1), 0);
    KT_ASSERT_EQ(switch_round_trip(0, &r0), 0);
    KT_ASSERT_EQ(r0.seen, 0x5a5a1234);
    KT_ASSERT_EQ(r0.tls_seen, 0x1a2b3c4d);
    printk("# context switch: batched %llu trap(s), unbatched %llu trap(s) (%s)\n", r1.traps, r0.traps,
           is_native() ? "native" : r0.have_moat ? "Moat counters" : "kernel's own count");
    if (is_native()) {
        KT_ASSERT_EQ(r0.traps, 0);
        return;
    }
    KT_ASSERT(r0.traps >= 4);
    KT_ASSERT_EQ(r0.traps, SWITCH_OPS);
    if (r0.have_moat)
        KT_ASSERT_EQ(r0.moat_mc_entries, 0);
}

/* Until processes exist, the address-space life cycle stands in for fork and exit: the traps
 * to create one (with one user page mapped) and to tear it down. Printed, and bounded so a
 * regression in batching shows. */
KERNEL_TEST(address_space_create_destroy_traps)
{
    uint32_t pfn;
    KT_ASSERT_EQ(alloc_zeroed_page(&pfn), 0);
    unsigned long flags = irq_save();
    struct hv_stats a, b, c, d1, d2;
    hv_stats_read(&a);
    pud_t *as = paging_new_address_space();
    int ok = as && paging_map(as, USER_VA, pfn, _PAGE_RW | _PAGE_USER) == 0;
    if (as)
        pin_pgd(virt_to_pfn(as));
    hv_stats_read(&b);
    if (as)
        paging_free_address_space(as);
    hv_stats_read(&c);
    restore_fl(flags);
    free_page(pfn);
    KT_ASSERT(ok);
    hv_stats_delta(&a, &b, &d1);
    hv_stats_delta(&b, &c, &d2);
    printk("# address space (stand-in for fork/exit until processes exist): create+map+pin %llu traps, "
           "destroy %llu traps (%s)\n", hv_stats_traps(&d1), hv_stats_traps(&d2),
           is_native() ? "native" : d1.have_moat ? "Moat counters" : "kernel's own count");
    if (is_native()) {
        KT_ASSERT_EQ(hv_stats_traps(&d1) + hv_stats_traps(&d2), 0);
        return;
    }
    KT_ASSERT(hv_stats_traps(&d1) > 0);
    KT_ASSERT(hv_stats_traps(&d2) > 0);
}
