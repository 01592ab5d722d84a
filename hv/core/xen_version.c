/* HYPERVISOR_xen_version(cmd, arg): Moat answers as Xen 4.17 answers a 32-bit PV guest.
 *
 *   XENVER_version             0x00040011 (4.17)
 *   XENVER_extraversion        ".0-moat" (16 bytes, NUL padded)
 *   XENVER_compile_info        compiler, "moat", domain, build date
 *   XENVER_capabilities        "xen-3.0-x86_32p" (1024 bytes)
 *   XENVER_changeset           "unavailable" (64 bytes)
 *   XENVER_platform_parameters virt_start = HYPERVISOR_VIRT_START
 *   XENVER_get_features        submap 0 only (else -EINVAL): the features Moat implements,
 *                              see get_features_submap0(); -EFAULT on a bad pointer
 *   XENVER_pagesize            4096, or -EINVAL if arg is not NULL (as Xen)
 *   XENVER_guest_handle        16 zero bytes (the initial domain has no toolstack UUID)
 *   XENVER_commandline         Moat's own command line (1024 bytes)
 *   XENVER_build_id            -ENODATA (Moat carries no build id), after Xen's argument
 *                              checks (-EFAULT, -EINVAL for len 0)
 *   anything else              -ENOSYS */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/version.h>
#include <xen/features.h>
#include "hypercall.h"
#include "uaccess.h"
#include "moat_errno.h"

extern char moat_cmdline[1024];

#define MOAT_XEN_MAJOR 4
#define MOAT_XEN_MINOR 17

static uint32_t get_features_submap0(const struct domain *d)
{
    uint32_t f = 0;
    /* As Xen: the guest may keep page directories above 4 GB once it enabled the
     * pae_extended_cr3 assist (the builder enables it for "yes[extended-cr3]"/bimodal
     * guests). True for Moat: it hands out frames below 4 GB only. */
    if (d->vm_assist & (1ul << VMASST_TYPE_pae_extended_cr3))
        f |= 1u << XENFEAT_pae_pgdir_above_4gb;
    if (d->is_initial)
        f |= 1u << XENFEAT_dom0;
    /* MMU_PT_UPDATE_PRESERVE_AD is offered only once mmu_update exists (issue 4). Not offered:
     * writable_page_tables, auto_translated_physmap, supervisor_mode_kernel, highmem_assist,
     * gnttab_map_avail_bits, memory_op_vnode_supported (Moat has none of them). */
    if (hypercall_implemented(__HYPERVISOR_mmu_update))
        f |= 1u << XENFEAT_mmu_pt_update_preserve_ad;
    return f;
}

/* NUL-padded copy of s into a field of `size` bytes (always terminated). */
static void fill_field(char *dst, const char *s, uint32_t size)
{
    uint32_t i = 0;
    for (; i + 1 < size && s[i]; i++)
        dst[i] = s[i];
    for (; i < size; i++)
        dst[i] = 0;
}

static long copy_string_out(uint32_t arg, const char *s, uint32_t size)
{
    char buf[1024];
    fill_field(buf, s, size);
    return copy_to_guest(arg, buf, size) ? -EFAULT : 0;
}

static long __attribute__((noinline)) xen_version_query(uint32_t cmd, uint32_t arg);

/* XENVER_version is the guest's "cheapest hypercall" (a PV kernel issues it to force a
 * pending event upcall after unmasking): answer it without the frame the other queries'
 * on-stack structures need. */
long do_xen_version(uint32_t cmd, uint32_t arg)
{
    if (cmd == XENVER_version)
        return (MOAT_XEN_MAJOR << 16) | MOAT_XEN_MINOR;
    return xen_version_query(cmd, arg);
}

static long xen_version_query(uint32_t cmd, uint32_t arg)
{
    struct domain *d = current_domain();

    switch (cmd) {
    case XENVER_version:
        return (MOAT_XEN_MAJOR << 16) | MOAT_XEN_MINOR;
    case XENVER_extraversion:
        return copy_string_out(arg, ".0-moat", sizeof(xen_extraversion_t));
    case XENVER_compile_info: {
        struct xen_compile_info info;
        fill_field(info.compiler, "gcc " __VERSION__, sizeof(info.compiler));
        fill_field(info.compile_by, "moat", sizeof(info.compile_by));
        fill_field(info.compile_domain, "localdomain", sizeof(info.compile_domain));
        fill_field(info.compile_date, __DATE__ " " __TIME__, sizeof(info.compile_date));
        return copy_to_guest(arg, &info, sizeof(info)) ? -EFAULT : 0;
    }
    case XENVER_capabilities:
        return copy_string_out(arg, "xen-3.0-x86_32p", sizeof(xen_capabilities_info_t));
    case XENVER_changeset:
        return copy_string_out(arg, "unavailable", sizeof(xen_changeset_info_t));
    case XENVER_platform_parameters: {
        struct xen_platform_parameters p = { .virt_start = HYPERVISOR_VIRT_START };
        return copy_to_guest(arg, &p, sizeof(p)) ? -EFAULT : 0;
    }
    case XENVER_get_features: {
        struct xen_feature_info fi;
        if (copy_from_guest(&fi, arg, sizeof(fi)))
            return -EFAULT;
        if (fi.submap_idx != 0)
            return -EINVAL;
        fi.submap = get_features_submap0(d);
        return copy_to_guest(arg, &fi, sizeof(fi)) ? -EFAULT : 0;
    }
    case XENVER_pagesize:
        return arg ? -EINVAL : 4096;
    case XENVER_guest_handle: {
        xen_domain_handle_t h = {0};
        return copy_to_guest(arg, h, sizeof(h)) ? -EFAULT : 0;
    }
    case XENVER_commandline:
        return copy_string_out(arg, moat_cmdline, sizeof(xen_commandline_t));
    case XENVER_build_id: {
        if (arg) {
            uint32_t len;
            if (copy_from_guest(&len, arg, sizeof(len)))
                return -EFAULT;
            if (len == 0)
                return -EINVAL;
        }
        return -ENODATA;
    }
    default:
        return -ENOSYS;
    }
}
