/* Unit tests of hv/core/elf.c: the ELF32 / Xen-notes parser of the domain builder.
 * Good images in the three styles a third-party guest uses (Linux notes, XTF section notes,
 * legacy __xen_guest), then one malformed variant per rule, each asserting its own message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>
#include <xen/xen.h>
#include <xen/elfnote.h>
#include <xen/errno.h>
#include "xen_elf.h"
#include "test_elf_image.h"

static struct test_image T;
static struct xen_elf_image I;
static char why[256];

static int parse(void)
{
    memset(why, 'x', sizeof(why) - 1);
    why[sizeof(why) - 1] = 0;
    return xen_elf_parse(T.b, T.len, &I, why, sizeof(why));
}

#define EXPECT_OK() do { int r_ = parse(); assert_string_equal(why, ""); assert_int_equal(r_, 0); } while (0)
#define EXPECT_FAIL(rc, msg)                                                   \
    do {                                                                       \
        int r_ = parse();                                                      \
        assert_string_equal(why, msg);                                         \
        assert_int_equal(r_, rc);                                              \
    } while (0)

/* ---------------------------------------------------------------- good images */

static void test_linux_style(void **s)
{
    ti_linux(&T);
    ti_build(&T);
    EXPECT_OK();
    assert_int_equal(I.nseg, 2);
    assert_int_equal(I.seg[0].vaddr, 0xC0100000u);
    assert_int_equal(I.seg[0].offset, T.seg_off[0]);
    assert_int_equal(I.seg[0].filesz, 0x2000);
    assert_int_equal(I.seg[0].memsz, 0x2000);
    assert_int_equal(I.seg[0].flags, 5);
    assert_int_equal(I.seg[1].vaddr, 0xC0102000u);
    assert_int_equal(I.seg[1].filesz, 0x800);
    assert_int_equal(I.seg[1].memsz, 0x3000);
    assert_int_equal(I.virt_base, 0xC0000000u);
    assert_int_equal(I.paddr_offset, 0);
    assert_int_equal(I.virt_offset, 0xC0000000u);
    assert_int_equal(I.virt_kstart, 0xC0100000u);
    assert_int_equal(I.virt_kend, 0xC0105000u);
    assert_int_equal(I.virt_entry, 0xC0100000u);
    assert_int_equal(I.virt_hypercall, 0xC0101000u);
    assert_int_equal(I.hv_start_low, 0xF5800000u);
    assert_int_equal(I.guest_hv_start_low, XEN_ELF_UNSET);
    assert_string_equal(I.guest_os, "linux");
    assert_string_equal(I.guest_version, "2.6");
    assert_string_equal(I.xen_version, "xen-3.0");
    assert_string_equal(I.loader, "generic");
    assert_string_equal(I.pae_mode, "yes");
    assert_int_equal(I.pae_extended_cr3, 1);
    assert_int_equal(I.pae_bimodal, 0);
    assert_int_equal(I.from_legacy_section, 0);
    assert_int_equal(I.features_supported[0],
                     (1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_pae_pgdir_above_4gb));
    assert_int_equal(I.features_required[0], 1u << XENFEAT_writable_page_tables);
}

static void test_xtf_style_section_notes(void **s)
{
    ti_xtf(&T);
    ti_build(&T);
    EXPECT_OK();
    assert_int_equal(I.virt_base, 0);
    assert_int_equal(I.paddr_offset, 0);
    assert_int_equal(I.nseg, 1);
    assert_int_equal(I.seg[0].vaddr, 0x100000);
    assert_int_equal(I.virt_kstart, 0x100000);
    assert_int_equal(I.virt_kend, 0x105000);
    assert_int_equal(I.virt_entry, 0x100000);   /* no ENTRY note: e_entry */
    assert_int_equal(I.virt_hypercall, 0x101000);
    assert_string_equal(I.guest_os, "XTF");
}

static void test_legacy_section(void **s)
{
    ti_legacy(&T);
    ti_build(&T);
    EXPECT_OK();
    assert_int_equal(I.from_legacy_section, 1);
    assert_int_equal(I.virt_base, 0xC0000000u);
    assert_int_equal(I.paddr_offset, 0xC0000000u);
    assert_int_equal(I.seg[0].vaddr, 0xC0100000u);
    assert_int_equal(I.virt_hypercall, 0xC0101000u);  /* page 0x101 above VIRT_BASE */
    assert_int_equal(I.pae_extended_cr3, 1);
    assert_string_equal(I.pae_mode, "yes[extended-cr3]");
    assert_string_equal(I.guest_version, "2.6");
    assert_int_equal(I.features_required[0], 0);
    assert_int_equal(I.features_supported[0],
                     (1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_pae_pgdir_above_4gb));
}

static void test_legacy_paddr_offset_defaults_to_virt_base(void **s)
{
    ti_legacy(&T);
    T.legacy = "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,PAE=yes,LOADER=generic";
    ti_build(&T);
    EXPECT_OK();
    assert_int_equal(I.paddr_offset, 0xC0000000u);
    assert_int_equal(I.seg[0].vaddr, 0xC0100000u);
    assert_int_equal(I.pae_extended_cr3, 0);     /* plain legacy "yes": no extended-cr3 */
    assert_int_equal(I.virt_hypercall, XEN_ELF_UNSET);
}

