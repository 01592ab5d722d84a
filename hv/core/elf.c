/* ELF32 + Xen notes parser for the domain builder (see hv/include/xen_elf.h for the contract).
 *
 * Invariants this file enforces (every one has a host unit test in tests/unit/test_elf.c):
 *   I1 No byte outside [image, image+len) is ever read: every offset is checked, in 64-bit
 *      arithmetic so that offset + size cannot wrap, before it is dereferenced.
 *   I2 Only ELF32 LE EM_386 ET_EXEC images with sane header sizes get past the header check.
 *   I3 Every loadable segment has filesz <= memsz, its file bytes inside the image, a final
 *      virtual range that neither wraps nor overlaps another segment, and ends at or below the
 *      hypervisor hole (HYPERVISOR_VIRT_START).
 *   I4 Notes are walked only inside their segment/section; a note whose header, name or
 *      descriptor runs past the end is an error, not a silent stop.
 *   I5 The semantics of the notes are Xen's (libelf-dominfo.c, pv/dom0_build.c, read for
 *      behaviour only): notes from PT_NOTE, else from SHT_NOTE sections, else the legacy
 *      __xen_guest string; VIRT_BASE defaults to 0; PADDR_OFFSET defaults to 0 with notes and
 *      to VIRT_BASE with __xen_guest; PADDR_OFFSET without VIRT_BASE is refused; the legacy
 *      HYPERCALL_PAGE is a page number relative to VIRT_BASE; LOADER must be "generic" or
 *      GUEST_OS "linux"; XEN_VERSION must start with "xen-3.0"; a SUPPORTED_FEATURES note
 *      without the dom0 bit is refused (Moat builds only the initial domain from an ELF).
 *   I6 PAE only: notes PAE_MODE "yes" or containing "bimodal"; legacy PAE=yes... Anything else
 *      (missing, "no", "yes[extended-cr3]" in a note, which Xen also refuses) is refused.
 *   I7 Where Moat is stricter than Xen it says so here: the entry point must lie inside a
 *      segment (Xen: inside [kstart, kend]); the hypercall page must be page aligned and inside
 *      the kernel; numeric notes must be 1/2/4/8 bytes and fit 32 bits; a legacy number must
 *      parse. (Required features: only XEN_ELF_REFUSED_FEATURES, as Xen.)
 *
 * Error codes: -EINVAL malformed, -ENOEXEC not a 32-bit x86 executable, -EOPNOTSUPP a guest
 * that needs what Moat does not offer. Every error writes one specific sentence to `why`. */
#include <stdarg.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/elfnote.h>
#include <xen/features.h>
#include <xen/errno.h>
#include "xen_elf.h"

#ifdef MOAT_HOST_TEST
#include <stdio.h>
#include <string.h>
#else
#include <lib/format.h>
#include <lib/string.h>
#endif

/* ---- The few ELF32 definitions we need (System V ABI; no libc headers in the hypervisor). */
#define EI_NIDENT 16
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_386 3
#define PT_LOAD 1
#define PT_NOTE 4
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define SHT_NOTE 7
#define SHT_NOBITS 8
#define PN_XNUM 0xffff
#define EHDR_SIZE 52u
#define PHDR_SIZE 32u
#define SHDR_SIZE 40u
#define NOTE_HDR_SIZE 12u
#define PAGE_SIZE_4K 4096u
#define MOAT_HOLE_START ((uint32_t)HYPERVISOR_VIRT_START)
#define MAX_NOTE_AREAS 8

/* Parser state: the output plus what Xen tracks as "unset" until the defaults are applied. */
struct elf_ctx {
    const uint8_t *img;
    uint32_t len;
    struct xen_elf_image *out;
    char *why;
    uint32_t whylen;
    /* raw values, XEN_ELF_UNSET until seen */
    uint32_t virt_base, paddr_offset, entry, hypercall, hv_start_low;
    int pae;                /* 0 none, 1 yes (legacy, no ext-cr3), 2 ext-cr3, 3 bimodal */
    int pae_seen;           /* a PAE_MODE note / PAE= key was present */
    int supported_note;     /* a SUPPORTED_FEATURES note was present */
    uint32_t xen_notes;     /* Xen notes found */
    uint16_t shnum, shstrndx;
    uint32_t shoff;
};

static int fail(struct elf_ctx *c, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct elf_ctx *c, int err, const char *fmt, ...)
{
    if (c->why && c->whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->why, c->whylen, fmt, ap);
        va_end(ap);
    }
    return err;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t rd64(const uint8_t *p) { return rd32(p) | ((uint64_t)rd32(p + 4) << 32); }

