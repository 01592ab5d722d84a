/* Helpers of the mc-* guests (see mc-lib.h). */
#include "mc-lib.h"

int mc_on_moat(const char *name)
{
    long v = HYPERVISOR_moat_op(MOATOP_get_version, 0);
    if (v > 0) {
        print("%s: on Moat, moat_op interface 0x%x: counters available\n", name, v);
        return 1;
    }
    print("%s: moat_op returned %d: not on Moat, counters unavailable\n", name, v);
    mm_check(v == -XEN_ENOSYS, "hypercall 56 (moat_op) is -ENOSYS off Moat", v);
    return 0;
}

void mc_stats(struct moat_stats *s)
{
    s->size = sizeof(*s);
    long rc = HYPERVISOR_moat_op(MOATOP_get_stats, s);
    if (rc != 0 || s->version != MOAT_STATS_VERSION || s->size != sizeof(*s)) {
        print("mc: MOATOP_get_stats failed: rc %d version %u size %u\n", rc, s->version, s->size);
        shutdown(SHUTDOWN_crash);
    }
}

void mc_set(multicall_entry_t *e, uint32_t op, uint32_t a0, uint32_t a1, uint32_t a2)
{
    e->op = op;
    e->result = 0xDEADBEEFu;
    for (int i = 0; i < 6; i++)
        e->args[i] = 0;
    e->args[0] = a0;
    e->args[1] = a1;
    e->args[2] = a2;
}
