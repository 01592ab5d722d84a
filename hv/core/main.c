/* Moat's C entry (from boot.S): bring up the boot CPU, memory and the initial domain, then
 * leave into the guest. Reading order for the rest: docs/tour.md. */
#include <stdint.h>
#include <lib/string.h>
#include <lib/cmdline.h>
#include "multiboot.h"
#include "memlayout.h"
#include "console.h"
#include "cpu.h"
#include "paging.h"
#include "pagetype.h"
#include "pmem.h"
#include "domain.h"
#include "build.h"
#include "mapcache.h"
#include "moat_time.h"
#include "moat_sched.h"
#include "smp.h"

void pic_unmask(unsigned irq);

char moat_cmdline[1024];
static struct boot_info boot_info;

/* Moat's own options (the -append line):
 *   loglevel=N        0 errors .. 3 debug (default 2)
 *   selftest=panic    fault inside Moat after paging is up, to show (and test) that a Moat
 *                     fault is a panic with a register dump and MOAT_EXIT_FAIL, never a hang */
static int selftest_panic;

static void moat_options(const char *line)
{
    const char *pos = line;
    struct cmdline_word w;
    while (cmdline_next(&pos, &w)) {
        unsigned int v;
        if (!strcmp(w.key, "loglevel") && w.has_value && !cmdline_parse_u32(w.value, &v) && v <= 3)
            console_set_level((int)v);
        else if (!strcmp(w.key, "selftest") && !strcmp(w.value, "panic"))
            selftest_panic = 1;
        else if (!strcmp(w.key, "smp"))
            ;                  /* smp=N: at most N CPUs (read by smp_init, smp.c) */
        else
            log_warn("unknown Moat option '%s' ignored\n", w.key);
    }
}

static void log_layout(void)
{
    log_info("virtual layout (HYPERVISOR_VIRT_START %#x, L2 slots %u-511 under L3 slot 3):\n",
             HV_VIRT_START, MOAT_L2_FIRST_SLOT);
    con_printf("  %08x-%08x RO_MPT     m2p, read-only, guest-visible\n", RO_MPT_START, RO_MPT_END - 1);
    con_printf("  %08x-%08x RDWR_MPT   m2p, writable alias\n", RDWR_MPT_START, RDWR_MPT_END - 1);
    con_printf("  %08x-%08x FRAMETABLE struct frame per machine frame\n", FRAMETABLE_START, FRAMETABLE_END - 1);
    con_printf("  %08x-%08x MAPCACHE   frame_map slots, %u per CPU\n", MAPCACHE_START, MAPCACHE_END - 1, MAPCACHE_SLOTS);
    con_printf("  %08x-%08x GDT_AREA   64 KB per vcpu\n", GDT_AREA_START, GDT_AREA_END - 1);
    con_printf("  %08x-%08x DIRECTMAP  machine 0-112 MB, Moat image and heap\n", DIRECTMAP_START, 0xFFFFFFFFu);
}

void moat_main(uint32_t magic, uint32_t mbi_pa)
{
    serial_init();
    cpu_init_boot();
    gdt_init_cpu(&cpus[0]);
    idt_init();
    pic_init();
    multiboot_read(magic, mbi_pa, &boot_info);
    /* As Xen: the loader's command line starts with the image name; the options follow. */
    const char *opts = boot_info.cmdline;
    const char *sp = strchr(opts, ' ');
    const char *eq = strchr(opts, '=');
    if (*opts && (!eq || (sp && eq > sp)))
        opts = sp ? sp + 1 : "";
    strlcpy(moat_cmdline, opts, sizeof(moat_cmdline));
    log_info("Moat hypervisor: Xen 4.17 x86_32 PAE PV ABI, command line \"%s\"\n", moat_cmdline);
    moat_options(moat_cmdline);

    uint64_t total = 0;
    for (uint32_t i = 0; i < boot_info.nr_ram; i++) {
        log_info("RAM %#010llx-%#010llx (%llu KB)\n", (unsigned long long)boot_info.ram[i].start,
                 (unsigned long long)boot_info.ram[i].end,
                 (unsigned long long)((boot_info.ram[i].end - boot_info.ram[i].start) >> 10));
        total += boot_info.ram[i].end - boot_info.ram[i].start;
    }
    log_info("memory: %llu MB usable in %u ranges, %u multiboot module(s)\n",
             (unsigned long long)(total >> 20), boot_info.nr_ram, boot_info.nr_mods);
    for (uint32_t i = 0; i < boot_info.nr_mods; i++)
        log_info("module %u: %#x-%#x \"%s\"\n", i, boot_info.mods[i].start, boot_info.mods[i].end,
                 boot_info.mods[i].string);

    paging_init(&boot_info);
    log_layout();
    frame_table_init(&boot_info);
    pagetype_init(cpu_has_nx);
    if (selftest_panic) {
        log_info("selftest=panic: reading unmapped Moat address %#x\n", MAPCACHE_END - 4096);
        (void)*(volatile uint32_t *)(MAPCACHE_END - 4096);
    }

    time_init();           /* before the builder: shared_info gets the wallclock */
    smp_init(moat_cmdline);   /* the other CPUs (smp.c): up, idle until smp_go() */
    struct vcpu *v = domain_build_initial(&boot_info);
    uint32_t released = 0;
    for (uint32_t i = 0; i < boot_info.nr_mods; i++)
        released += frame_release_boot_range(boot_info.mods[i].start, boot_info.mods[i].end);
    log_info("%u frames of boot modules released, %u frames free\n", released, frames_free());
    log_info("starting domain 0 vcpu 0 in ring 1 at %#x\n", v->regs.eip);
    sched_init_domain(v->domain);
    pic_unmask(0);         /* PIT one-shot timer (pit.c) */
    console_rx_init();     /* COM1 receive -> VIRQ_CONSOLE */
    smp_go();              /* SMP: the APs enter their schedulers */
    sched_start();
}
