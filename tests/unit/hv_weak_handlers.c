/* Weak stand-ins for every handler in hv/core/hypercall_table.h, so a host test links whatever
 * the table holds; the test's own (strong) definitions win. A separate file because a weak and
 * a strong definition of one function cannot share a translation unit. */
#include <stdint.h>
#include "hypercall_table.h"
#define WEAK_HANDLER(nr, fn, n) long __attribute__((weak)) fn() { return -9999; }
HYPERCALL_TABLE(WEAK_HANDLER)
