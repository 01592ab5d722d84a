/* Unit tests of lib/format.c: the printf engine shared by Moat and the guest kernel.
 * Each case compares against the C standard's required output. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "lib/format.h"

#define CHECK(expect, ...)                                                   \
    do {                                                                     \
        char b[128];                                                         \
        int n = snprintf(b, sizeof b, __VA_ARGS__);                          \
        assert_string_equal(b, expect);                                      \
        assert_int_equal(n, (int)strlen(expect));                            \
    } while (0)

static void test_integers(void **state)
{
    CHECK("0", "%d", 0);
    CHECK("-42", "%d", -42);
    CHECK("-2147483648", "%d", (int)0x80000000);
    CHECK("4294967295", "%u", 0xFFFFFFFFu);
    CHECK("ff FF", "%x %X", 255, 255);
    CHECK("0x1f", "%#x", 31);
    CHECK("0", "%#x", 0);
    CHECK("17", "%o", 15);
    CHECK("18446744073709551615", "%llu", 0xFFFFFFFFFFFFFFFFull);
    CHECK("-9223372036854775808", "%lld", (long long)0x8000000000000000ull);
    CHECK("123456789abcdef0", "%llx", 0x123456789abcdef0ull);
    CHECK("-1 255", "%hhd %hhu", 255, 255);
    CHECK("-1", "%hd", 0xFFFF);
    CHECK("+5 +0", "%+d %+d", 5, 0);
    CHECK(" 5", "% d", 5);
    CHECK("4096", "%zu", (size_t)4096);
    CHECK("-7", "%ld", -7L);
}

static void test_width_precision(void **state)
{
    CHECK("   42", "%5d", 42);
    CHECK("42   |", "%-5d|", 42);
    CHECK("00042", "%05d", 42);
    CHECK("-0042", "%05d", -42);
    CHECK("  042", "%5.3d", 42);
    CHECK("", "%.0d", 0);
    CHECK("0000beef", "%08x", 0xbeef);
    CHECK("   ab", "%*s", 5, "ab");
    CHECK("ab   |", "%*s|", -5, "ab");
    CHECK("abc", "%.3s", "abcdef");
    CHECK("ab", "%.*s", 2, "abcdef");
    CHECK("x    |", "%-5c|", 'x');
}

static void test_strings_pointers(void **state)
{
    CHECK("hello world", "%s %s", "hello", "world");
    CHECK("(null)", "%s", (char *)NULL);
    CHECK("0xc0100000", "%p", (void *)0xc0100000);
    CHECK("0x00000010", "%p", (void *)0x10);
    CHECK("100%", "%d%%", 100);
    CHECK("%q", "%q");
}

static void test_truncation(void **state)
{
    char b[8];
    int n = snprintf(b, sizeof b, "%s", "0123456789");
    assert_int_equal(n, 10);
    assert_string_equal(b, "0123456");
    n = snprintf(b, 1, "abc");
    assert_int_equal(n, 3);
    assert_string_equal(b, "");
    memset(b, 'z', sizeof b);
    n = snprintf(b, 0, "abc");
    assert_int_equal(n, 3);
    assert_int_equal(b[0], 'z');
}

struct sink { char buf[64]; int n; };
static void sink_put(char c, void *arg)
{
    struct sink *s = arg;
    s->buf[s->n++] = c;
}
static int stream(struct sink *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vformat(sink_put, s, fmt, ap);
    va_end(ap);
    return n;
}

static void test_vformat_streams(void **state)
{
    struct sink s = { {0}, 0 };
    int n = stream(&s, "a%db", 12);
    assert_int_equal(n, 4);
    assert_int_equal(s.n, 4);
    assert_memory_equal(s.buf, "a12b", 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_width_precision),
        cmocka_unit_test(test_strings_pointers),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_vformat_streams),
    };
    return cmocka_run_group_tests_name("lib_format", tests, NULL, NULL);
}
