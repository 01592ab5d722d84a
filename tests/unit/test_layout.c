/* Unit tests of hv/core/layout.c: the start-of-day layout (xen.h "Start-of-day memory
 * layout"). The expected numbers are worked out by hand in the comments, from the rules:
 * elements in order, each 4 KB aligned; p2m = nr_pages * 4 bytes; start_info page holds
 * start_info (1112 bytes) + dom0_vga_console_info (40); page tables = 1 L3 + 4 L2 + one L1 per
 * 2 MB slot of [v_start, v_end); one stack page; v_end 4 MB aligned with >= 512 KB padding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include "xen_elf.h"
#include "layout.h"
#include "test_elf_image.h"

static struct start_layout L;
static char why[256];

static struct xen_elf_image image(uint32_t virt_base, uint32_t kstart, uint32_t kend)
{
    struct xen_elf_image img;
    memset(&img, 0, sizeof(img));
    img.virt_base = virt_base;
    img.virt_kstart = kstart;
    img.virt_kend = kend;
    img.hv_start_low = 0xF5800000u;
    img.virt_hypercall = XEN_ELF_UNSET;
    return img;
}

static void test_structure_sizes(void **s)
{
    /* the hand computations below rely on these (32-bit ABI layout) */
    assert_int_equal(sizeof(struct start_info), 1112);
    assert_int_equal(sizeof(struct dom0_vga_console_info), 40);
}

/* Linux-style: VIRT_BASE 0xC0000000, kernel 0xC0100000-0xC0105000, 256 MB (65536 pages).
 *   p2m        0xC0105000 + 65536*4 = 0xC0145000
 *   start_info 0xC0145000 .. +0x480 = 0xC0145480
 *   pt         0xC0146000; region rounds to 0xC0400000 (stack end far below, padding fine)
 *              L1s: [0xC0000000, 0xC0400000) = 2 slots of 2 MB -> 1 + 4 + 2 = 7 frames
 *   pt end     0xC0146000 + 7 pages = 0xC014D000; stack 0xC014D000-0xC014E000
 *   padding    0xC0400000 - 0xC014E000 = 0x2B2000 >= 512 KB: v_end 0xC0400000, 1024 pages */
static void test_linux_style(void **s)
{
    struct xen_elf_image img = image(0xC0000000u, 0xC0100000u, 0xC0105000u);
    assert_int_equal(start_layout_compute(&img, 65536, 0, &L, why, sizeof why), 0);
    assert_string_equal(why, "");
    assert_int_equal(L.v_start, 0xC0000000u);
    assert_int_equal(L.vkern_start, 0xC0100000u);
    assert_int_equal(L.vkern_end, 0xC0105000u);
    assert_int_equal(L.vinitrd_start, 0);
    assert_int_equal(L.vinitrd_end, 0);
    assert_int_equal(L.vphysmap_start, 0xC0105000u);
    assert_int_equal(L.vphysmap_end, 0xC0145000u);
    assert_int_equal(L.vstartinfo_start, 0xC0145000u);
    assert_int_equal(L.vstartinfo_end, 0xC0145480u);
    assert_int_equal(L.vpt_start, 0xC0146000u);
    assert_int_equal(L.nr_pt_frames, 7);
    assert_int_equal(L.vpt_end, 0xC014D000u);
    assert_int_equal(L.vstack_start, 0xC014D000u);
    assert_int_equal(L.vstack_end, 0xC014E000u);
    assert_int_equal(L.v_end, 0xC0400000u);
    assert_int_equal(L.nr_region_pages, 1024);
    assert_int_equal(L.initrd_unmapped, 0);
}

/* XTF-style: VIRT_BASE 0, kernel 0x100000-0x104000, 128 MB (32768 pages), 3000000-byte initrd.
 *   initrd     0x104000 .. 0x104000 + 0x2DC6C0 = 0x3E06C0
 *   p2m        0x3E1000 .. + 0x20000 = 0x401000
 *   start_info 0x401000 .. 0x401480; pt 0x402000
 *   region     [0, 0x800000): 4 L1 slots -> 9 frames; pt end 0x40B000, stack 0x40B000-0x40C000
 *   padding    0x800000 - 0x40C000 = 0x3F4000: v_end 0x800000, 2048 pages */
