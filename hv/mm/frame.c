/* The frame table, the machine-to-phys table and the frame allocator (see pmem.h).
 *
 * Boot order: the frames for the frame table and the m2p themselves come from a bump
 * allocator over the RAM ranges that skips every reserved range; once the table exists those
 * frames are marked as Moat's like the other reserved ones, and everything else that is RAM
 * becomes FREE. */
#include <stdint.h>
#include <lib/string.h>
#include "pmem.h"
#include "paging.h"
#include "memlayout.h"
#include "multiboot.h"
#include "console.h"
#include "mapcache.h"

struct frame *frame_table;
mfn_t frame_table_size;
static uint32_t *m2p_rw = (uint32_t *)RDWR_MPT_START;
static uint32_t nr_free, nr_ram;
static mfn_t next_low = 0, next_high;   /* allocation cursors */

extern char _image_start[], _image_end[];

#define MAX_FRAMES_FT ((FRAMETABLE_END - FRAMETABLE_START) / sizeof(struct frame))
#define MAX_FRAMES_4G 0x100000u

struct range { uint64_t s, e; };
static struct range reserved[BOOT_MAX_MODS + 3];
static uint32_t nr_reserved;

static int is_reserved(uint64_t pa)
{
    for (uint32_t i = 0; i < nr_reserved; i++)
        if (pa >= reserved[i].s && pa < reserved[i].e)
            return 1;
    return 0;
}

static int is_ram(const struct boot_info *bi, uint64_t pa)
{
    for (uint32_t i = 0; i < bi->nr_ram; i++)
        if (pa >= bi->ram[i].start && pa < bi->ram[i].end)
            return 1;
    return 0;
}

/* Bump allocator for the tables themselves: returns increasing free RAM frames. */
static uint64_t bump_pa;
static mfn_t bump_first = INVALID_MFN, bump_last;
static mfn_t boot_frame(const struct boot_info *bi)
{
    for (; bump_pa < ((uint64_t)MAX_FRAMES_4G << 12); bump_pa += 4096) {
        if (is_ram(bi, bump_pa) && !is_reserved(bump_pa)) {
            mfn_t m = (mfn_t)(bump_pa >> 12);
            bump_pa += 4096;
            if (bump_first == INVALID_MFN)
                bump_first = m;
            bump_last = m;
            return m;
        }
    }
    panic("out of memory while building the frame table");
}

static void zero_frame(mfn_t mfn)
{
    void *p = frame_map(mfn);
    memset(p, 0, 4096);
    frame_unmap(p);
}

void frame_table_init(const struct boot_info *bi)
{
    uint64_t top = 0;
    for (uint32_t i = 0; i < bi->nr_ram; i++)
        if (bi->ram[i].end > top)
            top = bi->ram[i].end;
    uint64_t nframes = top >> 12;
    if (nframes > MAX_FRAMES_4G) {
        log_warn("RAM above 4 GB ignored (Moat uses machine memory below 4 GB)\n");
        nframes = MAX_FRAMES_4G;
    }
    if (nframes > MAX_FRAMES_FT)
        nframes = MAX_FRAMES_FT;
    frame_table_size = (mfn_t)nframes;

    nr_reserved = 0;
    reserved[nr_reserved++] = (struct range){0, 0x100000};
    reserved[nr_reserved++] = (struct range){dm_pa(_image_start), dm_pa(_image_end)};
    for (uint32_t i = 0; i < bi->nr_mods; i++)
        reserved[nr_reserved++] = (struct range){bi->mods[i].start & ~0xFFFull,
                                                 ((uint64_t)bi->mods[i].end + 0xFFF) & ~0xFFFull};
    bump_pa = 0x100000;

    /* frame table */
    uint32_t ft_pages = (uint32_t)((nframes * sizeof(struct frame) + 4095) / 4096);
    for (uint32_t i = 0; i < ft_pages; i++) {
        mfn_t m = boot_frame(bi);
        moat_map(FRAMETABLE_START + i * 4096, m, PTE_RW | pte_nx | pte_global);
        memset((void *)(FRAMETABLE_START + i * 4096), 0, 4096);
    }
    frame_table = (struct frame *)FRAMETABLE_START;

    /* m2p: the same frames writable at RDWR_MPT and read-only (guest-visible) at RO_MPT */
    uint32_t m2p_pages = (uint32_t)((nframes * 4 + 4095) / 4096);
    for (uint32_t i = 0; i < m2p_pages; i++) {
        mfn_t m = boot_frame(bi);
        moat_map(RDWR_MPT_START + i * 4096, m, PTE_RW | pte_nx | pte_global);
        moat_map(RO_MPT_START + i * 4096, m, PTE_US | pte_nx | pte_global);
        memset((void *)(RDWR_MPT_START + i * 4096), 0xFF, 4096);   /* all M2P_INVALID */
    }

    nr_free = nr_ram = 0;
    for (mfn_t m = 0; m < frame_table_size; m++) {
        struct frame *f = &frame_table[m];
        uint64_t pa = (uint64_t)m << 12;
        if (!is_ram(bi, pa)) {
            f->owner = FRAME_OWNER_IO;
            continue;
        }
        nr_ram++;
        if (is_reserved(pa) || (bump_first != INVALID_MFN && m >= bump_first && m <= bump_last)) {
            f->owner = FRAME_OWNER_MOAT;
            f->count = 1;
        } else {
            f->owner = FRAME_OWNER_FREE;
            nr_free++;
        }
    }
    next_high = frame_table_size;
    log_info("frame table: %u frames (%u KB of struct frame at %#x), m2p %u pages, "
             "%u RAM frames, %u free\n", frame_table_size, ft_pages * 4, FRAMETABLE_START,
             m2p_pages, nr_ram, nr_free);
}