static void test_legacy_virt_entry_and_octal_decimal(void **s)
{
    ti_legacy(&T);
    T.legacy = "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=3221225472,VIRT_ENTRY=030004000000,"
               "PAE=yes,HYPERCALL_PAGE=257";
    ti_build(&T);
    EXPECT_OK();
    assert_int_equal(I.virt_base, 0xC0000000u);
    assert_int_equal(I.virt_entry, 0xC0100000u);
    assert_int_equal(I.virt_hypercall, 0xC0101000u);
}

static void test_notes_with_paddr_offset(void **s)
{
    /* an old notes-era kernel: ELF paddr = vaddr, PADDR_OFFSET = VIRT_BASE */
    ti_init(&T);
    T.e_entry = 0xC0100000u;
    ti_seg(&T, 0xC0100000u, 0xC0100000u, 0x1000, 0x2000, 7);
    ti_linux_notes(&T, 1u << XEN_ELFNOTE_PADDR_OFFSET, "yes");
    ti_note_num(&T, XEN_ELFNOTE_PADDR_OFFSET, 0xC0000000u);
    ti_build(&T);
    EXPECT_OK();
    assert_int_equal(I.virt_offset, 0);
    assert_int_equal(I.seg[0].vaddr, 0xC0100000u);
}

static void test_pae_bimodal_forms(void **s)
{
    const char *forms[] = { "bimodal", "yes,bimodal" };
    for (int i = 0; i < 2; i++) {
        ti_init(&T);
        T.e_entry = 0xC0100000u;
        ti_seg(&T, 0x100000, 0xC0100000u, 0x2000, 0x2000, 5);
        ti_linux_notes(&T, 0, forms[i]);
        ti_build(&T);
        EXPECT_OK();
        assert_int_equal(I.pae_bimodal, 1);
        assert_int_equal(I.pae_extended_cr3, 1);
    }
}

static void test_numeric_note_widths(void **s)
{
    uint8_t one = 0, two[2] = {0, 0};
    ti_init(&T);
    T.e_entry = 0xC0100000u;
    ti_seg(&T, 0x100000, 0xC0100000u, 0x2000, 0x2000, 5);
    ti_linux_notes(&T, (1u << XEN_ELFNOTE_VIRT_BASE) | (1u << XEN_ELFNOTE_ENTRY) |
                   (1u << XEN_ELFNOTE_PADDR_OFFSET) | (1u << XEN_ELFNOTE_HYPERCALL_PAGE), "yes");
    ti_note_num64(&T, XEN_ELFNOTE_VIRT_BASE, 0xC0000000ull);
    ti_note_num64(&T, XEN_ELFNOTE_ENTRY, 0xC0100010ull);
    ti_note_raw(&T, "Xen", 4, XEN_ELFNOTE_PADDR_OFFSET, &one, 1);
    ti_note_raw(&T, "Xen", 4, XEN_ELFNOTE_HV_START_LOW, two, 0);  /* descsz 0: refused below */
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "note HV_START_LOW has a 0-byte value (expected 1, 2, 4 or 8)");

    ti_init(&T);
    T.e_entry = 0xC0100000u;
    ti_seg(&T, 0x100000, 0xC0100000u, 0x2000, 0x2000, 5);
    ti_linux_notes(&T, (1u << XEN_ELFNOTE_VIRT_BASE) | (1u << XEN_ELFNOTE_ENTRY) |
                   (1u << XEN_ELFNOTE_PADDR_OFFSET), "yes");
    ti_note_num64(&T, XEN_ELFNOTE_VIRT_BASE, 0xC0000000ull);
    ti_note_num64(&T, XEN_ELFNOTE_ENTRY, 0xC0100010ull);
    ti_note_raw(&T, "Xen", 4, XEN_ELFNOTE_PADDR_OFFSET, &one, 1);
    ti_note_raw(&T, "Xen", 4, XEN_ELFNOTE_MOD_START_PFN, two, 2);
    ti_build(&T);
    EXPECT_OK();
    assert_int_equal(I.virt_base, 0xC0000000u);
    assert_int_equal(I.virt_entry, 0xC0100010u);
    assert_int_equal(I.paddr_offset, 0);
}

static void test_foreign_and_unknown_notes_ignored(void **s)
{
    uint8_t id[20] = {1, 2, 3};
    ti_init(&T);
    T.e_entry = 0xC0100000u;
    ti_seg(&T, 0x100000, 0xC0100000u, 0x2000, 0x2000, 5);
    ti_note_raw(&T, "GNU", 4, 3 /* NT_GNU_BUILD_ID */, id, sizeof(id));
    ti_note_raw(&T, "Xen", 4, 200, id, 3);                      /* unknown type */
    ti_note_raw(&T, "Xen", 4, XEN_ELFNOTE_L1_MFN_VALID, id, 16);  /* known, unused */
    ti_note_raw(&T, "Xenon", 6, XEN_ELFNOTE_PAE_MODE, "no", 3);  /* not the Xen namespace */
    ti_linux_notes(&T, 0, "yes");
    ti_build(&T);
    EXPECT_OK();
    assert_string_equal(I.pae_mode, "yes");
}

