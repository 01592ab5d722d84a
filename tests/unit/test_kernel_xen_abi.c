/* Host tests of the pure parts of the kernel's Xen PV backend (kernel/pv/xen/abi.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "pv/xen/abi.h"

static void layout_from_real_xen_boot(void **s)
{
    /* Xen 4.17 dom0 seen on this machine: page tables c01ab000-c01b2000 (7 frames), boot stack
     * c01b2000-c01b3000, region end c0400000. */
    struct xen_boot_layout l;
    xen_boot_layout(0x1ab, 7, 118892, &l);
    assert_int_equal(l.first_free_pfn, 0x1b3);
    assert_int_equal(l.mapped_end_pfn, 0x400); /* 4 MB */
}

static void padding_forces_next_4mb(void **s)
{
    struct xen_boot_layout l;
    /* Stack ends 64 pages before a 4 MB boundary: 512 KB of padding needs the next 4 MB. */
    xen_boot_layout(0x3b0, 15, 100000, &l);
    assert_int_equal(l.first_free_pfn, 0x3c0);
    assert_int_equal(l.mapped_end_pfn, 0x800);
}

static void mapped_end_capped_by_nr_pages(void **s)
{
    struct xen_boot_layout l;
    xen_boot_layout(0x100, 4, 0x200, &l);
    assert_int_equal(l.mapped_end_pfn, 0x200);
}

static void trap_encoding(void **s)
{
    struct trap_info t;
    xen_encode_trap(&t, 14, 0xe019, 0xc0101234u, 0, 1);
    assert_int_equal(t.vector, 14);
    assert_int_equal(t.flags, 4);
    assert_int_equal(t.cs, 0xe019);
    assert_int_equal(t.address, 0xc0101234u);
    xen_encode_trap(&t, 3, 0xe019, 0xc0105678u, 3, 0);
    assert_int_equal(t.flags, 3);
    xen_encode_trap(&t, 0x80, 0xe019, 1, 7, 1); /* dpl is masked to two bits */
    assert_int_equal(t.flags, 4 | 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(layout_from_real_xen_boot),
        cmocka_unit_test(padding_forces_next_4mb),
        cmocka_unit_test(mapped_end_capped_by_nr_pages),
        cmocka_unit_test(trap_encoding),
    };
    return cmocka_run_group_tests_name("kernel_xen_abi", tests, NULL, NULL);
}
