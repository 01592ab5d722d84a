/* Lazy cpu mode: a context switch's privileged operations cost one hypervisor trap on a PV
 * backend (multicall); natively they run at once and the mode changes nothing. */
#include <lib/string.h>
#include "ktest.h"
#include "desc.h"
#include "kmem.h"
#include "mm.h"
#include "printk.h"
#include "pv/pvops.h"

#define USER_VA 0x40000000u

extern unsigned long xen_hypercall_count; /* pv/xen/multicall.c; stays 0 natively */
extern char boot_stack_top[];

static volatile uint32_t tls_probe = 0x1a2b3c4d;

static uint32_t gs_read(void)
{
    uint16_t sel = GDT_ENTRY_TLS_MIN * 8 + 3, zero = 0;
    uint32_t v;
    asm volatile("movw %1, %%gs\n\tmovl %%gs:0, %0\n\tmovw %2, %%gs" : "=r"(v) : "r"(sel), "r"(zero));
    return v;
}

KERNEL_TEST(lazy_cpu_switch_is_one_trap)
{
    KT_ASSERT(gdt_installed);
    uint32_t pfn, old_cr3 = read_cr3();
    KT_ASSERT_EQ(alloc_zeroed_page(&pfn), 0);
    ((uint32_t *)pfn_to_virt(pfn))[0] = 0x5a5a1234;
    pud_t *as = paging_new_address_space();
    KT_ASSERT(as != 0);
    int ok = KT_CHECK(paging_map(as, USER_VA, pfn, _PAGE_RW | _PAGE_USER) == 0);
    pin_pgd(virt_to_pfn(as));
    uint64_t tls[GDT_TLS_ENTRIES] = { make_seg_desc((uint32_t)(uintptr_t)&tls_probe, 1, 0x2, 3), 0, 0 };
    uint64_t none[GDT_TLS_ENTRIES] = { 0, 0, 0 };

    /* "Switch to" a task: kernel stack, TLS, address space. Interrupts are off as in a real
     * switch: an interrupt handler's own hypercall would issue the batch early (correctly, to
     * keep order) and make the count depend on timing. */
    unsigned long flags = irq_save();
    unsigned long before = xen_hypercall_count;
    enter_lazy_cpu();
    load_esp0(kernel_ds, (uint32_t)(uintptr_t)boot_stack_top);
    load_tls(gdt_table, GDT_ENTRY_TLS_MIN, tls);
    write_cr3(virt_to_phys(as));
    unsigned long queued = xen_hypercall_count - before;
    leave_lazy_cpu();
    unsigned long traps = xen_hypercall_count - before;
    restore_fl(flags);
    uint32_t seen = ok ? *(volatile uint32_t *)USER_VA : 0;
    uint32_t tls_seen = gs_read();

    /* And back. */
    enter_lazy_cpu();
    load_tls(gdt_table, GDT_ENTRY_TLS_MIN, none);
    write_cr3(old_cr3);
    leave_lazy_cpu();
    paging_free_address_space(as);
    free_page(pfn);

    KT_ASSERT(ok);
    KT_ASSERT_EQ(seen, 0x5a5a1234);
    KT_ASSERT_EQ(tls_seen, 0x1a2b3c4d);
    KT_ASSERT_EQ(read_cr3(), old_cr3);
    KT_ASSERT_EQ(queued, 0); /* nothing issued while batching */
    if (strcmp(pv_backend_name(), "native") == 0)
        KT_ASSERT_EQ(traps, 0);
    else
        KT_ASSERT_EQ(traps, 1); /* stack_switch + 3 update_descriptor + new_baseptr in one multicall */
}
