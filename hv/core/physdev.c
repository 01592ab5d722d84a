/* physdev_op: the I/O privileges of a vcpu (issue 5). As Xen 4.17:
 *   PHYSDEVOP_set_iopl      iopl 0..3 (else -EINVAL); becomes the virtual IOPL the emulator
 *                           checks and the bounce frame's EFLAGS.IOPL
 *   PHYSDEVOP_set_iobitmap  nr_ports <= 65536 (else -EINVAL); the bitmap stays in guest memory
 *                           and is read at each emulated in/out (a set bit denies, as the TSS
 *                           bitmap; unreadable bytes deny)
 * Other commands: -ENOSYS here (interrupt routing belongs to the event-channel work, which
 * adds its cases to this switch). An unreadable argument: -EFAULT. */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/physdev.h>
#include "domain.h"
#include "uaccess.h"
#include "moat_errno.h"
#include "x86.h"

long do_physdev_op(uint32_t cmd, uint32_t arg)
{
    struct vcpu *v = current_vcpu();
    switch (cmd) {
    case PHYSDEVOP_set_iopl: {
        struct physdev_set_iopl s;
        if (copy_from_guest(&s, arg, sizeof(s)))
            return -EFAULT;
        if (s.iopl > 3)
            return -EINVAL;
        v->pv.iopl = (s.iopl << 12) & X86_EFLAGS_IOPL;
        return 0;
    }
    case PHYSDEVOP_set_iobitmap: {
        struct physdev_set_iobitmap s;
        _Static_assert(sizeof(s) == 8, "32-bit layout: bitmap handle, nr_ports");
        if (copy_from_guest(&s, arg, sizeof(s)))
            return -EFAULT;
        if (s.nr_ports > 65536)
            return -EINVAL;
        v->pv.iobmp_va = (uint32_t)(uintptr_t)s.bitmap.p;
        v->pv.iobmp_nr = s.nr_ports;
        return 0;
    }
    default:
        return -ENOSYS;
    }
}
