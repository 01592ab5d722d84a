/* In-memory ELF32 image builder for the hv_elf and hv_layout unit tests (see the header). */
#include <stdint.h>
#include <string.h>
#include <assert.h>
#include <xen/xen.h>
#include <xen/elfnote.h>
#include "test_elf_image.h"

void ti_put16(struct test_image *t, uint32_t off, uint16_t v)
{
    t->b[off] = (uint8_t)v;
    t->b[off + 1] = (uint8_t)(v >> 8);
}

void ti_put32(struct test_image *t, uint32_t off, uint32_t v)
{
    ti_put16(t, off, (uint16_t)v);
    ti_put16(t, off + 2, (uint16_t)(v >> 16));
}

static void blob(uint8_t *dst, uint32_t *len, const void *src, uint32_t n)
{
    assert(*len + n <= 4096);
    memcpy(dst + *len, src, n);
    *len += n;
}

void ti_init(struct test_image *t)
{
    memset(t, 0, sizeof(*t));
    t->e_type = 2;   /* ET_EXEC */
    t->e_machine = 3; /* EM_386 */
    t->notes_where = NOTES_IN_SEGMENT;
}

void ti_seg(struct test_image *t, uint32_t paddr, uint32_t vaddr, uint32_t filesz,
            uint32_t memsz, uint32_t flags)
{
    assert(t->nseg < TI_MAX_SEGS);
    t->seg[t->nseg++] = (struct ti_seg){ 1 /* PT_LOAD */, paddr, vaddr, filesz, memsz, flags };
}

void ti_note_raw(struct test_image *t, const char *name, uint32_t namesz, uint32_t type,
                 const void *desc, uint32_t descsz)
{
    uint8_t hdr[12], zero[4] = {0};
    uint32_t v[3] = { namesz, descsz, type };
    memcpy(hdr, v, 12);  /* the host is little-endian x86 */
    blob(t->notes, &t->notes_len, hdr, 12);
    blob(t->notes, &t->notes_len, name, namesz);
    blob(t->notes, &t->notes_len, zero, (4 - namesz % 4) % 4);
    blob(t->notes, &t->notes_len, desc, descsz);
    blob(t->notes, &t->notes_len, zero, (4 - descsz % 4) % 4);
}

void ti_note_num(struct test_image *t, uint32_t type, uint32_t value)
{
    ti_note_raw(t, "Xen", 4, type, &value, 4);
}

void ti_note_num64(struct test_image *t, uint32_t type, uint64_t value)
{
    ti_note_raw(t, "Xen", 4, type, &value, 8);
}

void ti_note_str(struct test_image *t, uint32_t type, const char *s)
{
    ti_note_raw(t, "Xen", 4, type, s, (uint32_t)strlen(s) + 1);
}

static uint32_t align(uint32_t v, uint32_t a) { return (v + a - 1) & ~(a - 1); }

uint32_t ti_build(struct test_image *t)
{
    uint32_t nph = t->nseg + ((t->notes_where & NOTES_IN_SEGMENT) ? 1 : 0);
    uint32_t off, i;
    memset(t->b, 0, sizeof(t->b));
    t->phoff = 52;
    off = t->phoff + nph * 32;
    t->note_off = off = align(off, 4);
    memcpy(t->b + off, t->notes, t->notes_len);
    off += t->notes_len;
    t->legacy_off = off;
    if (t->legacy) {
        uint32_t n = (uint32_t)strlen(t->legacy) + 1;
        memcpy(t->b + off, t->legacy, n);
        off += n;
    }
    for (i = 0; i < t->nseg; i++) {
        off = align(off, 16);
        t->seg_off[i] = off;
        for (uint32_t k = 0; k < t->seg[i].filesz && off + k < TI_SIZE - 2048; k++)
            t->b[off + k] = (uint8_t)(0x90 + i);
        off += t->seg[i].filesz < TI_SIZE / 2 ? t->seg[i].filesz : 0;
    }
    /* section name table and section headers */
    static const char shstr[] = "\0.note.Xen\0__xen_guest\0.shstrtab\0";
    uint32_t shstr_off = off, nsh = 0;
    memcpy(t->b + off, shstr, sizeof(shstr));
    off += sizeof(shstr);
    off = align(off, 4);
    t->shoff = off;
    if (!t->no_sections) {
        uint8_t *s;
        nsh = 1;  /* index 0: the null section */
        if (t->notes_where & NOTES_IN_SECTION) {
            s = t->b + off + nsh * 40;
            t->note_shdr = nsh++;
            ti_put32(t, (uint32_t)(s - t->b), 1);            /* name ".note.Xen" */
            ti_put32(t, (uint32_t)(s - t->b) + 4, 7);        /* SHT_NOTE */
            ti_put32(t, (uint32_t)(s - t->b) + 16, t->note_off);
            ti_put32(t, (uint32_t)(s - t->b) + 20, t->notes_len);
        }
        if (t->legacy) {
            s = t->b + off + nsh * 40;
            t->legacy_shdr = nsh++;
            ti_put32(t, (uint32_t)(s - t->b), 11);           /* "__xen_guest" */
            ti_put32(t, (uint32_t)(s - t->b) + 4, 1);        /* SHT_PROGBITS */
            ti_put32(t, (uint32_t)(s - t->b) + 16, t->legacy_off);
            ti_put32(t, (uint32_t)(s - t->b) + 20, (uint32_t)strlen(t->legacy) + 1);
        }
        s = t->b + off + nsh * 40;
        ti_put32(t, (uint32_t)(s - t->b), 23);               /* ".shstrtab" */
        ti_put32(t, (uint32_t)(s - t->b) + 4, 3);            /* SHT_STRTAB */
        ti_put32(t, (uint32_t)(s - t->b) + 16, shstr_off);
        ti_put32(t, (uint32_t)(s - t->b) + 20, sizeof(shstr));
        nsh++;
        off += nsh * 40;
    }
    /* ELF header */
    memcpy(t->b, "\177ELF", 4);
    t->b[4] = 1; t->b[5] = 1; t->b[6] = 1;
    ti_put16(t, 16, t->e_type);
    ti_put16(t, 18, t->e_machine);
    ti_put32(t, 20, 1);
    ti_put32(t, 24, t->e_entry);
    ti_put32(t, 28, t->phoff);
    ti_put32(t, 32, t->no_sections ? 0 : t->shoff);
    ti_put16(t, 40, 52);
    ti_put16(t, 42, 32);
    ti_put16(t, 44, (uint16_t)nph);
    ti_put16(t, 46, 40);
    ti_put16(t, 48, (uint16_t)nsh);
    ti_put16(t, 50, t->no_sections ? 0 : (uint16_t)(nsh - 1));
    /* program headers: segments first, then the PT_NOTE */
    for (i = 0; i < t->nseg; i++) {
        uint32_t p = t->phoff + i * 32;
        ti_put32(t, p, t->seg[i].type);
        ti_put32(t, p + 4, t->seg_off[i]);
        ti_put32(t, p + 8, t->seg[i].vaddr);
        ti_put32(t, p + 12, t->seg[i].paddr);
        ti_put32(t, p + 16, t->seg[i].filesz);
        ti_put32(t, p + 20, t->seg[i].memsz);
        ti_put32(t, p + 24, t->seg[i].flags);
        ti_put32(t, p + 28, 16);
    }
    if (t->notes_where & NOTES_IN_SEGMENT) {
        uint32_t p = t->phoff + t->nseg * 32;
        t->note_phdr = t->nseg;
        ti_put32(t, p, 4);  /* PT_NOTE */
        ti_put32(t, p + 4, t->note_off);
        ti_put32(t, p + 16, t->notes_len);
        ti_put32(t, p + 20, t->notes_len);
        ti_put32(t, p + 24, 4);
        ti_put32(t, p + 28, 4);
    }
    t->len = off;
    return off;
}