static void test_pt_note_without_xen_notes_falls_back_to_sections(void **s)
{
    uint8_t id[8] = {0};
    ti_xtf(&T);
    /* a PT_NOTE segment holding only a GNU note, and the Xen notes in an SHT_NOTE section
     * elsewhere: emulate by putting everything in both places but corrupting the PT_NOTE's
     * Xen names afterwards */
    T.notes_where = NOTES_IN_SEGMENT | NOTES_IN_SECTION;
    ti_build(&T);
    EXPECT_OK();
    (void)id;
    /* point the PT_NOTE at an area with a non-Xen note only: its first 20 bytes are the
     * GUEST_OS note; rename it and shrink the segment to that note */
    memcpy(T.b + T.note_off + 12, "Nex", 3);
    ti_put32(&T, T.phoff + T.note_phdr * 32 + 16, 20);
    EXPECT_OK();
    /* the segment held only the (renamed) first note, so everything came from the section,
     * which shares the blob: GUEST_OS is gone there too, the rest is present */
    assert_string_equal(I.guest_os, "");
    assert_string_equal(I.loader, "generic");
    assert_int_equal(I.virt_hypercall, 0x101000);
}

static void test_supported_features_note(void **s)
{
    ti_linux(&T);
    ti_note_num(&T, XEN_ELFNOTE_SUPPORTED_FEATURES, (1u << XENFEAT_dom0) | (1u << 7));
    ti_build(&T);
    EXPECT_OK();
    assert_true(I.features_supported[0] & (1u << XENFEAT_dom0));
    assert_true(I.features_supported[0] & (1u << 7));
    assert_true(I.features_supported[0] & (1u << XENFEAT_pae_pgdir_above_4gb));
}

static void test_unknown_optional_feature_and_empty_items(void **s)
{
    ti_linux(&T);
    T.notes_len = 0;
    ti_linux_notes(&T, 1u << XEN_ELFNOTE_FEATURES, "yes");
    ti_note_str(&T, XEN_ELFNOTE_FEATURES, "|frobnicate||!pae_pgdir_above_4gb|!dom0|");
    ti_build(&T);
    EXPECT_OK();
    assert_int_equal(I.features_required[0],
                     (1u << XENFEAT_pae_pgdir_above_4gb) | (1u << XENFEAT_dom0));
}

static void test_string_note_terminated_in_padding(void **s)
{
    /* Linux emits some FEATURES with .ascii: descsz excludes the NUL that the padding adds */
    ti_linux(&T);
    T.notes_len = 0;
    ti_linux_notes(&T, 1u << XEN_ELFNOTE_FEATURES, "yes");
    ti_note_raw(&T, "Xen", 4, XEN_ELFNOTE_FEATURES, "!writable_page_tables", 21);
    ti_build(&T);
    EXPECT_OK();
    assert_int_equal(I.features_required[0], 1u << XENFEAT_writable_page_tables);
}

static void test_long_strings_truncated(void **s)
{
    ti_linux(&T);
    T.notes_len = 0;
    ti_linux_notes(&T, 1u << XEN_ELFNOTE_GUEST_VERSION, "yes");
    ti_note_str(&T, XEN_ELFNOTE_GUEST_VERSION, "0123456789012345678901234567890123456789");
    ti_build(&T);
    EXPECT_OK();
    assert_string_equal(I.guest_version, "0123456789012345678901234567890");
}

static void test_hv_start_low_accepted(void **s)
{
    ti_linux(&T);
    ti_note_num(&T, XEN_ELFNOTE_HV_START_LOW, 0xF5800000u);
    ti_build(&T);
    EXPECT_OK();
    assert_int_equal(I.guest_hv_start_low, 0xF5800000u);
    assert_int_equal(I.hv_start_low, 0xF5800000u);
}

static void test_ignored_segments_and_sorting(void **s)
{
    ti_init(&T);
    T.e_entry = 0xC0100000u;
    ti_seg(&T, 0x104000, 0xC0104000u, 0x100, 0x1000, 6);
    ti_seg(&T, 0x200000, 0xC0200000u, 0, 0, 6);          /* memsz 0: occupies nothing */
    ti_seg(&T, 0x100000, 0xC0100000u, 0x100, 0x1000, 0); /* no access flags: not loaded */
    ti_seg(&T, 0x100000, 0xC0100000u, 0x100, 0x1000, 5);
    ti_linux_notes(&T, 1u << XEN_ELFNOTE_HYPERCALL_PAGE, "yes");
    ti_build(&T);
    EXPECT_OK();
    assert_int_equal(I.nseg, 2);
    assert_int_equal(I.seg[0].vaddr, 0xC0100000u);
    assert_int_equal(I.seg[1].vaddr, 0xC0104000u);
    assert_int_equal(I.virt_kend, 0xC0105000u);
}

static void test_segment_touching_hole_ok(void **s)
{
    ti_init(&T);
    T.e_entry = 0xF5000000u;
    ti_seg(&T, 0x35000000u, 0xF5000000u, 0x100, 0x800000, 7);
    ti_linux_notes(&T, (1u << XEN_ELFNOTE_ENTRY) | (1u << XEN_ELFNOTE_HYPERCALL_PAGE), "yes");
    ti_build(&T);
    EXPECT_OK();
    assert_int_equal(I.virt_kend, 0xF5800000u);
}

/* ---------------------------------------------------------------- malformed headers */

static void test_not_elf(void **s)
{
    memset(T.b, 0x41, 100);
    T.len = 100;
    EXPECT_FAIL(-XEN_EINVAL, "not an ELF file");
    T.len = 0;
    EXPECT_FAIL(-XEN_EINVAL, "not an ELF file");
    assert_int_equal(xen_elf_parse(NULL, 1000, &I, why, sizeof why), -XEN_EINVAL);
    assert_string_equal(why, "not an ELF file");
}

