/* The in-kernel test runner (see ktest.h). Tests live in kernel/ktests/ and register through
 * the .ktests section, which the linker script brackets with __ktests_start/__ktests_end. */
#include <stdarg.h>
#include <lib/format.h>
#include <lib/string.h>
#include "ktest.h"
#include "printk.h"

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
    printk("kernel: %u passed, %u failed\n", passed, failed);
    return (int)failed;
}
