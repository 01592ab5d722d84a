/* A simulated machine for the host tests of hv/mm: a frame table and the memory behind it, plus
 * the hooks hv/mm expects from the rest of Moat (frame_map/frame_unmap, moat_l2_slot3_install,
 * pagetype_type_change_flush). Included by exactly one test file per test binary.
 *
 * Layout (SIM_FRAMES frames):
 *   0..7    Moat's own frames (FRAME_OWNER_MOAT), 8..9 free, 10..11 I/O,
 *   12..47  domain 1 (the guest under test), 48..55 domain 2 (another guest),
 *   56..63  domain 0 (used where the initial domain's extra rights matter).
 * Every owned frame starts with count 1: the allocation reference, as in the hypervisor. */
#ifndef SIM_MACHINE_H
#define SIM_MACHINE_H
#include <stdint.h>
#include <string.h>
#include "frame.h"
#include "mapcache.h"
#include "pagetype.h"

#define SIM_FRAMES 64u
#define DOM  1
#define DOM2 2
#define MOAT_FRAME 3u
#define FREE_FRAME 8u
#define IO_FRAME   10u
#define D1(i)  (12u + (i))   /* i < 36 */
#define D2(i)  (48u + (i))
#define D0(i)  (56u + (i))
#define MOAT_SLOT_MARK 0x00000000F0000063ull  /* what the fake slot-3 installer writes */

struct frame *frame_table;
mfn_t frame_table_size;
static struct frame sim_frames[SIM_FRAMES];
static uint64_t sim_mem[SIM_FRAMES][512] __attribute__((aligned(4096)));
static int sim_map_depth, sim_map_max;
static unsigned sim_flushes, sim_slot3_installs;
extern uint32_t pagetype_bugs;

void *frame_map(mfn_t mfn)
{
    if (mfn >= SIM_FRAMES)
        return NULL;   /* the code under test must never ask for this */
    sim_map_depth++;
    if (sim_map_depth > sim_map_max)
        sim_map_max = sim_map_depth;
    return sim_mem[mfn];
}

void frame_unmap(void *va)
{
    (void)va;
    sim_map_depth--;
}

void moat_l2_slot3_install(uint64_t *l2)
{
    unsigned i;
    sim_slot3_installs++;
    for (i = MOAT_L2_FIRST_SLOT; i < 512; i++)
        l2[i] = MOAT_SLOT_MARK + ((uint64_t)i << 12);
}

void pagetype_type_change_flush(uint16_t dom)
{
    (void)dom;
    sim_flushes++;
}

static void sim_reset(void)
{
    unsigned i;
    memset(sim_frames, 0, sizeof sim_frames);
    memset(sim_mem, 0, sizeof sim_mem);
    for (i = 0; i < SIM_FRAMES; i++) {
        uint16_t o;
        if (i < 8) o = FRAME_OWNER_MOAT;
        else if (i < 10) o = FRAME_OWNER_FREE;
        else if (i < 12) o = FRAME_OWNER_IO;
        else if (i < 48) o = DOM;
        else if (i < 56) o = DOM2;
        else o = 0;
        sim_frames[i].owner = o;
        sim_frames[i].count = (o == FRAME_OWNER_FREE) ? 0 : 1;
    }
    frame_table = sim_frames;
    frame_table_size = SIM_FRAMES;
    sim_map_depth = sim_map_max = 0;
    sim_flushes = sim_slot3_installs = 0;
    pagetype_bugs = 0;
    pagetype_init(1);
}

static __attribute__((unused)) int sim_setup(void **state)
{
    (void)state;
    sim_reset();
    return 0;
}

/* Entry builders. */
static inline uint64_t rw(mfn_t m) { return ((uint64_t)m << 12) | PTE_P | PTE_RW | PTE_US | PTE_A; }
static inline uint64_t ro(mfn_t m) { return ((uint64_t)m << 12) | PTE_P | PTE_US | PTE_A; }
static inline uint64_t pde(mfn_t m) { return ((uint64_t)m << 12) | PTE_P | PTE_RW | PTE_US | PTE_A; }
static inline uint64_t pdpte(mfn_t m) { return ((uint64_t)m << 12) | PTE_P; }

/* Snapshot of the whole frame table, to prove "exactly as before": every frame's general
 * count, type count and pin flag are identical, and no frame claims to be a validated page
 * table without a use (a frame whose type was only changed at count zero may keep its new
 * type: at count zero the type is a hint that any request may overwrite, as in Xen). */
struct sim_snapshot { struct frame f[SIM_FRAMES]; };
static inline void sim_snap(struct sim_snapshot *s) { memcpy(s->f, sim_frames, sizeof sim_frames); }
static inline int sim_counts_same(const struct sim_snapshot *s)
{
    unsigned i;
    for (i = 0; i < SIM_FRAMES; i++)
        if (s->f[i].count != sim_frames[i].count ||
            s->f[i].type_count != sim_frames[i].type_count ||
            (s->f[i].flags & FF_PINNED) != (sim_frames[i].flags & FF_PINNED))
            return 0;
    return 1;
}
static inline int sim_same(const struct sim_snapshot *s)
{
    unsigned i;
    if (!sim_counts_same(s))
        return 0;
    for (i = 0; i < SIM_FRAMES; i++)
        if (sim_frames[i].type_count == 0 && frame_type_is_pt(sim_frames[i].type) &&
            (sim_frames[i].flags & FF_VALIDATED))
            return 0;
    return 1;
}
/* The frame itself is byte-for-byte as before (type and flags too). */
static inline int sim_frame_same(const struct sim_snapshot *s, mfn_t m)
{
    return memcmp(&s->f[m], &sim_frames[m], sizeof(struct frame)) == 0;
}
#endif
