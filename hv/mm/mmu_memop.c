/* HYPERVISOR_memory_op: the queries a PV guest needs at boot.
 *
 *  XENMEM_maximum_ram_page      highest machine frame + 1 (Xen's max_page)
 *  XENMEM_current_reservation   pages the domain has (arg: domid_t, DOMID_SELF only)
 *  XENMEM_maximum_reservation   pages it may have
 *  XENMEM_memory_map            the pseudo-physical map: one RAM range [0, nr_pages); but
 *                               -ENOSYS for the initial domain, exactly as Xen 4.17 answers a
 *                               PV dom0 (which has no pseudo-physical map set and reads the
 *                               machine map instead; guests fall back to nr_pages)
 *  XENMEM_machine_memory_map    the machine's map (initial domain only, -EPERM otherwise;
 *                               -EINVAL if the buffer cannot hold it all, as Xen)
 *  XENMEM_machphys_mapping      where the read-only m2p table is: Moat's real layout, which
 *                               is the 32-bit PAE one of xen-x86_32.h (0xF5800000-0xF6800000);
 *                               max_mfn is the last frame Moat has (entries exist up to it)
 * Everything else -ENOSYS (Moat does not grow or shrink domains). Queries that take no extent
 * refuse a non-zero start_extent in the command word (-EINVAL, or -ENOSYS for the arch ones,
 * as Xen's dispatch does).
 */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/memory.h>
#include <xen/errno.h>
#include "frame.h"
#include "mmu.h"

#define MEMOP_EXTENT_SHIFT 6   /* Xen-internal encoding: start_extent in bits 6+ */
#define MEMOP_CMD_MASK ((1u << MEMOP_EXTENT_SHIFT) - 1)

static long reservation(struct mm_ctx *c, uint32_t cmd, uint32_t arg)
{
    domid_t domid;

    if (mm_copy_from_guest(&domid, arg, sizeof domid))
        return -XEN_EFAULT;
    if (domid != DOMID_SELF && domid != c->dom)
        return -XEN_ESRCH;
    return cmd == XENMEM_current_reservation ? c->nr_pages : c->max_pages;
}

/* struct xen_memory_map in, entries out through its buffer handle. */
static long memory_map(struct mm_ctx *c, uint32_t arg, int machine)
{
    struct xen_memory_map map;
    struct mm_e820 e[32];
    uint32_t n, i, buf;

    if (mm_copy_from_guest(&map, arg, sizeof map))
        return -XEN_EFAULT;
    buf = (uint32_t)(uintptr_t)map.buffer.p;
    if (machine) {
        if (!c->privileged)
            return -XEN_EPERM;
        n = mm_machine_memory_map(e, 32);
        if (n > 32)
            n = 32;
    } else {
        if (c->privileged)
            return -XEN_ENOSYS;
        e[0].addr = 0;
        e[0].size = (uint64_t)c->nr_pages << 12;
        e[0].type = 1;
        n = 1;
    }
    if (n > map.nr_entries) {
        if (machine)
            return -XEN_EINVAL;
        n = map.nr_entries;
    }
    for (i = 0; i < n; i++)
        if (mm_copy_to_guest(buf + i * (uint32_t)sizeof e[0], &e[i], sizeof e[0]))
            return -XEN_EFAULT;
    map.nr_entries = n;
    if (mm_copy_to_guest(arg, &map, sizeof map))
        return -XEN_EFAULT;
    return 0;
}

long mm_memory_op(struct mm_ctx *c, uint32_t cmd, uint32_t arg)
{
    uint32_t op = cmd & MEMOP_CMD_MASK, extent = cmd >> MEMOP_EXTENT_SHIFT;

    switch (op) {
    case XENMEM_maximum_ram_page:
        if (extent)
            return -XEN_EINVAL;
        return (long)frame_table_size;
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
        if (extent)
            return -XEN_EINVAL;
        return reservation(c, op, arg);
    case XENMEM_memory_map:
    case XENMEM_machine_memory_map:
        if (extent)
            return -XEN_ENOSYS;
        return memory_map(c, arg, op == XENMEM_machine_memory_map);
    case XENMEM_machphys_mapping: {
        struct xen_machphys_mapping m;

        if (extent)
            return -XEN_ENOSYS;
        m.v_start = MACH2PHYS_VIRT_START;
        m.v_end = MACH2PHYS_VIRT_END;
        m.max_mfn = frame_table_size ? frame_table_size - 1 : 0;
        if (m.max_mfn > MACH2PHYS_NR_ENTRIES - 1)
            m.max_mfn = MACH2PHYS_NR_ENTRIES - 1;
        return mm_copy_to_guest(arg, &m, sizeof m) ? -XEN_EFAULT : 0;
    }
    default:
        return -XEN_ENOSYS;
    }
}
