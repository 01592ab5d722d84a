/* Guest memory access. Moat never dereferences a guest pointer directly: it copies through
 * these, which
 *   - refuse a range that wraps or reaches HYPERVISOR_VIRT_START (-EFAULT), so a guest can
 *     never make Moat read or write Moat's own memory on its behalf, and
 *   - run the copy under the exception-fixup table (extable.h), so an unmapped or read-only
 *     guest page costs the caller -EFAULT, never a Moat page-fault panic.
 * The copy goes through the current address space (the calling vcpu's page tables), with the
 * guest's own rights: CR0.WP makes read-only guest pages read-only for Moat as well. */
#ifndef MOAT_UACCESS_H
#define MOAT_UACCESS_H
#include <stdint.h>

int guest_range_ok(uint32_t gva, uint32_t len);
int copy_from_guest(void *dst, uint32_t gva, uint32_t len);       /* 0 or -EFAULT */
int copy_to_guest(uint32_t gva, const void *src, uint32_t len);   /* 0 or -EFAULT */

/* bytes not copied (assembly, entry.S) */
uint32_t raw_copy(void *dst, const void *src, uint32_t n);
#endif
