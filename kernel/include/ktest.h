/* In-kernel tests. KERNEL_TEST(name) { ... } registers a test in the .ktests linker section;
 * `test` on the command line runs them all in link order and prints TAP-style lines:
 *   ok <n> - <name>            or   not ok <n> - <name>: <file>:<line>: <reason>
 * and closes with `kernel: N passed, N failed`, then powers off with the result.
 *
 * An assertion failure records where and what failed and returns from the test function, so
 * each test should release what it holds before asserting, or use KT_CHECK + cleanup. */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H
#include <stdint.h>

struct ktest {
    const char *name;
    void (*fn)(void);
};

#define KERNEL_TEST(tname)                                                                \
    static void ktest_fn_##tname(void);                                                   \
    static const struct ktest ktest_desc_##tname                                          \
        __attribute__((used, section(".ktests"), aligned(4))) = { #tname, ktest_fn_##tname }; \
    static void ktest_fn_##tname(void)

/* Records a failure for the running test (first failure wins). */
void ktest_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int ktest_failed(void);

#define KT_ASSERT(cond)                                                 \
    do {                                                                \
        if (!(cond)) {                                                  \
            ktest_fail(__FILE__, __LINE__, "assertion failed: %s", #cond); \
            return;                                                     \
        }                                                               \
    } while (0)

#define KT_ASSERT_EQ(a, b)                                                                   \
    do {                                                                                     \
        unsigned long long _a = (unsigned long long)(a), _b = (unsigned long long)(b);       \
        if (_a != _b) {                                                                      \
            ktest_fail(__FILE__, __LINE__, "%s == %s failed: 0x%llx != 0x%llx", #a, #b, _a, _b); \
            return;                                                                          \
        }                                                                                    \
    } while (0)

/* Non-returning check: records the failure and continues (for tests that must clean up). */
#define KT_CHECK(cond)                                                  \
    ((cond) ? 1 : (ktest_fail(__FILE__, __LINE__, "check failed: %s", #cond), 0))

/* Runs every registered test, prints the summary; returns the number of failures. */
int ktest_run_all(void);

#endif
