/* The generic hypercall batching layer (see mc_batch.h for the invariants). Pure: compiles on
 * the host, where tests/unit/test_kernel_mc_batch.c drives it with a fake issuer. */
#include <stdint.h>
#include <lib/string.h>
#include "pv/xen/mc_batch.h"

#define ARG_ALIGN 8u

void mc_batch_init(struct mc_batch *b, mc_issue_fn issue, mc_failed_fn failed)
{
    memset(b, 0, sizeof *b);
    b->issue = issue;
    b->failed = failed;
    b->tail_entry = -1;
}

static unsigned round_args(unsigned n) { return (n + ARG_ALIGN - 1) & ~(ARG_ALIGN - 1); }

static int fits(const struct mc_batch *b, unsigned argbytes)
{
    return b->nr_entries < MC_BATCH_ENTRIES && round_args(argbytes) <= MC_BATCH_ARG_BYTES - b->arg_used;
}

struct mc_slot mc_batch_entry(struct mc_batch *b, unsigned op, unsigned argbytes)
{
    struct mc_slot s = { 0, 0 };
    if (argbytes > MC_BATCH_ARG_BYTES)
        return s;
    if (!fits(b, argbytes))
        mc_batch_flush(b);
    /* A callback queued by the flush above may have taken room again; one more flush empties
     * the batch for sure only if callbacks do not re-queue forever, which is theirs to avoid. */
    if (!fits(b, argbytes))
        mc_batch_flush(b);
    if (!fits(b, argbytes))
        return s;
    unsigned i = b->nr_entries++;
    struct multicall_entry *e = &b->entries[i];
    memset(e, 0, sizeof *e);
    e->op = op;
    s.entry = e;
    if (argbytes) {
        s.args = (uint8_t *)b->args + b->arg_used;
        memset(s.args, 0, round_args(argbytes));
        b->tail_entry = (int)i;
        b->tail_args_off = b->arg_used;
        b->arg_used += round_args(argbytes);
    } else {
        b->tail_entry = -1; /* the entry before has args, but is no longer the last entry */
    }
    return s;
}

void *mc_batch_extend(struct mc_batch *b, unsigned op, unsigned bytes, struct multicall_entry **entry)
{
    if (b->nr_entries == 0 || b->tail_entry != (int)b->nr_entries - 1)
        return 0;
    struct multicall_entry *e = &b->entries[b->tail_entry];
    if (e->op != op || (bytes % ARG_ALIGN) != 0 || bytes > MC_BATCH_ARG_BYTES - b->arg_used)
        return 0;
    void *p = (uint8_t *)b->args + b->arg_used;
    memset(p, 0, bytes);
    b->arg_used += bytes;
    if (entry)
        *entry = e;
    return p;
}

void mc_batch_callback(struct mc_batch *b, mc_callback_fn fn, void *data)
{
    if (b->nr_callbacks == MC_BATCH_CALLBACKS)
        mc_batch_flush(b);
    unsigned i = b->nr_callbacks++;
    b->callbacks[i].fn = fn;
    b->callbacks[i].data = data;
    b->callbacks[i].entry = (int)b->nr_entries - 1;
}

long mc_batch_flush(struct mc_batch *b)
{
    unsigned n = b->nr_entries, ncb = b->nr_callbacks;
    long rc = 0;
    if (n) {
        b->flushes++;
        b->entries_issued += n;
        rc = b->issue(b->entries, n);
        if (rc)
            b->issue_errors++;
        for (unsigned i = 0; i < n && b->failed; i++)
            if ((long)b->entries[i].result < 0)
                b->failed(&b->entries[i], i);
    }
    /* Copy the callbacks out and empty the batch BEFORE running them: a callback may queue
     * new entries, which must start a fresh batch, not be appended to the issued one. */
    struct { mc_callback_fn fn; void *data; long result; } run[MC_BATCH_CALLBACKS];
    for (unsigned i = 0; i < ncb; i++) {
        run[i].fn = b->callbacks[i].fn;
        run[i].data = b->callbacks[i].data;
        int e = b->callbacks[i].entry;
        run[i].result = (e >= 0 && (unsigned)e < n) ? (long)b->entries[e].result : 0;
        if (n && rc && e >= 0)
            run[i].result = rc; /* the multicall itself failed: no entry result is valid */
    }
    b->nr_entries = 0;
    b->nr_callbacks = 0;
    b->arg_used = 0;
    b->tail_entry = -1;
    for (unsigned i = 0; i < ncb; i++)
        run[i].fn(run[i].data, run[i].result);
    return rc;
}