static void test_truncated(void **s)
{
    ti_linux(&T);
    ti_build(&T);
    T.len = 20;
    EXPECT_FAIL(-XEN_EINVAL, "image truncated: 20 bytes, shorter than the ELF header");
    T.len = 10;
    EXPECT_FAIL(-XEN_EINVAL, "image truncated: 10 bytes, shorter than the ELF header");
    T.len = 60;
    EXPECT_FAIL(-XEN_EINVAL, "section header table runs past the end of the image");
    ti_linux(&T);
    T.no_sections = 1;
    ti_build(&T);
    T.len = 60;
    EXPECT_FAIL(-XEN_EINVAL, "program header table runs past the end of the image");
}

static void test_elf64(void **s)
{
    ti_linux(&T);
    ti_build(&T);
    T.b[4] = 2;
    EXPECT_FAIL(-XEN_ENOEXEC, "ELF64 image: Moat runs 32-bit guests only");
    T.b[4] = 7;
    EXPECT_FAIL(-XEN_EINVAL, "unknown ELF class 7");
}

static void test_bad_ident_and_header(void **s)
{
    ti_linux(&T);
    ti_build(&T);
    T.b[5] = 2;
    EXPECT_FAIL(-XEN_ENOEXEC, "ELF data encoding 2 is not little-endian");
    T.b[5] = 1;
    T.b[6] = 2;
    EXPECT_FAIL(-XEN_EINVAL, "unsupported ELF version 2");
    T.b[6] = 1;
    ti_put32(&T, 20, 5);
    EXPECT_FAIL(-XEN_EINVAL, "unsupported ELF version 5");
    ti_put32(&T, 20, 1);
    ti_put16(&T, 18, 62);
    EXPECT_FAIL(-XEN_ENOEXEC, "ELF machine 62 is not i386 (3)");
    ti_put16(&T, 18, 3);
    ti_put16(&T, 16, 3);
    EXPECT_FAIL(-XEN_ENOEXEC, "ELF type 3 is not an executable (ET_EXEC)");
    ti_put16(&T, 16, 2);
    ti_put16(&T, 40, 40);
    EXPECT_FAIL(-XEN_EINVAL, "ELF header size 40 is smaller than 52");
    ti_put16(&T, 40, 52);
    EXPECT_OK();
}

static void test_bad_program_header_table(void **s)
{
    ti_linux(&T);
    ti_build(&T);
    ti_put16(&T, 42, 56);
    EXPECT_FAIL(-XEN_EINVAL, "program header entry size 56, expected 32");
    ti_put16(&T, 42, 32);
    ti_put16(&T, 44, 0);
    EXPECT_FAIL(-XEN_EINVAL, "no program headers");
    ti_put16(&T, 44, 0xffff);
    EXPECT_FAIL(-XEN_EINVAL, "extended program header numbering is not supported");
    ti_put16(&T, 44, 3);
    ti_put32(&T, 28, T.len - 64);
    EXPECT_FAIL(-XEN_EINVAL, "program header table runs past the end of the image");
    ti_put32(&T, 28, 0xFFFFFFF0u);  /* offset + size would wrap in 32 bits */
    EXPECT_FAIL(-XEN_EINVAL, "program header table runs past the end of the image");
}

static void test_bad_section_header_table(void **s)
{
    ti_linux(&T);
    ti_build(&T);
    ti_put16(&T, 46, 20);
    EXPECT_FAIL(-XEN_EINVAL, "section header entry size 20, expected 40");
    ti_put16(&T, 46, 40);
    ti_put16(&T, 48, 200);
    EXPECT_FAIL(-XEN_EINVAL, "section header table runs past the end of the image");
    ti_put16(&T, 48, 0);  /* no section headers at all is fine */
    EXPECT_OK();
}

/* ---------------------------------------------------------------- segments */

static void test_filesz_larger_than_memsz(void **s)
{
    ti_linux(&T);
    T.seg[1].memsz = 0x400;
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "segment 1 file size 0x800 is larger than its memory size 0x400");
}

static void test_segment_data_past_end(void **s)
{
    ti_linux(&T);
    ti_build(&T);
    ti_put32(&T, T.phoff + 1 * 32 + 4, T.len - 0x100);
    EXPECT_FAIL(-XEN_EINVAL, "segment 1 file data runs past the end of the image");
    ti_put32(&T, T.phoff + 1 * 32 + 4, 0xFFFFFF00u);
    EXPECT_FAIL(-XEN_EINVAL, "segment 1 file data runs past the end of the image");
    /* the same image cut short */
    ti_linux(&T);
    ti_build(&T);
    T.len = T.seg_off[1] + 0x10;
    ti_put32(&T, 32, 0);   /* drop section headers, which now lie past the end */
    EXPECT_FAIL(-XEN_EINVAL, "segment 1 file data runs past the end of the image");
}

static void test_segment_wraps(void **s)
{
    ti_linux(&T);
    T.seg[1].paddr = 0xFFFFF000u;
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "segment 1 wraps around the end of the address space");
}

static void test_segment_relocated_out_of_range(void **s)
{
    ti_linux(&T);
    T.seg[1].paddr = 0x50000000u;  /* + VIRT_BASE 0xC0000000 passes 4 GB */
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "segment 1 lands outside the 32-bit address space (paddr "
                "0x50000000 + VIRT_BASE 0xc0000000 - PADDR_OFFSET 0x0)");
}

