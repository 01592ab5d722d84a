/* What the kernel itself can measure without processes, on every backend.
 *
 *   as_switch            the privileged half of a context switch between two address spaces
 *                        (cpu_switch_to, batched): esp0, 3 TLS descriptors, LDT, cr3, CR0.TS.
 *                        Natively 7 register writes; on PV ONE multicall (issue 7).
 *   as_switch_unbatched  the same operations issued one by one: one trap each on PV.
 *   as_create_destroy    a new address space with one user page mapped, pinned, then freed:
 *                        the page-table half of fork + exit, until processes measure them.
 *   exception_int3       a breakpoint taken and returned from in the kernel: natively the IDT;
 *                        on PV the exception enters the hypervisor, is bounced to the kernel's
 *                        handler and the kernel's return goes back through HYPERVISOR_iret.
 *   irq_save_restore     irq_save + restore_fl: cli/pushf/popf natively, the vcpu_info mask
 *                        byte on PV (no trap).
 *   cpuid                CPUID through the pv-op: one instruction natively, a forced-emulation
 *                        trap into the hypervisor on PV. */
#include <stdint.h>
#include "bench/kbench.h"
#include "cpu_switch.h"
#include "desc.h"
#include "kmem.h"
#include "mm.h"
#include "trap.h"
#include "pv/pvops.h"

#define USER_VA 0x40000000u

extern char boot_stack_top[];

/* ---- address-space switch ---- */
static uint32_t user_pfn, home_cr3;
static pud_t *other;
static struct cpu_switch_state there, back;
static const uint64_t no_tls[GDT_TLS_ENTRIES] = { 0, 0, 0 };
static uint64_t some_tls[GDT_TLS_ENTRIES];
static unsigned where; /* 0: home, 1: there */

static int setup_switch(const char **why)
{
    if (!gdt_installed) {
        *why = "GDT not installed";
        return -1;
    }
    if (alloc_zeroed_page(&user_pfn)) {
        *why = "out of memory";
        return -1;
    }
    other = paging_new_address_space();
    if (!other || paging_map(other, USER_VA, user_pfn, _PAGE_RW | _PAGE_USER)) {
        *why = "could not build the second address space";
        if (other)
            paging_free_address_space(other);
        free_page(user_pfn);
        return -1;
    }
    pin_pgd(virt_to_pfn(other));
    home_cr3 = read_cr3();
    some_tls[0] = make_seg_desc((uint32_t)(uintptr_t)&some_tls[1], 1, 0x2, 3);
    there = (struct cpu_switch_state){ .cr3 = virt_to_phys(other), .esp0 = (uint32_t)(uintptr_t)boot_stack_top,
                                       .tls = some_tls, .fpu_ts = 1 };
    back = (struct cpu_switch_state){ .cr3 = home_cr3, .esp0 = (uint32_t)(uintptr_t)boot_stack_top,
                                      .tls = no_tls, .fpu_ts = 0 };
    (void)read_cr0(); /* PV: the first read fills the CR0 shadow (an emulation trap): not an op's cost */
    where = 0;
    return 0;
}

static int switch_once(int batched)
{
    where ^= 1;
    cpu_switch_to(where ? &there : &back, batched);
    return read_cr3() == (where ? there.cr3 : back.cr3) ? 0 : -1;
}

static int run_switch(unsigned i) { return switch_once(1); }
static int run_switch_unbatched(unsigned i) { return switch_once(0); }

static void teardown_switch(void)
{
    if (where)
        cpu_switch_to(&back, 1);
    where = 0;
    paging_free_address_space(other);
    free_page(user_pfn);
}

/* ---- address-space life cycle ---- */
static int setup_as(const char **why)
{
    if (alloc_zeroed_page(&user_pfn)) {
        *why = "out of memory";
        return -1;
    }
    return 0;
}

static int run_as(unsigned i)
{
    pud_t *as = paging_new_address_space();
    if (!as)
        return -1;
    int rc = paging_map(as, USER_VA, user_pfn, _PAGE_RW | _PAGE_USER);
    pin_pgd(virt_to_pfn(as));
    paging_free_address_space(as);
    return rc ? -1 : 0;
}

static void teardown_as(void) { free_page(user_pfn); }

/* ---- exception round trip ---- */
static unsigned breakpoints;
static trap_handler_fn saved_bp;

static int count_bp(struct trap_frame *f)
{
    breakpoints++;
    return 1; /* int3 is a trap: eip is already past it */
}

static int setup_bp(const char **why)
{
    if (!traps_installed) {
        *why = "traps not installed";
        return -1;
    }
    breakpoints = 0;
    saved_bp = trap_set_handler(3, count_bp);
    return 0;
}

static int run_bp(unsigned i)
{
    unsigned before = breakpoints;
    asm volatile("int3" ::: "memory");
    return breakpoints == before + 1 ? 0 : -1;
}

static void teardown_bp(void) { trap_set_handler(3, saved_bp); }

/* ---- virtual interrupt flag ---- */
static int run_irq(unsigned i)
{
    unsigned long f = irq_save();
    restore_fl(f);
    return 0;
}

/* ---- cpuid ---- */
static int run_cpuid(unsigned i)
{
    uint32_t a, b, c, d;
    cpuid(0, &a, &b, &c, &d);
    return a >= 1 ? 0 : -1;
}

const struct kbench_op kbench_kernel_ops[] = {
    { "as_switch", 200, 0, setup_switch, run_switch, teardown_switch },
    { "as_switch_unbatched", 200, 0, setup_switch, run_switch_unbatched, teardown_switch },
    { "as_create_destroy", 50, 0, setup_as, run_as, teardown_as },
    { "exception_int3", 200, 0, setup_bp, run_bp, teardown_bp },
    { "irq_save_restore", 1000, 0, 0, run_irq, 0 },
    { "cpuid", 200, 0, 0, run_cpuid, 0 },
    { 0, 0, 0, 0, 0, 0 },
};
