/* HYPERVISOR_vm_assist(cmd, type): the types current Xen accepts from a 32-bit PV guest
 * (its valid mask truncated to 32 bits: 4gb_segments, 4gb_segments_notify,
 * writable_pagetables, pae_extended_cr3, architectural_iopl, runstate_update_flag; not
 * m2p_strict, which is 64-bit only). Any other type -EINVAL; a known type with a command
 * other than enable/disable -ENOSYS (Xen's order of checks). The bits are recorded per
 * domain; what each assist changes is implemented where that behaviour lives (e.g.
 * pae_extended_cr3 in get_features). */
#include <stdint.h>
#include <xen/xen.h>
#include "hypercall.h"
#include "moat_errno.h"

#define VM_ASSIST_VALID_32 ((1ul << VMASST_TYPE_4gb_segments) |        \
                            (1ul << VMASST_TYPE_4gb_segments_notify) | \
                            (1ul << VMASST_TYPE_writable_pagetables) | \
                            (1ul << VMASST_TYPE_pae_extended_cr3) |    \
                            (1ul << VMASST_TYPE_architectural_iopl) |  \
                            (1ul << VMASST_TYPE_runstate_update_flag))

long do_vm_assist(uint32_t cmd, uint32_t type)
{
    struct domain *d = current_domain();
    if (type >= 32 || !(VM_ASSIST_VALID_32 & (1ul << type)))
        return -EINVAL;
    switch (cmd) {
    case VMASST_CMD_enable:
        d->vm_assist |= 1ul << type;
        return 0;
    case VMASST_CMD_disable:
        d->vm_assist &= ~(1ul << type);
        return 0;
    default:
        return -ENOSYS;
    }
}
