/* The kernel benchmark runner (kbench.h has the output contract and the invariants). */
#include <stdint.h>
#include <lib/format.h>
#include <lib/string.h>
#include "bench/kbench.h"
#include "hvstats.h"
#include "printk.h"
#include "pv/pvops.h"

static int on_pv = -1;
/* Cached: ops call it inside timed loops, where a strcmp would be part of the cost. */
int kbench_is_pv(void)
{
    if (on_pv < 0)
        on_pv = strcmp(pv_backend_name(), "xen") == 0;
    return on_pv;
}

/* total / n with three decimals, as "I.FFF" (rounded to nearest). */
static void per_op(char *buf, unsigned len, uint64_t total, unsigned n)
{
    uint64_t milli = (total * 1000 + n / 2) / n;
    snprintf(buf, len, "%llu.%03llu", milli / 1000, milli % 1000);
}

static int run_op(const struct kbench_op *op)
{
    if (op->pv_only && !kbench_is_pv()) {
        printk("bench: %s n/a native (no hypervisor to call)\n", op->name);
        return 0;
    }
    const char *why = "set-up failed";
    if (op->setup && op->setup(&why)) {
        printk("bench: error %s: %s\n", op->name, why);
        return -1;
    }
    int bad = 0;
    unsigned n = op->iterations;
    unsigned long flags = irq_save();
    bad |= op->run(0); /* warm-up: first-touch faults, shadows filled, caches */
    struct hv_stats a, b, d;
    hv_stats_read(&a);
    uint64_t t0 = kbench_rdtsc();
    for (unsigned i = 0; i < n; i++)
        bad |= op->run(i);
    uint64_t t1 = kbench_rdtsc();
    hv_stats_read(&b);
    restore_fl(flags);
    if (op->teardown)
        op->teardown();
    if (bad) {
        printk("bench: error %s: an iteration failed\n", op->name);
        return -1;
    }
    hv_stats_delta(&a, &b, &d);
    char traps[24], exc[24];
    per_op(traps, sizeof traps, hv_stats_traps(&d), n);
    per_op(exc, sizeof exc, d.have_moat ? d.moat_exceptions : 0, n);
    printk("bench: %s %u %llu %s %s\n", op->name, n, (t1 - t0) / n, traps, exc);
    return 0;
}

static int run_group(const struct kbench_op *ops)
{
    int failed = 0;
    for (const struct kbench_op *op = ops; op->name; op++)
        failed |= run_op(op) != 0;
    return failed;
}

int kbench_main(void)
{
    /* The boot point: kernel init is complete (memory, paging, traps, timer), nothing else. */
    uint64_t boot = kbench_rdtsc();
    printk("bench: boot_tsc %llu kernel-init\n", boot);
    struct hv_stats probe;
    hv_stats_read(&probe);
    printk("bench: counters %s\n", !kbench_is_pv() ? "none" : probe.have_moat ? "moat" : "own");
    if (probe.have_moat)
        printk("bench: moat_entry_tsc %llu\n", kbench_moat_entry_tsc());

    static char only[32];
    static const char *argv_one[] = { "bench", only, 0 };
    int one = kbench_only_op(boot_cmdline(), only, sizeof only);
    int failed = 0;
    if (!one) {
        failed |= run_group(kbench_hypercall_ops);
        failed |= run_group(kbench_mmu_ops);
        failed |= run_group(kbench_kernel_ops);
    }
    printk("bench: kernel-done\n");

    /* The user-level suite, when the kernel can run processes: its lines follow verbatim. */
    struct hv_stats a, b, d;
    static uint64_t before[KBENCH_NR_HYPERCALLS], after[KBENCH_NR_HYPERCALLS];
    printk("bench: user-start\n");
    int by_nr = probe.have_moat && kbench_moat_hypercall_counts(before) == 0;
    hv_stats_read(&a);
    int st = unix_run_bench(one ? argv_one : 0);
    hv_stats_read(&b);
    by_nr = by_nr && kbench_moat_hypercall_counts(after) == 0;
    hv_stats_delta(&a, &b, &d);
    if (st < 0) {
        printk("bench: user-missing could not start /bin/bench (error %d)\n", -st);
        return failed;
    }
    printk("bench: user-end %d %llu %llu\n", st, hv_stats_traps(&d), d.have_moat ? d.moat_exceptions : 0);
    if (by_nr) {
        /* One line, built first: each printk is a console hypercall of its own. */
        static char line[KBENCH_NR_HYPERCALLS * 20];
        unsigned used = 0;
        for (unsigned i = 0; i < KBENCH_NR_HYPERCALLS && used + 24 < sizeof line; i++)
            if (after[i] != before[i])
                used += (unsigned)snprintf(line + used, sizeof line - used, " %u:%llu", i, after[i] - before[i]);
        line[used] = 0;
        printk("bench: user-hypercalls%s\n", line);
    }
    return failed || (st != 0 && !one);
}