static void take(mfn_t m, uint16_t owner)
{
    struct frame *f = &frame_table[m];
    f->owner = owner;
    f->type = FT_NONE;
    f->flags = 0;
    f->type_count = 0;
    f->count = 1;
    nr_free--;
    zero_frame(m);
}

mfn_t frame_alloc(uint16_t owner, unsigned flags)
{
    if (nr_free == 0)
        return INVALID_MFN;
    if (flags & FRAME_ALLOC_HIGH) {
        /* top-down, so a domain's pfn 0 is the highest free machine frame: pfn != mfn */
        for (uint32_t pass = 0; pass < 2; pass++) {
            for (mfn_t m = next_high; m-- > 0;) {
                if (frame_table[m].owner == FRAME_OWNER_FREE) {
                    next_high = m;
                    take(m, owner);
                    return m;
                }
            }
            next_high = frame_table_size;
        }
        return INVALID_MFN;
    }
    mfn_t limit = frame_table_size;
    if ((flags & FRAME_ALLOC_LOW) && limit > (DIRECTMAP_SIZE >> 12))
        limit = DIRECTMAP_SIZE >> 12;
    for (uint32_t pass = 0; pass < 2; pass++) {
        for (mfn_t m = next_low; m < limit; m++) {
            if (frame_table[m].owner == FRAME_OWNER_FREE) {
                next_low = m + 1;
                take(m, owner);
                return m;
            }
        }
        next_low = 0;
    }
    return INVALID_MFN;
}

void frame_free(mfn_t mfn)
{
    if (!mfn_valid(mfn) || frame_table[mfn].owner == FRAME_OWNER_FREE ||
        frame_table[mfn].owner == FRAME_OWNER_IO)
        panic("frame_free(%#x): not an allocated frame", mfn);
    struct frame *f = &frame_table[mfn];
    f->owner = FRAME_OWNER_FREE;
    f->type = FT_NONE;
    f->flags = 0;
    f->type_count = 0;
    f->count = 0;
    m2p_set(mfn, M2P_INVALID);
    nr_free++;
}

uint32_t frame_release_boot_range(uint64_t start, uint64_t end)
{
    uint32_t n = 0;
    uint64_t img_s = dm_pa(_image_start), img_e = dm_pa(_image_end);
    for (uint64_t pa = (start + 0xFFF) & ~0xFFFull; pa + 4096 <= end; pa += 4096) {
        mfn_t m = (mfn_t)(pa >> 12);
        if (pa < 0x100000 || (pa >= img_s && pa < img_e) || !mfn_valid(m) ||
            frame_table[m].owner != FRAME_OWNER_MOAT ||
            (bump_first != INVALID_MFN && m >= bump_first && m <= bump_last && !is_reserved(pa)))
            continue;   /* frames of the tables themselves are interleaved with the modules */
        frame_free(m);
        n++;
    }
    return n;
}

uint32_t frames_free(void) { return nr_free; }
uint32_t frames_total_ram(void) { return nr_ram; }

void *heap_alloc_page(void)
{
    mfn_t m = frame_alloc(FRAME_OWNER_MOAT, FRAME_ALLOC_LOW);
    if (m == INVALID_MFN)
        return 0;
    return dm_va(m << 12);
}

void m2p_set(mfn_t mfn, uint32_t pfn)
{
    if (mfn_valid(mfn))
        m2p_rw[mfn] = pfn;
}

uint32_t m2p_get(mfn_t mfn)
{
    return mfn_valid(mfn) ? m2p_rw[mfn] : M2P_INVALID;
}