static void test_too_many_and_no_segments(void **s)
{
    ti_linux(&T);
    T.nseg = 0;
    for (uint32_t i = 0; i < 17; i++)
        ti_seg(&T, 0x100000 + i * 0x1000, 0, 0x10, 0x1000, 5);
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "more than 16 loadable segments");
    ti_linux(&T);
    T.seg[0].flags = 0;
    T.seg[1].type = 6;  /* PT_PHDR */
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "no loadable segments");
}

static void test_overlapping_segments(void **s)
{
    ti_linux(&T);
    ti_seg(&T, 0x104000, 0xC0104000u, 0x10, 0x1000, 6);  /* segment 2 inside segment 1 */
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "segments 1 and 2 overlap");
    ti_linux(&T);
    T.seg[1].paddr = 0x101FFF;  /* one byte into segment 0 */
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "segments 0 and 1 overlap");
}

static void test_segment_into_hypervisor_area(void **s)
{
    ti_linux(&T);
    ti_seg(&T, 0x35700000u, 0xF5700000u, 0x10, 0x100001, 6);
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "image reaches the hypervisor area at 0xf5800000 (segment 2 ends "
                "at 0xf5800001)");
    ti_linux(&T);
    T.seg[1].paddr = 0x3F000000u;   /* 0xFF000000 */
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "image reaches the hypervisor area at 0xf5800000 (segment 1 ends "
                "at 0xff003000)");
}

/* ---------------------------------------------------------------- notes */

static void test_note_runs_past_section(void **s)
{
    ti_linux(&T);
    ti_build(&T);
    ti_put32(&T, T.note_off + 4, 0x10000);  /* first note's descsz */
    EXPECT_FAIL(-XEN_EINVAL, "note 0 in segment 2 runs past the end of its section (namesz 4, "
                "descsz 65536, 252 bytes left)");
    ti_put32(&T, T.note_off + 4, 6);
    ti_put32(&T, T.note_off, 0xFFFFFFFFu);  /* namesz that would wrap */
    EXPECT_FAIL(-XEN_EINVAL, "note 0 in segment 2 runs past the end of its section (namesz "
                "4294967295, descsz 6, 252 bytes left)");
}

static void test_note_header_cut_off(void **s)
{
    ti_linux(&T);
    ti_build(&T);
    /* shrink the PT_NOTE by 4 bytes from a note boundary + 8: the last note loses its type */
    uint32_t p = T.phoff + T.note_phdr * 32;
    ti_put32(&T, p + 16, T.notes_len - 12);   /* last note LOADER is 12+4+8 = 24 bytes */
    EXPECT_FAIL(-XEN_EINVAL, "note 9 in segment 2 runs past the end of its section (namesz 4, "
                "descsz 8, 12 bytes left)");
    ti_put32(&T, p + 16, T.notes_len - 16);
    EXPECT_FAIL(-XEN_EINVAL, "note 9 in segment 2 runs past the end of its section (8 bytes "
                "left, a note header needs 12)");
}

static void test_note_trailing_zero_padding_ok(void **s)
{
    ti_linux(&T);
    uint8_t z[8] = {0};
    memcpy(T.notes + T.notes_len, z, 8);
    T.notes_len += 8;
    ti_build(&T);
    EXPECT_OK();
}

static void test_note_segment_past_end(void **s)
{
    ti_linux(&T);
    ti_build(&T);
    uint32_t p = T.phoff + T.note_phdr * 32;
    ti_put32(&T, p + 16, T.len);
    EXPECT_FAIL(-XEN_EINVAL, "note segment 2 runs past the end of the image");
    ti_put32(&T, p + 4, 0);  /* p_offset 0: skipped like Xen, then no notes anywhere */
    EXPECT_FAIL(-XEN_EINVAL, "no Xen notes and no __xen_guest section");
}

static void test_note_section_past_end(void **s)
{
    ti_xtf(&T);
    ti_build(&T);
    ti_put32(&T, T.shoff + T.note_shdr * 40 + 20, 0x7FFFFFFFu);
    EXPECT_FAIL(-XEN_EINVAL, "section 1 runs past the end of the image");
}

static void test_bad_numeric_notes(void **s)
{
    uint8_t three[3] = {0};
    ti_linux(&T);
    ti_note_raw(&T, "Xen", 4, XEN_ELFNOTE_HV_START_LOW, three, 3);
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "note HV_START_LOW has a 3-byte value (expected 1, 2, 4 or 8)");
    ti_linux(&T);
    ti_note_num64(&T, XEN_ELFNOTE_ENTRY, 0x1C0100000ull);
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "note ENTRY value 0x1c0100000 does not fit in 32 bits");
    ti_linux(&T);
    ti_note_raw(&T, "Xen", 4, XEN_ELFNOTE_SUPPORTED_FEATURES, three, 2);
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "note SUPPORTED_FEATURES has 2 bytes (expected a multiple of 4)");
}

static void test_no_notes(void **s)
{
    ti_linux(&T);
    T.notes_where = NOTES_NONE;
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "no Xen notes and no __xen_guest section");
    ti_linux(&T);
    T.notes_where = NOTES_NONE;
    T.no_sections = 1;
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "no Xen notes and no __xen_guest section");
}

