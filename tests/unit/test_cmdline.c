/* Unit tests of lib/cmdline.c: the command-line tokenizer used by Moat and the guest kernel. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "lib/cmdline.h"

static void test_words(void **state)
{
    const char *p = "  test loglevel=7\tmem=64M  ";
    struct cmdline_word w;
    assert_int_equal(cmdline_next(&p, &w), 1);
    assert_string_equal(w.key, "test");
    assert_int_equal(w.has_value, 0);
    assert_int_equal(cmdline_next(&p, &w), 1);
    assert_string_equal(w.key, "loglevel");
    assert_string_equal(w.value, "7");
    assert_int_equal(w.has_value, 1);
    assert_int_equal(cmdline_next(&p, &w), 1);
    assert_string_equal(w.key, "mem");
    assert_string_equal(w.value, "64M");
    assert_int_equal(cmdline_next(&p, &w), 0);
    assert_int_equal(cmdline_next(&p, &w), 0);
}

static void test_empty_and_null(void **state)
{
    const char *p = "";
    struct cmdline_word w;
    assert_int_equal(cmdline_next(&p, &w), 0);
    p = NULL;
    assert_int_equal(cmdline_next(&p, &w), 0);
    p = "   \t ";
    assert_int_equal(cmdline_next(&p, &w), 0);
}

static void test_quotes_and_empty_value(void **state)
{
    const char *p = "init=\"/bin/sh -c ls\" x= y";
    struct cmdline_word w;
    assert_int_equal(cmdline_next(&p, &w), 1);
    assert_string_equal(w.key, "init");
    assert_string_equal(w.value, "/bin/sh -c ls");
    assert_int_equal(cmdline_next(&p, &w), 1);
    assert_string_equal(w.key, "x");
    assert_int_equal(w.has_value, 1);
    assert_string_equal(w.value, "");
    assert_int_equal(cmdline_next(&p, &w), 1);
    assert_string_equal(w.key, "y");
    assert_int_equal(cmdline_next(&p, &w), 0);
}

static void test_truncation(void **state)
{
    char line[400];
    memset(line, 'k', 100);
    strcpy(line + 100, "=");
    memset(line + 101, 'v', 200);
    line[301] = '\0';
    const char *p = line;
    struct cmdline_word w;
    assert_int_equal(cmdline_next(&p, &w), 1);
    assert_int_equal(w.truncated, 1);
    assert_int_equal(strlen(w.key), sizeof w.key - 1);
    assert_int_equal(strlen(w.value), sizeof w.value - 1);
    assert_int_equal(cmdline_next(&p, &w), 0);
}

static void test_numbers(void **state)
{
    unsigned v;
    assert_int_equal(cmdline_parse_u32("123", &v), 0);
    assert_int_equal(v, 123);
    assert_int_equal(cmdline_parse_u32("0x1F", &v), 0);
    assert_int_equal(v, 31);
    assert_int_equal(cmdline_parse_u32("64M", &v), 0);
    assert_int_equal(v, 64u << 20);
    assert_int_equal(cmdline_parse_u32("512k", &v), 0);
    assert_int_equal(v, 512u << 10);
    assert_int_equal(cmdline_parse_u32("3G", &v), 0);
    assert_int_equal(v, 3u << 30);
    assert_int_equal(cmdline_parse_u32("4G", &v), -1);
    assert_int_equal(cmdline_parse_u32("4294967296", &v), -1);
    assert_int_equal(cmdline_parse_u32("4294967295", &v), 0);
    assert_int_equal(cmdline_parse_u32("", &v), -1);
    assert_int_equal(cmdline_parse_u32("0x", &v), -1);
    assert_int_equal(cmdline_parse_u32("12q", &v), -1);
    assert_int_equal(cmdline_parse_u32("12MB", &v), -1);
    assert_int_equal(cmdline_parse_u32(NULL, &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_empty_and_null),
        cmocka_unit_test(test_quotes_and_empty_value),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_numbers),
    };
    return cmocka_run_group_tests_name("lib_cmdline", tests, NULL, NULL);
}
