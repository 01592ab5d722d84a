/* The generic kernel start, shared by every entry path (native head.S, Xen/Moat xen-head.S).
 * By the time kernel_start runs, the backend's entry has installed pv_ops, set a console sink
 * and set up traps; from here on only pv-op wrappers touch the machine. */
#include <stdint.h>
#include "boot.h"
#include "kmem.h"
#include "ktest.h"
#include "mm.h"
#include "options.h"
#include "trap.h"
#include "printk.h"
#include "pv/pvops.h"
#include "proc.h" /* H9: the Unix layer (initrd, processes) */
#include "bench/kbench.h" /* H12: `bench` */
#include "smp.h" /* H15: other CPUs (issue 10) */

static struct kernel_options opts;
const void *boot_initrd;
uint32_t boot_initrd_len;
static struct memmap boot_mem;

/* fault=pf|gp|ud|de: take that exception on purpose (system tests check the dump). Volatile
 * operands keep the compiler from proving the fault and replacing it with a trap of its own. */
static void trigger_fault(enum boot_fault f)
{
    printk(KERN_INFO "fault: taking a deliberate exception now\n");
    if (f == FAULT_PF) {
        volatile uint32_t *volatile p = 0;
        *p = 0xdead;
    } else if (f == FAULT_GP) {
        uint16_t bad_selector = 0xfff8; /* far beyond the GDT limit */
        asm volatile("movw %0, %%fs" : : "r"(bad_selector));
    } else if (f == FAULT_UD) {
        asm volatile("ud2");
    } else if (f == FAULT_DE) {
        volatile uint32_t zero = 0, one = 1;
        volatile uint32_t q = one / zero;
        (void)q;
    }
    printk(KERN_ERR "fault: the deliberate exception did not happen\n");
}

void __attribute__((noreturn)) kernel_start(void)
{
    const char *cmdline = boot_cmdline();
    options_parse(cmdline, &opts);
    printk_set_loglevel(opts.loglevel);
    printk(KERN_INFO "Moat guest kernel %s: %s\n", KERNEL_VERSION, pv_banner());
    printk(KERN_INFO "command line: %s\n", cmdline);
    for (unsigned i = 0; i < opts.nr_warnings; i++)
        printk(KERN_WARNING "%s\n", opts.warnings[i]);

    memory_setup(&boot_mem);
    mem_init(&boot_mem, opts.mem_limit);
    printk(KERN_INFO "memory: %u KB usable RAM in %u ranges, low memory mapped up to 0x%08x\n",
           memmap_usable_pages(&boot_mem) * 4, boot_mem.nr_usable, lowmem_end_pfn << PAGE_SHIFT);
    if (boot_initrd_len)
        printk(KERN_INFO "initrd: %u bytes at 0x%08x\n", boot_initrd_len, virt_to_phys(boot_initrd));
    if (paging_init(&boot_mem, lowmem_end_pfn))
        panic("could not build the kernel page tables");
    printk(KERN_INFO "memory: %u pages free, kernel page tables at 0x%08x%s\n",
           page_alloc_nr_free(&phys_pages), virt_to_phys(kernel_pgd), nx_enabled ? ", NX on" : "");

    timer_init(TIMER_HZ);
    irq_enable();
    smp_init(); /* H15: needs the tick (calibrates the local APIC timers against it) */

    if (opts.fault != FAULT_NONE)
        trigger_fault(opts.fault);

    if (opts.mode == BOOT_TEST) {
        int failed = ktest_run_all();
        failed += unix_run_usertests(); /* H9: then the user-space suite, /bin/usertests */
        power_off(failed ? 1 : 0);
    }
    if (opts.mode == BOOT_BENCH)
        power_off(kbench_main() ? 1 : 0); /* H12: kernel benchmarks, then /bin/bench */
    unix_start_init(); /* H9: unpack the initrd and run /init (never returns) */
}