static void test_loader_and_version_checks(void **s)
{
    ti_linux(&T);
    T.notes_len = 0;
    ti_linux_notes(&T, (1u << XEN_ELFNOTE_GUEST_OS) | (1u << XEN_ELFNOTE_LOADER), "yes");
    ti_note_str(&T, XEN_ELFNOTE_GUEST_OS, "Plan9");
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "guest is neither LOADER \"generic\" nor GUEST_OS \"linux\" "
                "(LOADER \"\", GUEST_OS \"Plan9\")");
    ti_linux(&T);
    T.notes_len = 0;
    ti_linux_notes(&T, 1u << XEN_ELFNOTE_XEN_VERSION, "yes");
    ti_note_str(&T, XEN_ELFNOTE_XEN_VERSION, "xen-2.0");
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "guest is built for XEN_VERSION \"xen-2.0\", not \"xen-3.0\"");
    ti_linux(&T);
    T.notes_len = 0;
    ti_linux_notes(&T, 1u << XEN_ELFNOTE_XEN_VERSION, "yes");
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "guest is built for XEN_VERSION \"\", not \"xen-3.0\"");
}

static void test_not_pae(void **s)
{
    ti_linux(&T);
    T.notes_len = 0;
    ti_linux_notes(&T, 0, "no");
    ti_build(&T);
    EXPECT_FAIL(-XEN_EOPNOTSUPP, "not a PAE guest (PAE_MODE \"no\")");
    ti_linux(&T);
    T.notes_len = 0;
    ti_linux_notes(&T, 0, NULL);
    ti_build(&T);
    EXPECT_FAIL(-XEN_EOPNOTSUPP, "not a PAE guest (no PAE mode in its notes)");
    /* in a NOTE, "yes[extended-cr3]" is not a value Xen knows (it is the legacy spelling) */
    ti_linux(&T);
    T.notes_len = 0;
    ti_linux_notes(&T, 0, "yes[extended-cr3]");
    ti_build(&T);
    EXPECT_FAIL(-XEN_EOPNOTSUPP, "not a PAE guest (PAE_MODE \"yes[extended-cr3]\")");
    ti_legacy(&T);
    T.legacy = "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000";
    ti_build(&T);
    EXPECT_FAIL(-XEN_EOPNOTSUPP, "not a PAE guest (no PAE mode in its __xen_guest)");
    ti_legacy(&T);
    T.legacy = "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,PAE=no";
    ti_build(&T);
    EXPECT_FAIL(-XEN_EOPNOTSUPP, "not a PAE guest (PAE_MODE \"no\")");
}

static void test_required_features(void **s)
{
    ti_linux(&T);
    T.notes_len = 0;
    ti_linux_notes(&T, 1u << XEN_ELFNOTE_FEATURES, "yes");
    ti_note_str(&T, XEN_ELFNOTE_FEATURES, "pae_pgdir_above_4gb|!supervisor_mode_kernel");
    ti_build(&T);
    EXPECT_FAIL(-XEN_EOPNOTSUPP,
                "guest requires feature supervisor_mode_kernel, which Moat does not provide");
    ti_linux(&T);
    T.notes_len = 0;
    ti_linux_notes(&T, 1u << XEN_ELFNOTE_FEATURES, "yes");
    ti_note_str(&T, XEN_ELFNOTE_FEATURES, "!auto_translated_physmap|!writable_descriptor_tables");
    ti_build(&T);
    EXPECT_OK();  /* Xen 4.17 boots these as dom0 (checked), so Moat does too */
    assert_int_equal(I.features_required[0], (1u << XENFEAT_auto_translated_physmap) |
                     (1u << XENFEAT_writable_descriptor_tables));
    ti_linux(&T);
    T.notes_len = 0;
    ti_linux_notes(&T, 1u << XEN_ELFNOTE_FEATURES, "yes");
    ti_note_str(&T, XEN_ELFNOTE_FEATURES, "!frobnicate");
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "FEATURES note requires unknown feature \"frobnicate\"");
    ti_legacy(&T);
    T.legacy = "GUEST_OS=linux,XEN_VER=xen-3.0,PAE=yes,FEATURES=!supervisor_mode_kernel";
    ti_build(&T);
    EXPECT_FAIL(-XEN_EOPNOTSUPP,
                "guest requires feature supervisor_mode_kernel, which Moat does not provide");
    ti_legacy(&T);
    T.legacy = "GUEST_OS=linux,XEN_VER=xen-3.0,PAE=yes,FEATURES=!nope";
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "__xen_guest FEATURES requires unknown feature \"nope\"");
}

static void test_supported_features_without_dom0(void **s)
{
    ti_linux(&T);
    ti_note_num(&T, XEN_ELFNOTE_SUPPORTED_FEATURES, 1u << XENFEAT_writable_page_tables);
    ti_build(&T);
    EXPECT_FAIL(-XEN_EOPNOTSUPP, "SUPPORTED_FEATURES lacks dom0: the kernel does not support "
                "running as the initial domain");
}

/* ---------------------------------------------------------------- addresses */

static void test_paddr_offset_without_virt_base(void **s)
{
    ti_linux(&T);
    T.notes_len = 0;
    ti_linux_notes(&T, 1u << XEN_ELFNOTE_VIRT_BASE, "yes");
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "PADDR_OFFSET is set but VIRT_BASE is not");
    ti_legacy(&T);
    T.legacy = "GUEST_OS=linux,XEN_VER=xen-3.0,PAE=yes,ELF_PADDR_OFFSET=0xC0000000";
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "PADDR_OFFSET is set but VIRT_BASE is not");
}

