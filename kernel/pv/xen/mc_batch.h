/* The generic hypercall batching layer: a buffer of multicall entries with argument space and
 * callbacks, issued as ONE multicall (Linux's xen_mc_entry/xen_mc_flush, written afresh).
 *
 * Pure logic: the one machine-dependent part, issuing a batch, is the `issue` function given
 * to mc_batch_init, so the layer compiles on the host and is unit-tested with a fake issuer
 * (tests/unit/test_kernel_mc_batch.c).
 *
 * Invariants:
 *  - Entries are issued in the order they were queued, and a batch is issued before anything
 *    that would overtake it: a slot that does not fit (entries, argument bytes or callbacks)
 *    flushes the batch first, then takes the first slot of the next one.
 *  - An entry's argument space lives in the batch and stays valid until the flush that issues
 *    it; pointers stored in entry args may point there (Xen reads them during the multicall).
 *  - After a flush every callback runs exactly once, in registration order, with the result
 *    of the entry queued last before it (0 if it was registered with no entry queued); then
 *    the batch is empty. A callback may queue again: that lands in the next batch.
 *  - mc_batch_extend only ever grows the LAST entry, and only while its arguments are the
 *    last bytes of the argument space, so an extended list stays contiguous. */
#ifndef KERNEL_PV_XEN_MC_BATCH_H
#define KERNEL_PV_XEN_MC_BATCH_H
#include <stdint.h>
#include <xen/xen.h>

#define MC_BATCH_ENTRIES 32
#define MC_BATCH_ARG_BYTES 2048 /* room for 128 struct mmu_update, or many small args */
#define MC_BATCH_CALLBACKS 16

struct mc_batch;
/* Issues entries[0..n) and stores every result; returns the multicall's own status. */
typedef long (*mc_issue_fn)(struct multicall_entry *entries, unsigned n);
typedef void (*mc_callback_fn)(void *data, long result);
/* Called during a flush for each entry whose result is negative (an error). */
typedef void (*mc_failed_fn)(const struct multicall_entry *e, unsigned index);

struct mc_slot {
    struct multicall_entry *entry; /* 0: no room even in an empty batch: issue it directly */
    void *args;                    /* `argbytes` bytes of 8-byte aligned argument space */
};

struct mc_batch {
    mc_issue_fn issue;
    mc_failed_fn failed;
    unsigned nr_entries, arg_used, nr_callbacks;
    int tail_entry;          /* entry whose args end at arg_used, or -1 (see mc_batch_extend) */
    unsigned tail_args_off;  /* where that entry's args start */
    /* statistics, never reset by a flush */
    unsigned long flushes, entries_issued, issue_errors;
    struct multicall_entry entries[MC_BATCH_ENTRIES];
    uint64_t args[MC_BATCH_ARG_BYTES / 8];
    struct {
        mc_callback_fn fn;
        void *data;
        int entry; /* index whose result it gets, -1 none */
    } callbacks[MC_BATCH_CALLBACKS];
};

void mc_batch_init(struct mc_batch *b, mc_issue_fn issue, mc_failed_fn failed);
/* A queue slot for hypercall `op` with `argbytes` of argument space; flushes first if the
 * batch has no room. entry->args are zeroed, entry->op set. */
struct mc_slot mc_batch_entry(struct mc_batch *b, unsigned op, unsigned argbytes);
/* Grows the argument space of the last queued entry by `bytes` if it is hypercall `op` and its
 * arguments are at the end of the argument space; returns the new bytes (and *entry), or 0
 * when it cannot (then queue a new entry instead). */
void *mc_batch_extend(struct mc_batch *b, unsigned op, unsigned bytes, struct multicall_entry **entry);
/* Runs fn(data, result) after the flush that issues the entries queued so far. */
void mc_batch_callback(struct mc_batch *b, mc_callback_fn fn, void *data);
/* Issues the batch (if any entries), then runs the callbacks; returns the issuer's status
 * (0 if nothing was queued). */
long mc_batch_flush(struct mc_batch *b);
static inline unsigned mc_batch_pending(const struct mc_batch *b) { return b->nr_entries + b->nr_callbacks; }

#endif
