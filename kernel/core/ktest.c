/* The in-kernel test runner (see ktest.h). Tests live in kernel/ktests/ and register through
 * the .ktests section, which the linker script brackets with __ktests_start/__ktests_end. */
#include <stdarg.h>
#include <lib/format.h>
#include <lib/string.h>
#include "ktest.h"
#include "printk.h"
#include "hvstats.h"
#include "pv/pvops.h"

extern const struct ktest __ktests_start[], __ktests_end[];

static int current_failed;
static char current_reason[200];

void ktest_fail(const char *file, int line, const char *fmt, ...)
{
    if (current_failed)
        return;
    current_failed = 1;
    int n = snprintf(current_reason, sizeof current_reason, "%s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (unsigned)n < sizeof current_reason)
        vsnprintf(current_reason + n, sizeof current_reason - n, fmt, ap);
    va_end(ap);
}

int ktest_failed(void) { return current_failed; }

/* Issue 4's measure: mmu_update traps and entries per trap over boot plus tests (natively 0).
 * Both sources: the kernel's own count of what it issued (a trap "carries" mmu_update when it
 * is a direct mmu_update or a batch with one inside) and, on Moat, Moat's counters. */
static void per_trap(char *buf, unsigned len, uint64_t entries, uint64_t traps)
{
    uint64_t tenths = traps ? entries * 10 / traps : 0;
    snprintf(buf, len, "%llu.%llu", tenths / 10, tenths % 10);
}

static void report_mmu_update_traps(void)
{
    struct hv_stats s;
    hv_stats_read(&s);
    char r[24];
    per_trap(r, sizeof r, s.own_mmu_update_entries, s.own_mmu_update_traps);
    printk("# mmu_update (%s, boot + tests, kernel's count): %llu traps, %llu entries, %s entries per trap; "
           "%llu traps in all, %llu multicalls\n", pv_backend_name(), s.own_mmu_update_traps,
           s.own_mmu_update_entries, r, s.own_traps, s.own_multicalls);
    if (s.have_moat) {
        per_trap(r, sizeof r, s.moat_mmu_update_entries, s.moat_mmu_update_calls);
        printk("# mmu_update (Moat's counters): %llu mmu_update hypercalls, %llu entries, %s entries per "
               "call; %llu traps, %llu hypercalls, %llu multicall entries, %llu exceptions, %llu events\n",
               s.moat_mmu_update_calls, s.moat_mmu_update_entries, r, s.moat_traps, s.moat_hypercalls,
               s.moat_multicall_entries, s.moat_exceptions, s.moat_events);
    }
}

int ktest_run_all(void)
{
    unsigned passed = 0, failed = 0, n = 0;
    for (const struct ktest *t = __ktests_start; t < __ktests_end; t++) {
        n++;
        current_failed = 0;
        current_reason[0] = 0;
        t->fn();
        if (current_failed) {
            failed++;
            printk("not ok %u - %s: %s\n", n, t->name, current_reason);
        } else {
            passed++;
            printk("ok %u - %s\n", n, t->name);
        }
    }
    report_mmu_update_traps();
    printk("kernel: %u passed, %u failed\n", passed, failed);
    return (int)failed;
}