static void test_virt_base_checks(void **s)
{
    ti_linux(&T);
    T.notes_len = 0;
    ti_linux_notes(&T, (1u << XEN_ELFNOTE_VIRT_BASE), "yes");
    ti_note_num(&T, XEN_ELFNOTE_VIRT_BASE, 0xC0000800u);
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "VIRT_BASE 0xc0000800 is not page aligned");
    ti_init(&T);
    T.e_entry = 0xB0000000u;
    ti_seg(&T, 0xB0000000u, 0xB0000000u, 0x100, 0x1000, 7);
    ti_linux_notes(&T, (1u << XEN_ELFNOTE_PADDR_OFFSET) | (1u << XEN_ELFNOTE_ENTRY) |
                   (1u << XEN_ELFNOTE_HYPERCALL_PAGE), "yes");
    ti_note_num(&T, XEN_ELFNOTE_PADDR_OFFSET, 0xC0000000u);
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "kernel starts at 0xb0000000, below VIRT_BASE 0xc0000000");
}

static void test_entry_outside_segments(void **s)
{
    ti_linux(&T);
    T.notes_len = 0;
    ti_linux_notes(&T, 1u << XEN_ELFNOTE_ENTRY, "yes");
    T.e_entry = 0x100000;  /* the physical address: a classic link mistake */
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "entry point 0x100000 outside the loaded segments");
    ti_linux(&T);
    ti_note_num(&T, XEN_ELFNOTE_ENTRY, 0xC0105000u);  /* one past the end; later note wins */
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "entry point 0xc0105000 outside the loaded segments");
}

static void test_hypercall_page_checks(void **s)
{
    ti_linux(&T);
    ti_note_num(&T, XEN_ELFNOTE_HYPERCALL_PAGE, 0xC0101010u);
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "HYPERCALL_PAGE 0xc0101010 is not page aligned");
    ti_linux(&T);
    ti_note_num(&T, XEN_ELFNOTE_HYPERCALL_PAGE, 0xC0105000u);
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "HYPERCALL_PAGE 0xc0105000 is outside the kernel image "
                "0xc0100000-0xc0105000");
    ti_legacy(&T);
    T.legacy = "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,PAE=yes,HYPERCALL_PAGE=0x9";
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "HYPERCALL_PAGE 0xc0009000 is outside the kernel image "
                "0xc0100000-0xc0104000");
}

static void test_hv_start_low_too_high(void **s)
{
    ti_linux(&T);
    ti_note_num(&T, XEN_ELFNOTE_HV_START_LOW, 0xF5800001u);  /* rounds up to 0xF5A00000 */
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "HV_START_LOW 0xf5800001 is above the hypervisor start 0xf5800000");
}

static void test_legacy_bad_numbers(void **s)
{
    ti_legacy(&T);
    T.legacy = "GUEST_OS=linux,XEN_VER=xen-3.0,PAE=yes,VIRT_BASE=zz";
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "__xen_guest VIRT_BASE=\"zz\" is not a number");
    ti_legacy(&T);
    T.legacy = "GUEST_OS=linux,XEN_VER=xen-3.0,PAE=yes,VIRT_BASE=";
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "__xen_guest VIRT_BASE=\"\" is not a number");
    ti_legacy(&T);
    T.legacy = "GUEST_OS=linux,XEN_VER=xen-3.0,PAE=yes,VIRT_BASE=0x100000000";
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "__xen_guest VIRT_BASE=0x100000000 does not fit in 32 bits");
    ti_legacy(&T);
    T.legacy = "GUEST_OS=linux,XEN_VER=xen-3.0,PAE=yes,HYPERCALL_PAGE=0x100000";
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "__xen_guest HYPERCALL_PAGE=0x100000 is not a 32-bit page number");
    ti_legacy(&T);
    T.legacy = "GUEST_OS=linux,XEN_VER=xen-3.0,PAE=yes,VIRT_ENTRY=08";
    ti_build(&T);
    EXPECT_FAIL(-XEN_EINVAL, "__xen_guest VIRT_ENTRY=\"08\" is not a number");
}

static void test_legacy_section_unterminated_and_long_values(void **s)
{
    static char long_legacy[400];
    ti_legacy(&T);
    strcpy(long_legacy, "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,PAE=yes,GUEST_VER=");
    memset(long_legacy + strlen(long_legacy), 'v', 200);
    T.legacy = long_legacy;
    ti_build(&T);
    EXPECT_OK();
    assert_string_equal(I.guest_version, "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv");
    /* the section ends without a NUL: parsing stops at the section end */
    ti_legacy(&T);
    T.legacy = "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,PAE=yesXXXX";
    ti_build(&T);
    ti_put32(&T, T.shoff + T.legacy_shdr * 40 + 20, (uint32_t)strlen(T.legacy) - 4);
    EXPECT_OK();
    assert_string_equal(I.pae_mode, "yes");
}

/* ---------------------------------------------------------------- robustness */

static void test_why_buffer_handling(void **s)
{
    char small[8];
    ti_linux(&T);
    ti_build(&T);
    T.b[4] = 2;
    assert_int_equal(xen_elf_parse(T.b, T.len, &I, small, sizeof small), -XEN_ENOEXEC);
    assert_string_equal(small, "ELF64 i");
    assert_int_equal(xen_elf_parse(T.b, T.len, &I, NULL, 0), -XEN_ENOEXEC);
}

/* Every prefix of a good image either parses (only the full image) or is refused with a
 * reason; no prefix may read past its end (run under valgrind/ASan to see that too). */
