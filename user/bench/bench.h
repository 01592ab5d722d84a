/* bench: lmbench-style operation costs in TSC ticks.
 *
 * Every operation runs a fixed number of iterations after one warm-up run, so the work done
 * never depends on the clock: under QEMU -icount shift=0 a tick is one instruction and two runs
 * print the same numbers. Output, one line per operation, then a closing line:
 *     bench: <name> <iterations> <ticks_per_op>
 *     bench: done
 * An operation that misbehaves (a child that fails, a handler that does not run) prints
 * `bench: error <name>: <why>` instead of a number and bench exits 1.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

struct bench_op {
    const char *name;
    int iterations;
    /* Runs the warm-up and the timed iterations; returns ticks per op, or -1 after
     * bench_error(). */
    int64_t (*measure)(int iterations);
};

extern const struct bench_op bench_ops[];
extern const int bench_nops;

/* Path of the tiny program fork_execve runs (next to the bench binary). */
extern const char *bench_true_path;

/* Times `iterations` calls of fn after one warm-up call: ticks per call. */
int64_t bench_loop(void (*fn)(void), int iterations);
/* Records why the current operation failed; returns -1. */
int64_t bench_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