static void test_xtf_style_with_initrd(void **s)
{
    struct xen_elf_image img = image(0, 0x100000, 0x104000);
    assert_int_equal(start_layout_compute(&img, 32768, 3000000, &L, why, sizeof why), 0);
    assert_int_equal(L.v_start, 0);
    assert_int_equal(L.vinitrd_start, 0x104000);
    assert_int_equal(L.vinitrd_end, 0x3E06C0);
    assert_int_equal(L.vphysmap_start, 0x3E1000);
    assert_int_equal(L.vphysmap_end, 0x401000);
    assert_int_equal(L.vstartinfo_start, 0x401000);
    assert_int_equal(L.vstartinfo_end, 0x401480);
    assert_int_equal(L.vpt_start, 0x402000);
    assert_int_equal(L.nr_pt_frames, 9);
    assert_int_equal(L.vpt_end, 0x40B000);
    assert_int_equal(L.vstack_start, 0x40B000);
    assert_int_equal(L.vstack_end, 0x40C000);
    assert_int_equal(L.v_end, 0x800000);
    assert_int_equal(L.nr_region_pages, 2048);
}

/* Padding rule: kernel ends at 0x380000, 64 MB (16384 pages -> 0x10000 bytes of p2m).
 *   p2m 0x380000-0x390000, start_info 0x390000, pt 0x391000.
 *   With v_end 0x400000 the stack would end at 0x39B000 (9 frames) leaving 0x65000 = 404 KB
 *   < 512 KB, so the region grows by 4 MB to 0x800000 (4 L1 slots -> 1 + 4 + 4 = 9). */
static void test_padding_extends_region(void **s)
{
    struct xen_elf_image img = image(0, 0x100000, 0x380000);
    assert_int_equal(start_layout_compute(&img, 16384, 0, &L, why, sizeof why), 0);
    assert_int_equal(L.vphysmap_end, 0x390000);
    assert_int_equal(L.vpt_start, 0x391000);
    assert_int_equal(L.nr_pt_frames, 9);
    assert_int_equal(L.vstack_end, 0x39B000);
    assert_int_equal(L.v_end, 0x800000);
}

/* VIRT_BASE not 4 MB aligned: [0x200000, 0x400000) touches one 2 MB slot -> 6 frames.
 *   kernel 0x200000-0x300000, 1024 pages: p2m 0x300000-0x301000, start_info 0x301000,
 *   pt 0x302000-0x308000, stack 0x308000-0x309000, v_end 0x400000 (padding 0xF7000). */
static void test_unaligned_virt_base(void **s)
{
    struct xen_elf_image img = image(0x200000, 0x200000, 0x300000);
    assert_int_equal(start_layout_compute(&img, 1024, 0, &L, why, sizeof why), 0);
    assert_int_equal(L.nr_pt_frames, 6);
    assert_int_equal(L.vpt_end, 0x308000);
    assert_int_equal(L.vstack_end, 0x309000);
    assert_int_equal(L.v_end, 0x400000);
    assert_int_equal(L.nr_region_pages, 512);
}

/* A big domain: 1 GB = 262144 pages -> 1 MB of p2m; the region crosses a 4 MB boundary and
 * the number of L1s depends on where the page tables end (the fixed point).
 *   kernel 0xC0100000-0xC0300000; p2m 0xC0300000-0xC0400000; start_info 0xC0400000;
 *   pt 0xC0401000; v_end 0xC0800000 -> 4 slots -> 9 frames; stack end 0xC040B000. */
static void test_large_p2m(void **s)
{
    struct xen_elf_image img = image(0xC0000000u, 0xC0100000u, 0xC0300000u);
    assert_int_equal(start_layout_compute(&img, 262144, 0, &L, why, sizeof why), 0);
    assert_int_equal(L.vphysmap_end, 0xC0400000u);
    assert_int_equal(L.vpt_start, 0xC0401000u);
    assert_int_equal(L.nr_pt_frames, 9);
    assert_int_equal(L.vstack_end, 0xC040B000u);
    assert_int_equal(L.v_end, 0xC0800000u);
}

static void test_unmapped_initrd(void **s)
{
    struct xen_elf_image img = image(0xC0000000u, 0xC0100000u, 0xC0105000u);
    img.mod_start_pfn = 1;
    assert_int_equal(start_layout_compute(&img, 65536, 0x100000, &L, why, sizeof why), 0);
    assert_int_equal(L.initrd_unmapped, 1);
    assert_int_equal(L.vinitrd_start, 0);
    assert_int_equal(L.vphysmap_start, 0xC0105000u);
    /* region 1024 pages + 256 initrd pages must fit: 1279 does not */
    assert_int_equal(start_layout_compute(&img, 1279, 0x100000, &L, why, sizeof why), -XEN_ENOMEM);
    assert_string_equal(why, "start-of-day region 0xc0000000-0xc0400000 needs 1280 pages (with "
                        "the unmapped initrd) but the domain has only 1279");
}