void ti_linux_notes(struct test_image *t, uint32_t skip, const char *pae)
{
#define WANT(n) (!(skip & (1u << (n))))
    if (WANT(XEN_ELFNOTE_GUEST_OS)) ti_note_str(t, XEN_ELFNOTE_GUEST_OS, "linux");
    if (WANT(XEN_ELFNOTE_GUEST_VERSION)) ti_note_str(t, XEN_ELFNOTE_GUEST_VERSION, "2.6");
    if (WANT(XEN_ELFNOTE_XEN_VERSION)) ti_note_str(t, XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
    if (WANT(XEN_ELFNOTE_VIRT_BASE)) ti_note_num(t, XEN_ELFNOTE_VIRT_BASE, 0xC0000000u);
    if (WANT(XEN_ELFNOTE_PADDR_OFFSET)) ti_note_num(t, XEN_ELFNOTE_PADDR_OFFSET, 0);
    if (WANT(XEN_ELFNOTE_ENTRY)) ti_note_num(t, XEN_ELFNOTE_ENTRY, 0xC0100000u);
    if (WANT(XEN_ELFNOTE_HYPERCALL_PAGE)) ti_note_num(t, XEN_ELFNOTE_HYPERCALL_PAGE, 0xC0101000u);
    if (WANT(XEN_ELFNOTE_FEATURES))
        ti_note_str(t, XEN_ELFNOTE_FEATURES, "!writable_page_tables|pae_pgdir_above_4gb");
    if (pae) ti_note_str(t, XEN_ELFNOTE_PAE_MODE, pae);
    if (WANT(XEN_ELFNOTE_LOADER)) ti_note_str(t, XEN_ELFNOTE_LOADER, "generic");
#undef WANT
}

void ti_linux(struct test_image *t)
{
    ti_init(t);
    t->e_entry = 0xC0100000u;
    ti_seg(t, 0x100000, 0xC0100000u, 0x2000, 0x2000, 5 /* R X */);
    ti_seg(t, 0x102000, 0xC0102000u, 0x800, 0x3000, 6 /* R W */);
    ti_linux_notes(t, 0, "yes");
}

void ti_xtf(struct test_image *t)
{
    ti_init(t);
    t->e_entry = 0x100000;
    t->notes_where = NOTES_IN_SECTION;
    ti_seg(t, 0x100000, 0x100000, 0x3000, 0x5000, 7);
    ti_note_str(t, XEN_ELFNOTE_GUEST_OS, "XTF");
    ti_note_str(t, XEN_ELFNOTE_GUEST_VERSION, "0");
    ti_note_str(t, XEN_ELFNOTE_LOADER, "generic");
    ti_note_num(t, XEN_ELFNOTE_HYPERCALL_PAGE, 0x101000);
    ti_note_str(t, XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
    ti_note_str(t, XEN_ELFNOTE_FEATURES, "!writable_page_tables|pae_pgdir_above_4gb");
    ti_note_str(t, XEN_ELFNOTE_PAE_MODE, "yes");
}

void ti_legacy(struct test_image *t)
{
    ti_init(t);
    t->e_entry = 0xC0100000u;
    t->notes_where = NOTES_NONE;
    t->legacy = "GUEST_OS=linux,GUEST_VER=2.6,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,"
                "ELF_PADDR_OFFSET=0xC0000000,HYPERCALL_PAGE=0x101,PAE=yes[extended-cr3],"
                "LOADER=generic,FEATURES=writable_page_tables|pae_pgdir_above_4gb";
    ti_seg(t, 0xC0100000u, 0xC0100000u, 0x2000, 0x4000, 7);
}
