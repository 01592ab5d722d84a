/* Kernel-level benchmarks: the `bench` command line (docs/performance.md explains the numbers).
 *
 * Output contract (tools/bench parses it; tests/system/test_bench.py checks the parser):
 *     bench: boot_tsc <tsc> kernel-init          rdtsc when kernel init is done, before any op
 *     bench: counters <moat|own|none>            where traps/exceptions per op come from
 *     bench: moat_entry_tsc <tsc>                (on Moat) rdtsc at Moat's first instruction
 *     bench: <name> <iterations> <ticks_per_op> <traps_per_op> <exceptions_per_op>
 *     bench: <name> n/a <reason>                 an op this backend cannot run (hypercalls natively)
 *     bench: error <name>: <why>                 an op that misbehaved (no number is printed)
 *     bench: kernel-done
 * then the user-level suite (/bin/bench from the initrd, when the kernel can run processes)
 * prints its own `bench: <name> <iterations> <ticks_per_op>` lines and `bench: done`, framed by
 *     bench: user-start | bench: user-missing <why>
 *     bench: user-end <status> <traps> <exceptions> (counters over the whole user run)
 *     bench: user-hypercalls <nr>:<count> ...     (on Moat) hypercalls by number over that run
 * With `bench.only=NAME` only the user op NAME runs (see kbench_only_op), framed the same way.
 *
 * Invariants:
 *  - Every op runs a fixed number of iterations after one warm-up, with events masked, so the
 *    work never depends on the clock or on timer upcalls: under QEMU -icount shift=0 a TSC tick
 *    is one instruction and two runs print the same numbers.
 *  - ticks are taken between two rdtsc strictly inside the two counter snapshots, so reading
 *    the counters is never part of an op's cost; hv_stats_delta removes the second read's own
 *    trap from the counts.
 *  - Per-op fractions are printed in fixed point with 3 decimals (no FPU in the kernel). */
#ifndef KERNEL_BENCH_KBENCH_H
#define KERNEL_BENCH_KBENCH_H
#include <stdint.h>

struct kbench_op {
    const char *name;
    unsigned iterations;
    int pv_only;                   /* a hypercall op: n/a natively */
    /* Prepares state (may be 0); returns 0, or -1 with a reason in *why. */
    int (*setup)(const char **why);
    /* One iteration; i counts from 0 (the warm-up is i == 0 too). Returns 0, or -1 on error. */
    int (*run)(unsigned i);
    void (*teardown)(void);        /* may be 0 */
};

/* The op tables of each group (ops_*.c), terminated by an entry with name == 0. */
extern const struct kbench_op kbench_hypercall_ops[];
extern const struct kbench_op kbench_mmu_ops[];
extern const struct kbench_op kbench_kernel_ops[];

static inline uint64_t kbench_rdtsc(void)
{
    uint32_t lo, hi;
    /* rdtsc is not privileged (CR4.TSD is clear natively and on Moat/Xen): no pv-op needed. */
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

int kbench_is_pv(void);
/* moat_entry.c, only after hv_stats said have_moat: Moat's entry TSC (0 on failure), and the
 * domain's hypercalls executed by number (0, or -1 on failure). */
#define KBENCH_NR_HYPERCALLS 64
uint64_t kbench_moat_entry_tsc(void);
int kbench_moat_hypercall_counts(uint64_t counts[KBENCH_NR_HYPERCALLS]);             /* the Xen PV backend is installed (Moat or real Xen) */

/* Runs every kernel op, then the user suite; returns 0 when nothing failed. */
int kbench_main(void);

/* proc/unix_boot.c: runs /bin/bench as pid 1 with argv (0: the whole suite); its wait status,
 * or < 0 without user space. */
int unix_run_bench(const char *const argv[]);

/* `bench.only=NAME` on the command line (pure, kbench_cmdline.c): copies NAME (at most len-1
 * characters of [A-Za-z0-9_]) to buf and returns 1, or returns 0 when the token is absent or
 * malformed. With it, kbench_main skips the kernel ops and runs `/bin/bench NAME` alone, so
 * the counters around that run belong to one user op (tools/bench subtracts the run of an op
 * that does not exist, `bench.only=none`). */
int kbench_only_op(const char *cmdline, char *buf, unsigned len);

#endif
