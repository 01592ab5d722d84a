/* The vm86old (113) and vm86 (166) system-call entries. Always built: with CONFIG_VM86=n the
 * header's do_vm86 stub answers -ENOSYS, and on a PV hypervisor so does this file, with one
 * log line saying why (the rest of kernel/vm86/ is the implementation). */
#include <stdint.h>
#include <lib/string.h>
#include "vm86.h"
#include "printk.h"
#include "proc.h"
#include "uapi.h"
#include "syscall/syscalls.h"
#include "pv/pvops.h"

static long vm86_call(uint32_t cmd, uint32_t arg, int plus)
{
    static int logged;
    const char *why = 0;
    if (!CONFIG_VM86)
        why = "not configured (CONFIG_VM86=n)";
    else if (strcmp(pv_backend_name(), "native"))
        /* The 16-bit code would need EFLAGS.VM from an iret in ring 0: only the hypervisor can
         * do that, and a PV hypervisor (Xen x86_32, Moat) offers no such operation. */
        why = "not available under a PV hypervisor";
    if (why) {
        if (!logged++)
            printk(KERN_NOTICE "vm86: %s (pid %d, %s): -ENOSYS\n", why, current ? current->pid : 0,
                   current ? current->name : "?");
        return -ENOSYS;
    }
    return do_vm86(cmd, arg, plus);
}

SYSCALL(vm86old) { return vm86_call(a0, 0, 0); }
SYSCALL(vm86) { return vm86_call(a0, a1, 1); }
