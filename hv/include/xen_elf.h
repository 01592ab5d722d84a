/* The domain builder's view of a guest kernel: an ELF32 image plus its Xen notes.
 *
 * xen_elf_parse() is pure (no hardware, no allocation): it reads the image bytes, checks them
 * against every rule below and fills a struct xen_elf_image the builder can trust. It compiles
 * freestanding for Moat and on the host (-DMOAT_HOST_TEST) for the cmocka tests.
 *
 * What an accepted image guarantees (the builder may rely on all of it):
 *   - ELF32, little-endian, EM_386, ET_EXEC, version 1, header sizes as the spec says;
 *   - 1..XEN_ELF_MAX_SEGS PT_LOAD segments, each with filesz <= memsz, file bytes inside the
 *     image, no address wrap, no two segments overlapping; seg[] is sorted by vaddr;
 *   - seg[i].vaddr is the FINAL guest-virtual address: ELF p_paddr + virt_offset (as Xen loads);
 *   - virt_kstart/virt_kend (page-rounded outwards) cover every segment, virt_base <=
 *     virt_kstart, and virt_kend <= hv_start_low (== HYPERVISOR_VIRT_START);
 *   - virt_entry lies inside a segment; virt_hypercall (if set) is a whole page inside
 *     [virt_kstart, virt_kend);
 *   - LOADER is "generic" or GUEST_OS "linux", XEN_VERSION starts with "xen-3.0" (as Xen);
 *   - the guest is PAE (notes: PAE_MODE "yes" or containing "bimodal"; legacy: PAE=yes...)
 *     and requires no feature in XEN_ELF_REFUSED_FEATURES.
 *
 * Errors: every refusal returns a negative Xen errno and writes one specific sentence to `why`:
 *   -EINVAL   malformed image (truncated, bad header, bad segments/notes, addresses out of range)
 *   -ENOEXEC  well-formed ELF that is not something Moat runs (ELF64, not i386, not ET_EXEC)
 *   -EOPNOTSUPP the guest needs something Moat does not provide (not PAE, a required feature)
 * (Xen's libelf reports nearly everything as -EINVAL; the finer split only helps callers tell
 * "broken file" from "wrong kind of guest". The builder prints `why` either way.) */
#ifndef MOAT_XEN_ELF_H
#define MOAT_XEN_ELF_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/features.h>

#define XEN_ELF_UNSET 0xFFFFFFFFu
#define XEN_ELF_MAX_SEGS 16

/* Required features ('!name' in FEATURES) that make Moat refuse a guest, by name. Exactly
 * Xen 4.17's dom0 rule: it refuses only a guest that requires supervisor_mode_kernel ("Dom0
 * requires supervisor-mode execution") and boots guests that require anything else it knows
 * (checked on real Xen with !auto_translated_physmap and !writable_descriptor_tables; XTF and
 * Linux both declare "!writable_page_tables"). An unknown required name is refused by the
 * parser itself, as libelf does. What is really offered, the guest learns from
 * XENVER_get_features. */
#define XEN_ELF_REFUSED_FEATURES (1u << XENFEAT_supervisor_mode_kernel)

struct xen_elf_segment {
    uint32_t offset;  /* file offset of the data */
    uint32_t filesz;  /* bytes copied from the file; the rest up to memsz is zeroed */
    uint32_t vaddr;   /* final guest-virtual address */
    uint32_t memsz;
    uint32_t flags;   /* PF_R | PF_W | PF_X from the program header */
};

struct xen_elf_image {
    struct xen_elf_segment seg[XEN_ELF_MAX_SEGS];
    uint32_t nseg;

    uint32_t virt_base;      /* VIRT_BASE (0 if absent) */
    uint32_t paddr_offset;   /* PADDR_OFFSET after defaulting (see elf.c) */
    uint32_t virt_offset;    /* virt_base - paddr_offset: ELF paddr + virt_offset = final vaddr */
    uint32_t virt_kstart;    /* lowest segment address, rounded down to 4 KB */
    uint32_t virt_kend;      /* end of the highest segment, rounded up to 4 KB */
    uint32_t virt_entry;     /* ENTRY note, else e_entry as is (Xen does not relocate it) */
    uint32_t virt_hypercall; /* guest-virtual hypercall page (page aligned), or XEN_ELF_UNSET */
    uint32_t hv_start_low;   /* where the hypervisor hole starts for this guest: always
                              * HYPERVISOR_VIRT_START on Moat (the hole is fixed); everything
                              * the builder maps must end at or below it */
    uint32_t guest_hv_start_low; /* the HV_START_LOW note as given, or XEN_ELF_UNSET */

    char guest_os[32], guest_version[32], xen_version[32], loader[32], pae_mode[32];
    uint32_t features_supported[XENFEAT_NR_SUBMAPS]; /* every feature named or in the bitmap */
    uint32_t features_required[XENFEAT_NR_SUBMAPS];  /* the '!' ones */

    int from_legacy_section;  /* notes came from the __xen_guest section */
    int pae_extended_cr3;     /* "yes[extended-cr3]" (legacy) or any note-era PAE guest */
    int pae_bimodal;          /* PAE_MODE "bimodal" / "yes,bimodal" */
    uint32_t mod_start_pfn;   /* MOD_START_PFN note: non-zero = the guest accepts an initrd
                               * outside its initial mapping (start_layout then leaves it out) */
    uint32_t e_entry;         /* the raw ELF header entry, for diagnostics */
};

/* Parses and validates `len` bytes at `image`. Returns 0 or a negative Xen errno (above);
 * on error `why` (if whylen > 0) holds a NUL-terminated reason without a trailing newline. */
int xen_elf_parse(const void *image, uint32_t len, struct xen_elf_image *out,
                  char *why, uint32_t whylen);

#endif