/* I1: is [off, off+size) inside the image? */
static int in_image(const struct elf_ctx *c, uint64_t off, uint64_t size)
{
    return off <= c->len && size <= c->len - off;
}

/* Copies a string of at most srclen bytes (stops at NUL) into a 32-byte field. */
static void copy_field(char dst[32], const char *src, uint32_t srclen)
{
    uint32_t i;
    for (i = 0; i < 31 && i < srclen && src[i]; i++)
        dst[i] = src[i];
    dst[i] = '\0';
}


/* ------------------------------------------------------------------------------------------ */
/* FEATURES strings: "name|!name|..." ('!' = required), names as in features.h without XENFEAT_. */

static const char *const feature_names[] = {
    [XENFEAT_writable_page_tables] = "writable_page_tables",
    [XENFEAT_writable_descriptor_tables] = "writable_descriptor_tables",
    [XENFEAT_auto_translated_physmap] = "auto_translated_physmap",
    [XENFEAT_supervisor_mode_kernel] = "supervisor_mode_kernel",
    [XENFEAT_pae_pgdir_above_4gb] = "pae_pgdir_above_4gb",
    [XENFEAT_hvm_callback_vector] = "hvm_callback_vector",
    [XENFEAT_dom0] = "dom0",
};
#define NR_FEATURE_NAMES (sizeof(feature_names) / sizeof(feature_names[0]))

