/* The frame table: one entry per machine frame, saying who owns it and what it is used as.
 *
 * This header is shared by the hypervisor proper (hv/) and the host unit tests of the page-type
 * state machine (tests/unit/), so it uses only <stdint.h> types.
 *
 * Fields:
 *   owner       DOMID of the owning domain; FRAME_OWNER_MOAT for frames Moat uses itself
 *               (its image, its heap, page tables it built for itself, the m2p table);
 *               FRAME_OWNER_FREE for frames in the free pool; FRAME_OWNER_IO for frames that
 *               are not RAM (holes in the memory map, MMIO).
 *   type        what the frame is validated as (enum frame_type, see hv/mm/pagetype.c for the
 *               rules); FT_NONE means "no type yet", FT_WRITABLE means "mapped writable".
 *   type_count  how many uses of the current type exist (writable mappings for FT_WRITABLE,
 *               references from higher-level tables or pins/CR3 for page-table types).
 *   count       general references (any mapping, any type use, allocation); a frame returns to
 *               the free pool only when this drops to zero.
 *   flags       FF_VALIDATED once its contents were checked for the current type;
 *               FF_PINNED while the guest holds an explicit pin.
 */
#ifndef MOAT_FRAME_H
#define MOAT_FRAME_H
#include <stdint.h>

typedef uint32_t mfn_t;

#define FRAME_OWNER_MOAT 0x7FF2u /* DOMID_XEN in xen.h: frames belonging to the hypervisor */
#define FRAME_OWNER_IO   0x7FF1u /* DOMID_IO: not RAM */
#define FRAME_OWNER_FREE 0x7FF4u /* DOMID_INVALID: in the free pool */

enum frame_type {
    FT_NONE = 0,
    FT_WRITABLE,     /* mapped writable somewhere (or may be) */
    FT_L1,           /* PAE page table (4 KB pages) */
    FT_L2,           /* PAE page directory, not under L3 slot 3 */
    FT_L2_MOAT,      /* PAE page directory under L3 slot 3: its top entries are Moat's */
    FT_L3,           /* PAE page-directory-pointer table */
    FT_SEG_DESC,     /* GDT/LDT frame */
    FT_COUNT
};

#define FF_VALIDATED 0x01
#define FF_PINNED    0x02

struct frame {
    uint16_t owner;
    uint8_t  type;
    uint8_t  flags;
    uint32_t type_count;
    uint32_t count;
};

/* The table itself: frame_table[mfn] for 0 <= mfn < frame_table_size. Allocated by the
 * hypervisor at boot (hv/mm/frame.c); the host unit tests allocate a simulated one. */
extern struct frame *frame_table;
extern mfn_t frame_table_size;

#endif
