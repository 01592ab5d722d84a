/* Built only with CONFIG_MOAT_GUEST=n (the Makefile leaves it out otherwise): a native-only
 * kernel has no PV backend (no kernel/pv/xen/, no Xen notes or entry, no hypercall page).
 * Generic code reaches the backend at run time only after checking pv_backend_name() is
 * "xen", which never happens here; these are the link-time answers for what does not exist:
 * no hypercall or PV-mmu benchmark ops (their files need the hypercall page), no Moat
 * counters, no Moat entry time or hypercall counts (bench/moat_entry.c is PV-only: -1/0).
 * A new generic reference to a PV-only symbol breaks the reduced build of `make test`: add the
 * "nothing here" answer below (or move the reference behind the backend). */
#include <stdint.h>
#include <lib/string.h>
#include "hvstats.h"
#include "bench/kbench.h"

const struct kbench_op kbench_hypercall_ops[] = { { 0, 0, 0, 0, 0, 0 } };
const struct kbench_op kbench_mmu_ops[] = { { 0, 0, 0, 0, 0, 0 } };

uint64_t kbench_moat_entry_tsc(void) { return 0; }
int kbench_moat_hypercall_counts(uint64_t counts[KBENCH_NR_HYPERCALLS]) { (void)counts; return -1; }

void xen_stats_read(struct hv_stats *s);
void xen_stats_read(struct hv_stats *s) { memset(s, 0, sizeof *s); }

/* H15 (issue 10): no PV vcpus without the backend. */
int xen_smp_probe(void);
int xen_smp_probe(void) { return -1; }