static void test_every_truncation(void **s)
{
    /* each prefix lives in a heap block of exactly its size, so an AddressSanitizer build
     * (see hv_elf_asan in the report) catches any read past the end */
    ti_linux(&T);
    ti_build(&T);
    uint32_t full = T.len;
    for (uint32_t n = 0; n <= full; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, T.b, n);
        int r = xen_elf_parse(copy, n, &I, why, sizeof why);
        free(copy);
        if (n == full) {
            assert_int_equal(r, 0);
            break;
        }
        if (r == 0)
            fail_msg("prefix of %u/%u bytes accepted", n, full);
        assert_true(why[0] != '\0');
    }
}

/* Random corruption of the headers and notes (fixed seed): the parser must return, and a
 * refusal must carry a reason. Accepted mutants must still satisfy the output invariants. */
static void test_random_corruption(void **s)
{
    srand(12345);
    int refused = 0, accepted = 0;
    for (int iter = 0; iter < 20000; iter++) {
        ti_linux(&T);
        if (iter & 1)
            ti_note_str(&T, XEN_ELFNOTE_GUEST_VERSION, "mutant");
        ti_build(&T);
        int flips = 1 + rand() % 4;
        for (int k = 0; k < flips; k++) {
            uint32_t span = T.note_off + T.notes_len;
            uint32_t at = (uint32_t)rand() % (rand() % 3 ? span : T.len);
            T.b[at] = (uint8_t)rand();
        }
        uint8_t *copy = malloc(T.len);
        memcpy(copy, T.b, T.len);
        int r = xen_elf_parse(copy, T.len, &I, why, sizeof why);
        free(copy);
        if (r) {
            assert_true(r < 0);
            assert_true(why[0] != '\0');
            refused++;
            continue;
        }
        accepted++;
        assert_true(I.nseg >= 1 && I.nseg <= XEN_ELF_MAX_SEGS);
        for (uint32_t i = 0; i < I.nseg; i++) {
            assert_true(I.seg[i].filesz <= I.seg[i].memsz);
            assert_true((uint64_t)I.seg[i].offset + I.seg[i].filesz <= T.len);
            assert_true((uint64_t)I.seg[i].vaddr + I.seg[i].memsz <= 0xF5800000u);
            if (i)
                assert_true(I.seg[i - 1].vaddr + I.seg[i - 1].memsz <= I.seg[i].vaddr);
        }
        assert_true(I.virt_kend <= 0xF5800000u);
        assert_true(I.pae_extended_cr3 || I.from_legacy_section);
    }
    assert_true(refused > 1000);
    assert_true(accepted > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linux_style),
        cmocka_unit_test(test_xtf_style_section_notes),
        cmocka_unit_test(test_legacy_section),
        cmocka_unit_test(test_legacy_paddr_offset_defaults_to_virt_base),
        cmocka_unit_test(test_legacy_virt_entry_and_octal_decimal),
        cmocka_unit_test(test_notes_with_paddr_offset),
        cmocka_unit_test(test_pae_bimodal_forms),
        cmocka_unit_test(test_numeric_note_widths),
        cmocka_unit_test(test_foreign_and_unknown_notes_ignored),
        cmocka_unit_test(test_pt_note_without_xen_notes_falls_back_to_sections),
        cmocka_unit_test(test_supported_features_note),
        cmocka_unit_test(test_unknown_optional_feature_and_empty_items),
        cmocka_unit_test(test_string_note_terminated_in_padding),
        cmocka_unit_test(test_long_strings_truncated),
        cmocka_unit_test(test_hv_start_low_accepted),
        cmocka_unit_test(test_ignored_segments_and_sorting),
        cmocka_unit_test(test_segment_touching_hole_ok),
        cmocka_unit_test(test_not_elf),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_elf64),
        cmocka_unit_test(test_bad_ident_and_header),
        cmocka_unit_test(test_bad_program_header_table),
        cmocka_unit_test(test_bad_section_header_table),
        cmocka_unit_test(test_filesz_larger_than_memsz),
        cmocka_unit_test(test_segment_data_past_end),
        cmocka_unit_test(test_segment_wraps),
        cmocka_unit_test(test_segment_relocated_out_of_range),
        cmocka_unit_test(test_too_many_and_no_segments),
        cmocka_unit_test(test_overlapping_segments),
        cmocka_unit_test(test_segment_into_hypervisor_area),
        cmocka_unit_test(test_note_runs_past_section),
        cmocka_unit_test(test_note_header_cut_off),
        cmocka_unit_test(test_note_trailing_zero_padding_ok),
        cmocka_unit_test(test_note_segment_past_end),
        cmocka_unit_test(test_note_section_past_end),
        cmocka_unit_test(test_bad_numeric_notes),
        cmocka_unit_test(test_no_notes),
        cmocka_unit_test(test_loader_and_version_checks),
        cmocka_unit_test(test_not_pae),
        cmocka_unit_test(test_required_features),
        cmocka_unit_test(test_supported_features_without_dom0),
        cmocka_unit_test(test_paddr_offset_without_virt_base),
        cmocka_unit_test(test_virt_base_checks),
        cmocka_unit_test(test_entry_outside_segments),
        cmocka_unit_test(test_hypercall_page_checks),
        cmocka_unit_test(test_hv_start_low_too_high),
        cmocka_unit_test(test_legacy_bad_numbers),
        cmocka_unit_test(test_legacy_section_unterminated_and_long_values),
        cmocka_unit_test(test_why_buffer_handling),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_random_corruption),
    };
    return cmocka_run_group_tests_name("hv_elf", tests, NULL, NULL);
}
