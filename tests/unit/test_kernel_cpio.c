/* Host tests of the cpio newc parser (kernel/fs/cpio.c): well-formed archives parse member by
 * member; truncated or corrupt ones are refused without reading outside the buffer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "vfs.h"

static uint8_t arc[4096];
static uint32_t arc_len;

static void add(const char *name, uint32_t mode, const char *data)
{
    uint32_t namesize = (uint32_t)strlen(name) + 1, size = (uint32_t)strlen(data);
    arc_len += (uint32_t)sprintf((char *)arc + arc_len,
        "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
        1, mode, 0, 0, 1, 1234, size, 0, 0, 0, 0, namesize, 0);
    memcpy(arc + arc_len, name, namesize);
    arc_len += namesize;
    while (arc_len % 4)
        arc[arc_len++] = 0;
    memcpy(arc + arc_len, data, size);
    arc_len += size;
    while (arc_len % 4)
        arc[arc_len++] = 0;
}

static void build(void)
{
    memset(arc, 0, sizeof arc);
    arc_len = 0;
    add("bin", 040755, "");
    add("bin/hello", 0100755, "hello world\n");
    add("bin/sh", 0120777, "busybox");
    add("TRAILER!!!", 0, "");
}

static void parses_every_member(void **s)
{
    build();
    uint32_t off = 0;
    struct cpio_entry e;
    assert_int_equal(cpio_next(arc, arc_len, &off, &e), 1);
    assert_int_equal(e.name_len, 3);
    assert_memory_equal(e.name, "bin", 3);
    assert_int_equal(e.mode, 040755);
    assert_int_equal(e.size, 0);
    assert_int_equal(cpio_next(arc, arc_len, &off, &e), 1);
    assert_memory_equal(e.name, "bin/hello", 9);
    assert_int_equal(e.size, 12);
    assert_memory_equal(e.data, "hello world\n", 12);
    assert_int_equal(e.mtime, 1234);
    assert_int_equal(cpio_next(arc, arc_len, &off, &e), 1);
    assert_int_equal(e.mode & 0170000, 0120000);
    assert_memory_equal(e.data, "busybox", 7);
    assert_int_equal(cpio_next(arc, arc_len, &off, &e), 0); /* the trailer */
}

static void every_truncation_is_refused_or_stops(void **s)
{
    build();
    /* Cut the archive at every length: parsing never succeeds past the cut and never reads
     * beyond it (the buffer is exactly len bytes as far as the parser knows). */
    for (uint32_t len = 0; len < arc_len; len++) {
        uint32_t off = 0;
        struct cpio_entry e;
        int r, n = 0;
        while ((r = cpio_next(arc, len, &off, &e)) == 1) {
            assert_true(e.data + e.size <= arc + len);
            assert_true(off <= len);
            n++;
            assert_true(n <= 3);
        }
        assert_true(r == -1 || r == 0);
        if (len < arc_len - 12) /* before the trailer's name is complete */
            assert_int_equal(r, -1);
    }
}

static void corrupt_headers_are_refused(void **s)
{
    struct cpio_entry e;
    uint32_t off;
    build();
    arc[0] = 'X'; /* bad magic */
    off = 0;
    assert_int_equal(cpio_next(arc, arc_len, &off, &e), -1);
    build();
    arc[6 + 8 * 6] = 'g'; /* a non-hex digit in filesize */
    off = 0;
    assert_int_equal(cpio_next(arc, arc_len, &off, &e), -1);
    build();
    memcpy(arc + 6 + 8 * 6, "7FFFFFFF", 8); /* filesize beyond the buffer */
    off = 0;
    assert_int_equal(cpio_next(arc, arc_len, &off, &e), -1);
    build();
    memcpy(arc + 6 + 8 * 11, "FFFFFFFF", 8); /* namesize absurd */
    off = 0;
    assert_int_equal(cpio_next(arc, arc_len, &off, &e), -1);
    build();
    memcpy(arc + 6 + 8 * 11, "00000002", 8); /* name not NUL-terminated where it says */
    off = 0;
    assert_int_equal(cpio_next(arc, arc_len, &off, &e), -1);
    build();
    off = arc_len + 100; /* an offset past the end */
    assert_int_equal(cpio_next(arc, arc_len, &off, &e), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_every_member),
        cmocka_unit_test(every_truncation_is_refused_or_stops),
        cmocka_unit_test(corrupt_headers_are_refused),
    };
    return cmocka_run_group_tests_name("kernel_cpio", tests, NULL, NULL);
}
