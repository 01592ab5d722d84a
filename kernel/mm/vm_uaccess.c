/* copy_from_user & co.: region check first, then the fault-tolerant copy (see uaccess.h). */
#include <stdint.h>
#include "uaccess.h"
#include "proc.h"
#include "uapi.h"
#include "vm.h"

/* uaccess_kernel is set only around kernel-internal transfers (sendfile's bounce buffer),
 * never while a user-supplied pointer is in use, so it opens nothing to user space. */
static int range_ok(uint32_t uaddr, size_t n, int write)
{
    if (current && current->uaccess_kernel > 0 && uaddr >= USER_TOP && uaddr + n >= uaddr)
        return 1;
    return current && current->mm && vm_access_ok(current->mm, uaddr, (uint32_t)n, write);
}

int copy_from_user(void *dst, uint32_t usrc, size_t n)
{
    if (!n)
        return 0;
    if (!range_ok(usrc, n, 0) || __copy_user(dst, (const void *)(uintptr_t)usrc, n))
        return -EFAULT;
    return 0;
}

int copy_to_user(uint32_t udst, const void *src, size_t n)
{
    if (!n)
        return 0;
    if (!range_ok(udst, n, 1) || __copy_user((void *)(uintptr_t)udst, src, n))
        return -EFAULT;
    return 0;
}

int clear_user(uint32_t udst, size_t n)
{
    if (!n)
        return 0;
    if (!range_ok(udst, n, 1) || __clear_user((void *)(uintptr_t)udst, n))
        return -EFAULT;
    return 0;
}

int strncpy_from_user(char *dst, uint32_t usrc, size_t max)
{
    /* Only the first byte is checked up front: the string's extent is unknown, and the copy
     * stops at the first region boundary it cannot fault in (fixup -> -EFAULT). */
    if (!max || !range_ok(usrc, 1, 0))
        return -EFAULT;
    size_t room = USER_TOP - usrc;
    size_t lim = max < room ? max : room;
    int r = __strncpy_user(dst, (const char *)(uintptr_t)usrc, lim);
    if (r < 0)
        return -EFAULT;
    if ((size_t)r >= lim) {
        dst[lim - 1] = 0;
        return lim == max ? -ENAMETOOLONG : -EFAULT;
    }
    return r;
}
