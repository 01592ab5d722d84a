/* copy_from_guest / copy_to_guest (uaccess.h) and the exception-fixup table lookup. */
#include <stdint.h>
#include <xen/xen.h>
#include "uaccess.h"
#include "extable.h"
#include "moat_errno.h"

extern const struct extable_entry __ex_table_start[], __ex_table_end[];

uint32_t extable_lookup(uint32_t eip)
{
    for (const struct extable_entry *e = __ex_table_start; e < __ex_table_end; e++)
        if (e->insn == eip)
            return e->fixup;
    return 0;
}

/* gva + len <= HYPERVISOR_VIRT_START without a 64-bit sum: the two compares cannot wrap. */
static inline int range_ok(uint32_t gva, uint32_t len)
{
    return len <= HYPERVISOR_VIRT_START && gva <= HYPERVISOR_VIRT_START - len;
}

int guest_range_ok(uint32_t gva, uint32_t len)
{
    return range_ok(gva, len);
}

int copy_from_guest(void *dst, uint32_t gva, uint32_t len)
{
    if (!range_ok(gva, len))
        return -EFAULT;
    if (len == 0)
        return 0;
    return raw_copy(dst, (const void *)gva, len) ? -EFAULT : 0;
}

int copy_to_guest(uint32_t gva, const void *src, uint32_t len)
{
    if (!range_ok(gva, len))
        return -EFAULT;
    if (len == 0)
        return 0;
    return raw_copy((void *)gva, src, len) ? -EFAULT : 0;
}
