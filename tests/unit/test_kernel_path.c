/* Host tests of path component splitting (kernel/fs/path.c path_next). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "vfs.h"

static void components_in_order(void **s)
{
    const char *p = "//usr///bin/./ls/";
    char name[NAME_MAX + 1];
    assert_int_equal(path_next(&p, name), 3);
    assert_string_equal(name, "usr");
    assert_int_equal(path_next(&p, name), 3);
    assert_string_equal(name, "bin");
    assert_int_equal(path_next(&p, name), 1);
    assert_string_equal(name, ".");
    assert_int_equal(path_next(&p, name), 2);
    assert_string_equal(name, "ls");
    assert_int_equal(path_next(&p, name), 0);
    assert_int_equal(path_next(&p, name), 0);
}

static void empty_and_root(void **s)
{
    char name[NAME_MAX + 1];
    const char *p = "";
    assert_int_equal(path_next(&p, name), 0);
    p = "/";
    assert_int_equal(path_next(&p, name), 0);
    assert_int_equal(*p, 0);
}

static void name_max_is_the_limit(void **s)
{
    char path[NAME_MAX + 3], name[NAME_MAX + 1];
    memset(path, 'a', NAME_MAX);
    path[NAME_MAX] = 0;
    const char *p = path;
    assert_int_equal(path_next(&p, name), NAME_MAX);
    assert_int_equal(strlen(name), NAME_MAX);
    memset(path, 'b', NAME_MAX + 1);
    path[NAME_MAX + 1] = 0;
    p = path;
    assert_int_equal(path_next(&p, name), -ENAMETOOLONG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(components_in_order),
        cmocka_unit_test(empty_and_root),
        cmocka_unit_test(name_max_is_the_limit),
    };
    return cmocka_run_group_tests_name("kernel_path", tests, NULL, NULL);
}