static int parse_features(struct elf_ctx *c, const char *s, uint32_t slen, const char *what)
{
    uint32_t pos = 0;
    while (pos < slen && s[pos]) {
        char word[64];
        uint32_t n = 0, i;
        int required = 0;
        while (pos < slen && s[pos] && s[pos] != '|') {
            if (n < sizeof(word) - 1)
                word[n++] = s[pos];
            pos++;
        }
        if (pos < slen && s[pos] == '|')
            pos++;
        word[n] = '\0';
        const char *name = word;
        if (name[0] == '!') {
            required = 1;
            name++;
        }
        if (!name[0])
            continue;  /* empty item, e.g. a trailing '|' */
        for (i = 0; i < NR_FEATURE_NAMES; i++)
            if (feature_names[i] && !strcmp(name, feature_names[i]))
                break;
        if (i == NR_FEATURE_NAMES) {
            if (required)  /* Xen refuses an unknown required feature; unknown optional ones
                            * are ignored */
                return fail(c, -XEN_EINVAL, "%s requires unknown feature \"%s\"", what, name);
            continue;
        }
        c->out->features_supported[i / 32] |= 1u << (i % 32);
        if (required)
            c->out->features_required[i / 32] |= 1u << (i % 32);
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Xen ELF notes */

struct note_kind { const char *name; int is_str; };
static const struct note_kind note_kinds[] = {
    [XEN_ELFNOTE_INFO] = {0, 0},
    [XEN_ELFNOTE_ENTRY] = {"ENTRY", 0},
    [XEN_ELFNOTE_HYPERCALL_PAGE] = {"HYPERCALL_PAGE", 0},
    [XEN_ELFNOTE_VIRT_BASE] = {"VIRT_BASE", 0},
    [XEN_ELFNOTE_PADDR_OFFSET] = {"PADDR_OFFSET", 0},
    [XEN_ELFNOTE_XEN_VERSION] = {"XEN_VERSION", 1},
    [XEN_ELFNOTE_GUEST_OS] = {"GUEST_OS", 1},
    [XEN_ELFNOTE_GUEST_VERSION] = {"GUEST_VERSION", 1},
    [XEN_ELFNOTE_LOADER] = {"LOADER", 1},
    [XEN_ELFNOTE_PAE_MODE] = {"PAE_MODE", 1},
    [XEN_ELFNOTE_FEATURES] = {"FEATURES", 1},
    [XEN_ELFNOTE_BSD_SYMTAB] = {"BSD_SYMTAB", 1},
    [XEN_ELFNOTE_HV_START_LOW] = {"HV_START_LOW", 0},
    [XEN_ELFNOTE_MOD_START_PFN] = {"MOD_START_PFN", 0},
    [XEN_ELFNOTE_SUPPORTED_FEATURES] = {"SUPPORTED_FEATURES", 0},
};
#define NR_NOTE_KINDS (sizeof(note_kinds) / sizeof(note_kinds[0]))

/* A numeric note: 1, 2, 4 or 8 bytes little-endian, and (this is a 32-bit guest) < 2^32. */
static int note_number(struct elf_ctx *c, const char *name, const uint8_t *d, uint32_t dsz,
                       uint32_t *val)
{
    uint64_t v;
    switch (dsz) {
    case 1: v = d[0]; break;
    case 2: v = rd16(d); break;
    case 4: v = rd32(d); break;
    case 8: v = rd64(d); break;
    default:
        return fail(c, -XEN_EINVAL, "note %s has a %u-byte value (expected 1, 2, 4 or 8)",
                    name, dsz);
    }
    if (v >> 32)
        return fail(c, -XEN_EINVAL, "note %s value 0x%llx does not fit in 32 bits", name,
                    (unsigned long long)v);
    *val = (uint32_t)v;
    return 0;
}

static int apply_note(struct elf_ctx *c, uint32_t type, const uint8_t *d, uint32_t dsz,
                      uint32_t padded)
{
    struct xen_elf_image *o = c->out;
    const char *name;
    const char *str = (const char *)d;
    uint32_t slen = padded;  /* a string may end in the alignment padding (Linux writes some
                              * FEATURES with .ascii and relies on the padding NUL) */
    uint32_t val = 0;
    int rc;

    if (type >= NR_NOTE_KINDS || !note_kinds[type].name)
        return 0;  /* unknown or unused note types are ignored, as Xen does */
    name = note_kinds[type].name;
    if (!note_kinds[type].is_str && type != XEN_ELFNOTE_SUPPORTED_FEATURES) {
        rc = note_number(c, name, d, dsz, &val);
        if (rc)
            return rc;
    }
    switch (type) {
    case XEN_ELFNOTE_ENTRY: c->entry = val; break;
    case XEN_ELFNOTE_HYPERCALL_PAGE: c->hypercall = val; break;
    case XEN_ELFNOTE_VIRT_BASE: c->virt_base = val; break;
    case XEN_ELFNOTE_PADDR_OFFSET: c->paddr_offset = val; break;
    case XEN_ELFNOTE_HV_START_LOW: c->hv_start_low = val; break;
    case XEN_ELFNOTE_MOD_START_PFN: o->mod_start_pfn = val; break;
    case XEN_ELFNOTE_XEN_VERSION: copy_field(o->xen_version, str, slen); break;
    case XEN_ELFNOTE_GUEST_OS: copy_field(o->guest_os, str, slen); break;
    case XEN_ELFNOTE_GUEST_VERSION: copy_field(o->guest_version, str, slen); break;
    case XEN_ELFNOTE_LOADER: copy_field(o->loader, str, slen); break;
    case XEN_ELFNOTE_BSD_SYMTAB: break;  /* Moat does not load BSD symbol tables */
    case XEN_ELFNOTE_PAE_MODE: {
        char mode[32];
        copy_field(mode, str, slen);
        copy_field(o->pae_mode, str, slen);
        c->pae_seen = 1;
        c->pae = 0;
        if (!strcmp(mode, "yes"))
            c->pae = 2;       /* a note-era "yes" implies extended-cr3 (elfnote.h) */
        for (uint32_t i = 0; mode[i]; i++)
            if (!strncmp(mode + i, "bimodal", 7))
                c->pae = 3;
        break;
    }
    case XEN_ELFNOTE_FEATURES:
        return parse_features(c, str, slen, "FEATURES note");
    case XEN_ELFNOTE_SUPPORTED_FEATURES:
        if (dsz < 4 || dsz % 4)
            return fail(c, -XEN_EINVAL,
                        "note SUPPORTED_FEATURES has %u bytes (expected a multiple of 4)", dsz);
        for (uint32_t i = 0; i < XENFEAT_NR_SUBMAPS && i < dsz / 4; i++)
            o->features_supported[i] |= rd32(d + 4 * i);
        c->supported_note = 1;
        break;
    }
    return 0;
}

/* Walks the notes in [off, off+size) (already known to lie inside the image). `where` names
 * the container for messages. Counts Xen notes in c->xen_notes. */
static int walk_notes(struct elf_ctx *c, uint32_t off, uint32_t size, const char *where,
                      uint32_t where_idx)
{
    uint32_t pos = 0, n = 0;
    while (pos < size) {
        uint32_t left = size - pos;
        const uint8_t *p = c->img + off + pos;
        if (left < NOTE_HDR_SIZE) {
            /* zero padding shorter than a note header is harmless; anything else is a note
             * cut off by the end of its container */
            for (uint32_t i = 0; i < left; i++)
                if (p[i])
                    return fail(c, -XEN_EINVAL,
                                "note %u in %s %u runs past the end of its section "
                                "(%u bytes left, a note header needs 12)", n, where,
                                where_idx, left);
            break;
        }
        uint32_t namesz = rd32(p), descsz = rd32(p + 4), type = rd32(p + 8);
        uint64_t name_pad = ((uint64_t)namesz + 3) & ~3ull;
        uint64_t need = NOTE_HDR_SIZE + name_pad + descsz;
        if (need > left)
            return fail(c, -XEN_EINVAL,
                        "note %u in %s %u runs past the end of its section "
                        "(namesz %u, descsz %u, %u bytes left)", n, where, where_idx, namesz,
                        descsz, left);
        const uint8_t *name = p + NOTE_HDR_SIZE;
        const uint8_t *desc = name + name_pad;
        uint64_t desc_pad = ((uint64_t)descsz + 3) & ~3ull;
        if (NOTE_HDR_SIZE + name_pad + desc_pad > left)
            desc_pad = left - NOTE_HDR_SIZE - name_pad;  /* last note may omit padding */
        if (namesz == 4 && !memcmp(name, "Xen", 4)) {
            int rc = apply_note(c, type, desc, descsz, (uint32_t)desc_pad);
            if (rc)
                return rc;
            c->xen_notes++;
        }
        pos += (uint32_t)(NOTE_HDR_SIZE + name_pad + desc_pad);
        n++;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Section headers (only used for SHT_NOTE fallback and the legacy __xen_guest section). */

static const uint8_t *shdr(const struct elf_ctx *c, uint32_t i)
{
    return c->img + c->shoff + i * SHDR_SIZE;
}

static int section_bounds(struct elf_ctx *c, uint32_t i, uint32_t *off, uint32_t *size)
{
    const uint8_t *s = shdr(c, i);
    *off = rd32(s + 16);
    *size = rd32(s + 20);
    if (!in_image(c, *off, *size))
        return fail(c, -XEN_EINVAL, "section %u runs past the end of the image", i);
    return 0;
}

static int notes_from_sections(struct elf_ctx *c)
{
    for (uint32_t i = 1; i < c->shnum; i++) {
        uint32_t off, size;
        if (rd32(shdr(c, i) + 4) != SHT_NOTE)
            continue;
        int rc = section_bounds(c, i, &off, &size);
        if (rc)
            return rc;
        rc = walk_notes(c, off, size, "section", i);
        if (rc)
            return rc;
    }
    return 0;
}

/* Finds the section called `want`; returns its index or 0. */
static uint32_t section_by_name(struct elf_ctx *c, const char *want, int *err)
{
    uint32_t stroff, strsize, wlen = (uint32_t)strlen(want);
    *err = 0;
    if (!c->shnum || c->shstrndx == 0 || c->shstrndx >= c->shnum)
        return 0;
    if (rd32(shdr(c, c->shstrndx) + 4) == SHT_NOBITS)
        return 0;
    if ((*err = section_bounds(c, c->shstrndx, &stroff, &strsize)))
        return 0;
    for (uint32_t i = 1; i < c->shnum; i++) {
        uint32_t nm = rd32(shdr(c, i));
        if (nm < strsize && strsize - nm > wlen && !memcmp(c->img + stroff + nm, want, wlen + 1))
            return i;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The legacy __xen_guest string: "KEY=VALUE,KEY=VALUE,..." (pre-3.0.4 kernels). */

/* Parses a C-style number (0x hex, leading-0 octal, decimal) that must fill the whole text. */
static int legacy_number(struct elf_ctx *c, const char *key, const char *v, uint64_t *out)
{
    uint64_t n = 0;
    unsigned base = 10;
    const char *p = v;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    } else if (p[0] == '0' && p[1]) {
        base = 8;
        p++;
    }
    if (!*p)
        goto bad;
    for (; *p; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9') d = (unsigned)(*p - '0');
        else if (*p >= 'a' && *p <= 'f') d = (unsigned)(*p - 'a' + 10);
        else if (*p >= 'A' && *p <= 'F') d = (unsigned)(*p - 'A' + 10);
        else goto bad;
        if (d >= base)
            goto bad;
        n = n * base + d;
        if (n >> 32)
            return fail(c, -XEN_EINVAL, "__xen_guest %s=%s does not fit in 32 bits", key, v);
    }
    *out = n;
    return 0;
bad:
    return fail(c, -XEN_EINVAL, "__xen_guest %s=\"%s\" is not a number", key, v);
}

static int parse_legacy(struct elf_ctx *c, uint32_t off, uint32_t size)
{
    struct xen_elf_image *o = c->out;
    const char *s = (const char *)c->img + off;
    uint32_t pos = 0;
    uint64_t num;
    int rc;

    o->from_legacy_section = 1;
    while (pos < size && s[pos]) {
        char key[32], val[128];
        uint32_t kn = 0, vn = 0;
        while (pos < size && s[pos] && s[pos] != ',' && s[pos] != '=') {
            if (kn < sizeof(key) - 1)
                key[kn++] = s[pos];
            pos++;
        }
        key[kn] = '\0';
        if (pos < size && s[pos] == '=') {
            pos++;
            while (pos < size && s[pos] && s[pos] != ',') {
                if (vn < sizeof(val) - 1)
                    val[vn++] = s[pos];
                pos++;
            }
        }
        val[vn] = '\0';
        if (pos < size && s[pos] == ',')
            pos++;

        if (!strcmp(key, "LOADER")) copy_field(o->loader, val, vn);
        else if (!strcmp(key, "GUEST_OS")) copy_field(o->guest_os, val, vn);
        else if (!strcmp(key, "GUEST_VER")) copy_field(o->guest_version, val, vn);
        else if (!strcmp(key, "XEN_VER")) copy_field(o->xen_version, val, vn);
        else if (!strcmp(key, "PAE")) {
            copy_field(o->pae_mode, val, vn);
            c->pae_seen = 1;
            if (!strcmp(val, "yes[extended-cr3]")) c->pae = 2;
            else if (!strncmp(val, "yes", 3)) c->pae = 1;
            else c->pae = 0;
        } else if (!strcmp(key, "VIRT_BASE")) {
            if ((rc = legacy_number(c, key, val, &num))) return rc;
            c->virt_base = (uint32_t)num;
        } else if (!strcmp(key, "VIRT_ENTRY")) {
            if ((rc = legacy_number(c, key, val, &num))) return rc;
            c->entry = (uint32_t)num;
        } else if (!strcmp(key, "ELF_PADDR_OFFSET")) {
            if ((rc = legacy_number(c, key, val, &num))) return rc;
            c->paddr_offset = (uint32_t)num;
        } else if (!strcmp(key, "HYPERCALL_PAGE")) {
            /* a page NUMBER relative to VIRT_BASE (made absolute once VIRT_BASE is final) */
            if ((rc = legacy_number(c, key, val, &num))) return rc;
            if (num > 0xFFFFFu)
                return fail(c, -XEN_EINVAL, "__xen_guest HYPERCALL_PAGE=%s is not a 32-bit page "
                            "number", val);
            c->hypercall = (uint32_t)num << 12;
        } else if (!strcmp(key, "FEATURES")) {
            if ((rc = parse_features(c, val, vn, "__xen_guest FEATURES")))
                return rc;
        }
        /* other keys (BSD_SYMTAB, ...) are accepted and ignored */
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */

struct raw_seg { uint32_t idx, offset, filesz, paddr, memsz, flags; };

static int check_header(struct elf_ctx *c)
{
    const uint8_t *e = c->img;
    if (c->len < 4 || e[0] != 0x7f || e[1] != 'E' || e[2] != 'L' || e[3] != 'F')
        return fail(c, -XEN_EINVAL, "not an ELF file");
    if (c->len < EI_NIDENT)
        return fail(c, -XEN_EINVAL, "image truncated: %u bytes, shorter than the ELF header",
                    c->len);
    if (e[4] == ELFCLASS64)
        return fail(c, -XEN_ENOEXEC, "ELF64 image: Moat runs 32-bit guests only");
    if (e[4] != ELFCLASS32)
        return fail(c, -XEN_EINVAL, "unknown ELF class %u", e[4]);
    if (c->len < EHDR_SIZE)
        return fail(c, -XEN_EINVAL, "image truncated: %u bytes, shorter than the ELF header",
                    c->len);
    if (e[5] != ELFDATA2LSB)
        return fail(c, -XEN_ENOEXEC, "ELF data encoding %u is not little-endian", e[5]);
    if (e[6] != EV_CURRENT || rd32(e + 20) != EV_CURRENT)
        return fail(c, -XEN_EINVAL, "unsupported ELF version %u", e[6] != EV_CURRENT ?
                    e[6] : rd32(e + 20));
    if (rd16(e + 18) != EM_386)
        return fail(c, -XEN_ENOEXEC, "ELF machine %u is not i386 (3)", rd16(e + 18));
    if (rd16(e + 16) != ET_EXEC)
        return fail(c, -XEN_ENOEXEC, "ELF type %u is not an executable (ET_EXEC)",
                    rd16(e + 16));
    if (rd16(e + 40) < EHDR_SIZE)
        return fail(c, -XEN_EINVAL, "ELF header size %u is smaller than 52", rd16(e + 40));
    return 0;
}

/* Collects PT_LOAD segments (I3 file checks) and walks PT_NOTE notes. */
static int read_program_headers(struct elf_ctx *c, struct raw_seg *segs, uint32_t *nseg)
{
    const uint8_t *e = c->img;
    uint32_t phoff = rd32(e + 28);
    uint16_t phentsize = rd16(e + 42), phnum = rd16(e + 44);
    *nseg = 0;
    if (phnum == 0)
        return fail(c, -XEN_EINVAL, "no program headers");
    if (phnum == PN_XNUM)
        return fail(c, -XEN_EINVAL, "extended program header numbering is not supported");
    if (phentsize != PHDR_SIZE)
        return fail(c, -XEN_EINVAL, "program header entry size %u, expected 32", phentsize);
    if (!in_image(c, phoff, (uint64_t)phnum * PHDR_SIZE))
        return fail(c, -XEN_EINVAL, "program header table runs past the end of the image");

    for (uint32_t i = 0; i < phnum; i++) {
        const uint8_t *ph = e + phoff + i * PHDR_SIZE;
        uint32_t type = rd32(ph), off = rd32(ph + 4), paddr = rd32(ph + 12);
        uint32_t filesz = rd32(ph + 16), memsz = rd32(ph + 20), flags = rd32(ph + 24);
        if (type == PT_NOTE) {
            if (off == 0)
                continue;  /* some binutils leave p_offset 0 on note segments; Xen skips them */
            if (!in_image(c, off, filesz))
                return fail(c, -XEN_EINVAL, "note segment %u runs past the end of the image", i);
            int rc = walk_notes(c, off, filesz, "segment", i);
            if (rc)
                return rc;
            continue;
        }
        if (type != PT_LOAD || !(flags & (PF_R | PF_W | PF_X)) || memsz == 0)
            continue;  /* Xen loads only PT_LOAD with some access; empty ones occupy nothing */
        if (filesz > memsz)
            return fail(c, -XEN_EINVAL, "segment %u file size 0x%x is larger than its memory "
                        "size 0x%x", i, filesz, memsz);
        if (!in_image(c, off, filesz))
            return fail(c, -XEN_EINVAL, "segment %u file data runs past the end of the image", i);
        if ((uint64_t)paddr + memsz > 0x100000000ull)
            return fail(c, -XEN_EINVAL, "segment %u wraps around the end of the address space", i);
        if (*nseg == XEN_ELF_MAX_SEGS)
            return fail(c, -XEN_EINVAL, "more than %u loadable segments", XEN_ELF_MAX_SEGS);
        segs[*nseg] = (struct raw_seg){ i, off, filesz, paddr, memsz, flags };
        (*nseg)++;
    }
    if (*nseg == 0)
        return fail(c, -XEN_EINVAL, "no loadable segments");
    return 0;
}

static int read_section_headers(struct elf_ctx *c)
{
    const uint8_t *e = c->img;
    c->shoff = rd32(e + 32);
    c->shnum = rd16(e + 48);
    c->shstrndx = rd16(e + 50);
    if (c->shoff == 0 || c->shnum == 0) {
        c->shnum = 0;  /* stripped of section headers (or extended numbering): none to use */
        return 0;
    }
    if (rd16(e + 46) != SHDR_SIZE)
        return fail(c, -XEN_EINVAL, "section header entry size %u, expected 40", rd16(e + 46));
    if (!in_image(c, c->shoff, (uint64_t)c->shnum * SHDR_SIZE))
        return fail(c, -XEN_EINVAL, "section header table runs past the end of the image");
    return 0;
}

static int check_guest_kind(struct elf_ctx *c)
{
    struct xen_elf_image *o = c->out;
    const char *src = o->from_legacy_section ? "__xen_guest" : "notes";
    uint32_t req;

    if (strncmp(o->loader, "generic", 7) && strncmp(o->guest_os, "linux", 5))
        return fail(c, -XEN_EINVAL, "guest is neither LOADER \"generic\" nor GUEST_OS \"linux\" "
                    "(LOADER \"%s\", GUEST_OS \"%s\")", o->loader, o->guest_os);
    if (strncmp(o->xen_version, "xen-3.0", 7))
        return fail(c, -XEN_EINVAL, "guest is built for XEN_VERSION \"%s\", not \"xen-3.0\"",
                    o->xen_version);
    if (!c->pae_seen)
        return fail(c, -XEN_EOPNOTSUPP, "not a PAE guest (no PAE mode in its %s)", src);
    if (!c->pae)
        return fail(c, -XEN_EOPNOTSUPP, "not a PAE guest (PAE_MODE \"%s\")", o->pae_mode);
    o->pae_bimodal = c->pae == 3;
    o->pae_extended_cr3 = c->pae >= 2;  /* Xen turns bimodal into extended-cr3 for 32-bit */
    if (c->supported_note && !(o->features_supported[0] & (1u << XENFEAT_dom0)))
        return fail(c, -XEN_EOPNOTSUPP, "SUPPORTED_FEATURES lacks dom0: the kernel does not "
                    "support running as the initial domain");
    req = o->features_required[0] & XEN_ELF_REFUSED_FEATURES;
    if (req) {
        uint32_t i = 0;
        while (!(req & (1u << i)))
            i++;
        return fail(c, -XEN_EOPNOTSUPP, "guest requires feature %s, which Moat does not provide",
                    i < NR_FEATURE_NAMES && feature_names[i] ? feature_names[i] : "?");
    }
    return 0;
}

/* Xen's elf_xen_addr_calc_check plus Moat's segment rules (I3, I7). */
static int place_segments(struct elf_ctx *c, struct raw_seg *segs, uint32_t nseg)
{
    struct xen_elf_image *o = c->out;
    uint64_t kstart = ~0ull, kend = 0;

    if (c->paddr_offset != XEN_ELF_UNSET && c->virt_base == XEN_ELF_UNSET)
        return fail(c, -XEN_EINVAL, "PADDR_OFFSET is set but VIRT_BASE is not");
    o->virt_base = c->virt_base == XEN_ELF_UNSET ? 0 : c->virt_base;
    if (c->paddr_offset == XEN_ELF_UNSET)
        o->paddr_offset = o->from_legacy_section ? o->virt_base : 0;
    else
        o->paddr_offset = c->paddr_offset;
    o->virt_offset = o->virt_base - o->paddr_offset;
    if (o->virt_base & (PAGE_SIZE_4K - 1))
        return fail(c, -XEN_EINVAL, "VIRT_BASE 0x%x is not page aligned", o->virt_base);

    /* final addresses, sorted by address (insertion sort: at most 16) */
    for (uint32_t i = 0; i < nseg; i++) {
        int64_t v = (int64_t)segs[i].paddr + o->virt_base - o->paddr_offset;
        if (v < 0 || v + segs[i].memsz > 0x100000000ll)
            return fail(c, -XEN_EINVAL, "segment %u lands outside the 32-bit address space "
                        "(paddr 0x%x + VIRT_BASE 0x%x - PADDR_OFFSET 0x%x)", segs[i].idx,
                        segs[i].paddr, o->virt_base, o->paddr_offset);
        segs[i].paddr = (uint32_t)v;  /* from here on: final virtual address */
    }
    for (uint32_t i = 1; i < nseg; i++)
        for (uint32_t j = i; j > 0 && segs[j].paddr < segs[j - 1].paddr; j--) {
            struct raw_seg t = segs[j]; segs[j] = segs[j - 1]; segs[j - 1] = t;
        }
    for (uint32_t i = 0; i < nseg; i++) {
        uint64_t end = (uint64_t)segs[i].paddr + segs[i].memsz;
        if (i + 1 < nseg && end > segs[i + 1].paddr) {
            uint32_t a = segs[i].idx, b = segs[i + 1].idx;
            return fail(c, -XEN_EINVAL, "segments %u and %u overlap", a < b ? a : b,
                        a < b ? b : a);
        }
        if (end > MOAT_HOLE_START)
            return fail(c, -XEN_EINVAL, "image reaches the hypervisor area at 0x%x (segment %u "
                        "ends at 0x%llx)", MOAT_HOLE_START, segs[i].idx,
                        (unsigned long long)end);
        if (segs[i].paddr < kstart) kstart = segs[i].paddr;
        if (end > kend) kend = end;
        o->seg[i] = (struct xen_elf_segment){ segs[i].offset, segs[i].filesz, segs[i].paddr,
                                              segs[i].memsz, segs[i].flags };
    }
    o->nseg = nseg;
    o->virt_kstart = (uint32_t)kstart & ~(PAGE_SIZE_4K - 1);
    o->virt_kend = (uint32_t)((kend + PAGE_SIZE_4K - 1) & ~(uint64_t)(PAGE_SIZE_4K - 1));
    if (o->virt_base > kstart)
        return fail(c, -XEN_EINVAL, "kernel starts at 0x%x, below VIRT_BASE 0x%x",
                    (uint32_t)kstart, o->virt_base);

    o->virt_entry = c->entry == XEN_ELF_UNSET ? o->e_entry : c->entry;
    uint32_t i;
    for (i = 0; i < nseg; i++)
        if (o->virt_entry >= o->seg[i].vaddr && o->virt_entry - o->seg[i].vaddr < o->seg[i].memsz)
            break;
    if (i == nseg)
        return fail(c, -XEN_EINVAL, "entry point 0x%x outside the loaded segments",
                    o->virt_entry);

    o->virt_hypercall = XEN_ELF_UNSET;
    if (c->hypercall != XEN_ELF_UNSET) {
        uint64_t hc = c->hypercall;
        if (o->from_legacy_section)
            hc += o->virt_base;
        if (hc & (PAGE_SIZE_4K - 1))
            return fail(c, -XEN_EINVAL, "HYPERCALL_PAGE 0x%llx is not page aligned",
                        (unsigned long long)hc);
        if (hc < o->virt_kstart || hc + PAGE_SIZE_4K > o->virt_kend)
            return fail(c, -XEN_EINVAL, "HYPERCALL_PAGE 0x%llx is outside the kernel image "
                        "0x%x-0x%x", (unsigned long long)hc, o->virt_kstart, o->virt_kend);
        o->virt_hypercall = (uint32_t)hc;
    }

    o->guest_hv_start_low = c->hv_start_low;
    o->hv_start_low = MOAT_HOLE_START;
    if (c->hv_start_low != XEN_ELF_UNSET) {
        /* the guest copes with a hole starting anywhere from here up; Xen rounds it up to
         * the 2 MB an L2 entry covers, and refuses values above its own hole */
        uint64_t lo = ((uint64_t)c->hv_start_low + 0x1FFFFF) & ~0x1FFFFFull;
        if (lo > MOAT_HOLE_START)
            return fail(c, -XEN_EINVAL, "HV_START_LOW 0x%x is above the hypervisor start 0x%x",
                        c->hv_start_low, MOAT_HOLE_START);
    }
    return 0;
}

int xen_elf_parse(const void *image, uint32_t len, struct xen_elf_image *out, char *why,
                  uint32_t whylen)
{
    struct elf_ctx c;
    struct raw_seg segs[XEN_ELF_MAX_SEGS];
    uint32_t nseg;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&c, 0, sizeof(c));
    c.img = image;
    c.len = image ? len : 0;
    c.out = out;
    c.why = why;
    c.whylen = whylen;
    c.virt_base = c.paddr_offset = c.entry = c.hypercall = c.hv_start_low = XEN_ELF_UNSET;
    out->virt_hypercall = XEN_ELF_UNSET;
    out->guest_hv_start_low = XEN_ELF_UNSET;
    if (why && whylen)
        why[0] = '\0';

    if ((rc = check_header(&c)))
        return rc;
    out->e_entry = rd32(c.img + 24);
    if ((rc = read_section_headers(&c)))
        return rc;
    if ((rc = read_program_headers(&c, segs, &nseg)))
        return rc;
    if (c.xen_notes == 0 && (rc = notes_from_sections(&c)))
        return rc;
    if (c.xen_notes == 0) {
        uint32_t off, size, idx = section_by_name(&c, "__xen_guest", &rc);
        if (rc)
            return rc;
        if (!idx)
            return fail(&c, -XEN_EINVAL, "no Xen notes and no __xen_guest section");
        if ((rc = section_bounds(&c, idx, &off, &size)))
            return rc;
        if ((rc = parse_legacy(&c, off, size)))
            return rc;
    }
    if ((rc = check_guest_kind(&c)))
        return rc;
    return place_segments(&c, segs, nseg);
}