static void test_reaches_hypervisor(void **s)
{
    /* kernel ends at 0xF5780000: stack ends near 0xF57CD000, < 512 KB before 0xF5800000, so the
     * region would extend to 0xF5C00000 */
    struct xen_elf_image img = image(0xF5000000u, 0xF5000000u, 0xF5780000u);
    assert_int_equal(start_layout_compute(&img, 65536, 0, &L, why, sizeof why), -XEN_EINVAL);
    assert_string_equal(why, "start-of-day region 0xf5000000-0xf5c00000 reaches the hypervisor "
                        "area at 0xf5800000");
    /* ending at 0xF5700000 leaves enough padding below the hole: accepted, v_end = hole */
    img = image(0xF5000000u, 0xF5000000u, 0xF5700000u);
    assert_int_equal(start_layout_compute(&img, 65536, 0, &L, why, sizeof why), 0);
    assert_int_equal(L.v_end, 0xF5800000u);
    /* a p2m so large the region would pass 4 GB: refused, never wrapped */
    img = image(0xC0000000u, 0xC0100000u, 0xC0105000u);
    assert_int_equal(start_layout_compute(&img, 0xFFFFFFFFu, 0, &L, why, sizeof why),
                     -XEN_EINVAL);
    assert_string_equal(why, "start-of-day region 0xc0000000-0x4c0400000 reaches the hypervisor "
                        "area at 0xf5800000");
    img = image(0, 0x100000, 0x104000);
    assert_int_equal(start_layout_compute(&img, 1000, 0xFFFFFFFFu, &L, why, sizeof why),
                     -XEN_EINVAL);
    assert_string_equal(why, "start-of-day region 0x0-0x100400000 reaches the hypervisor "
                        "area at 0xf5800000");
}

static void test_not_enough_pages(void **s)
{
    struct xen_elf_image img = image(0xC0000000u, 0xC0100000u, 0xC0105000u);
    assert_int_equal(start_layout_compute(&img, 512, 0, &L, why, sizeof why), -XEN_ENOMEM);
    assert_string_equal(why, "start-of-day region 0xc0000000-0xc0400000 needs 1024 pages but "
                        "the domain has only 512");
    assert_int_equal(start_layout_compute(&img, 0, 0, &L, why, sizeof why), -XEN_EINVAL);
    assert_string_equal(why, "domain has no memory (nr_pages 0)");
    assert_int_equal(start_layout_compute(&img, 1024, 0, &L, why, sizeof why), 0);
}

static void test_kernel_below_base(void **s)
{
    struct xen_elf_image img = image(0xC0200000u, 0xC0100000u, 0xC0105000u);
    assert_int_equal(start_layout_compute(&img, 65536, 0, &L, why, sizeof why), -XEN_EINVAL);
    assert_string_equal(why, "kernel 0xc0100000-0xc0105000 does not start at or above VIRT_BASE "
                        "0xc0200000");
}

/* Real Xen 4.17.5 booting build/tests/guests/hello.elf as dom0 with 119916 pages printed
 *   Loaded kernel: c0100000->c0102378   Phys-Mach map: c0103000->c01781b0
 *   Start info:    c0179000->c01794b8   Page tables:   c017a000->c0181000
 *   Boot stack:    c0181000->c0182000   TOTAL:         c0000000->c0400000
 * (its start_info end uses the 64-bit structure sizes, 1208 bytes; a 32-bit guest's is 1152).
 * hello-low.elf (VIRT_BASE 0, kernel 0x10000-0x1232c): p2m 13000->881b0, start info 89000,
 * page tables 8a000->91000, stack 91000->92000, total 0->400000. */
