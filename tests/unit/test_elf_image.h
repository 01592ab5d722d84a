/* Builds small ELF32 guest images in memory for the parser and layout tests, so that every
 * malformed variant is one readable edit of a good image (no files, no toolchain).
 *
 * An image is laid out as
 *   ELF header | program headers | note blob | legacy string | segment data | shstrtab | shdrs
 * The note blob is covered by a PT_NOTE program header (NOTES_IN_SEGMENT), by an SHT_NOTE
 * section (NOTES_IN_SECTION, as XTF links it), by both, or left out. The offsets of every
 * part are recorded so tests can corrupt exactly one field afterwards. */
#ifndef TEST_ELF_IMAGE_H
#define TEST_ELF_IMAGE_H
#include <stdint.h>

#define TI_MAX_SEGS 20
#define TI_SIZE 65536

enum { NOTES_NONE = 0, NOTES_IN_SEGMENT = 1, NOTES_IN_SECTION = 2 };

struct ti_seg { uint32_t type, paddr, vaddr, filesz, memsz, flags; };

struct test_image {
    /* description (edit before ti_build) */
    uint16_t e_type, e_machine;
    uint32_t e_entry;
    struct ti_seg seg[TI_MAX_SEGS];
    uint32_t nseg;
    uint8_t notes[4096];
    uint32_t notes_len;
    int notes_where;           /* NOTES_* bit mask */
    const char *legacy;        /* __xen_guest contents (NUL included), or NULL */
    int no_sections;           /* omit section headers altogether */
    /* result */
    uint8_t b[TI_SIZE];
    uint32_t len;
    uint32_t phoff, note_off, legacy_off, shoff, seg_off[TI_MAX_SEGS];
    uint32_t note_phdr;        /* index of the PT_NOTE program header */
    uint32_t note_shdr, legacy_shdr; /* section indices */
};

void ti_init(struct test_image *t);
void ti_seg(struct test_image *t, uint32_t paddr, uint32_t vaddr, uint32_t filesz,
            uint32_t memsz, uint32_t flags);
/* A raw note: the name is namesz bytes of `name` (NUL included if you want it), padded. */
void ti_note_raw(struct test_image *t, const char *name, uint32_t namesz, uint32_t type,
                 const void *desc, uint32_t descsz);
void ti_note_num(struct test_image *t, uint32_t type, uint32_t value);     /* 4 bytes */
void ti_note_num64(struct test_image *t, uint32_t type, uint64_t value);   /* 8 bytes */
void ti_note_str(struct test_image *t, uint32_t type, const char *s);      /* with its NUL */
uint32_t ti_build(struct test_image *t);

/* Little-endian pokes into the built image. */
void ti_put16(struct test_image *t, uint32_t off, uint16_t v);
void ti_put32(struct test_image *t, uint32_t off, uint32_t v);

/* The standard good images. */
void ti_linux(struct test_image *t);   /* VIRT_BASE 0xC0000000, paddr 0x100000, notes */
void ti_xtf(struct test_image *t);     /* VIRT_BASE unset (0), at 1 MB, SHT_NOTE notes only */
void ti_legacy(struct test_image *t);  /* __xen_guest only, paddr = vaddr = 0xC0100000 */

/* Standard notes of ti_linux minus the ones in `skip` (bit per XEN_ELFNOTE_ type) with
 * PAE_MODE text `pae` (NULL: no PAE_MODE note). */
void ti_linux_notes(struct test_image *t, uint32_t skip, const char *pae);

#endif