static void test_matches_real_xen(void **s)
{
    struct xen_elf_image img = image(0xC0000000u, 0xC0100000u, 0xC0103000u);
    assert_int_equal(start_layout_compute(&img, 119916, 0, &L, why, sizeof why), 0);
    assert_int_equal(L.vphysmap_start, 0xC0103000u);
    assert_int_equal(L.vphysmap_end, 0xC01781B0u);
    assert_int_equal(L.vstartinfo_start, 0xC0179000u);
    assert_int_equal(L.vpt_start, 0xC017A000u);
    assert_int_equal(L.vpt_end, 0xC0181000u);
    assert_int_equal(L.vstack_start, 0xC0181000u);
    assert_int_equal(L.vstack_end, 0xC0182000u);
    assert_int_equal(L.v_start, 0xC0000000u);
    assert_int_equal(L.v_end, 0xC0400000u);
    img = image(0, 0x10000, 0x13000);
    assert_int_equal(start_layout_compute(&img, 119916, 0, &L, why, sizeof why), 0);
    assert_int_equal(L.vphysmap_start, 0x13000);
    assert_int_equal(L.vphysmap_end, 0x881B0);
    assert_int_equal(L.vstartinfo_start, 0x89000);
    assert_int_equal(L.vpt_start, 0x8A000);
    assert_int_equal(L.vpt_end, 0x91000);
    assert_int_equal(L.vstack_end, 0x92000);
    assert_int_equal(L.v_end, 0x400000);
}

/* End to end: the parser's output for the standard Linux-style test image feeds the layout. */
static void test_parse_then_layout(void **s)
{
    static struct test_image t;
    struct xen_elf_image img;
    ti_linux(&t);
    ti_build(&t);
    assert_int_equal(xen_elf_parse(t.b, t.len, &img, why, sizeof why), 0);
    assert_int_equal(start_layout_compute(&img, 65536, 0, &L, why, sizeof why), 0);
    assert_int_equal(L.v_start, 0xC0000000u);
    assert_int_equal(L.vkern_end, 0xC0105000u);
    assert_int_equal(L.nr_pt_frames, 7);
    assert_int_equal(L.v_end, 0xC0400000u);
}

/* Invariants over a sweep of sizes: order, alignment, padding and the page-table count. */
static void test_invariants_sweep(void **s)
{
    for (uint32_t kend = 0x101000; kend < 0x1800000; kend += 0x3F000)
        for (uint32_t pages = 2048; pages < 300000; pages = pages * 3 / 2 + 7)
            for (uint32_t initrd = 0; initrd < 0x900000; initrd += 0x2FF001) {
                struct xen_elf_image img = image(0, 0x100000, kend);
                int r = start_layout_compute(&img, pages, initrd, &L, why, sizeof why);
                if (r) {
                    assert_int_equal(r, -XEN_ENOMEM);
                    continue;
                }
                assert_true(L.vkern_end <= (L.vinitrd_start ? L.vinitrd_start : L.vphysmap_start));
                assert_true(L.vphysmap_start % 4096 == 0 && L.vstartinfo_start % 4096 == 0);
                assert_true(L.vpt_start % 4096 == 0 && L.vstack_start % 4096 == 0);
                assert_true(L.vphysmap_end - L.vphysmap_start == pages * 4);
                assert_true(L.vstartinfo_start >= L.vphysmap_end);
                assert_true(L.vpt_start >= L.vstartinfo_end);
                assert_true(L.vpt_end - L.vpt_start == L.nr_pt_frames * 4096);
                assert_true(L.vstack_start == L.vpt_end && L.vstack_end == L.vpt_end + 4096);
                assert_true(L.v_end % (4u << 20) == 0);
                assert_true(L.v_end - L.vstack_end >= (512u << 10));
                uint32_t l1s = (L.v_end - (L.v_start & ~0x1FFFFFu) + 0x1FFFFF) >> 21;
                assert_int_equal(L.nr_pt_frames, 1 + 4 + l1s);
                assert_true(L.nr_region_pages <= pages);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_structure_sizes),
        cmocka_unit_test(test_linux_style),
        cmocka_unit_test(test_xtf_style_with_initrd),
        cmocka_unit_test(test_padding_extends_region),
        cmocka_unit_test(test_unaligned_virt_base),
        cmocka_unit_test(test_large_p2m),
        cmocka_unit_test(test_unmapped_initrd),
        cmocka_unit_test(test_reaches_hypervisor),
        cmocka_unit_test(test_not_enough_pages),
        cmocka_unit_test(test_kernel_below_base),
        cmocka_unit_test(test_matches_real_xen),
        cmocka_unit_test(test_parse_then_layout),
        cmocka_unit_test(test_invariants_sweep),
    };
    return cmocka_run_group_tests_name("hv_layout", tests, NULL, NULL);
}
