/* The hypercall dispatcher, generated from hypercall_table.h.
 *
 * Shape of every handler (NOVA-style): decode its uint32_t arguments -> check them (guest
 * pointers only through copy_from_guest/copy_to_guest) -> act -> return a Xen status
 * (0/positive or a negative Xen errno). The dispatcher bounds-checks the number, so no guest
 * value can index past the table or call a hole. */
#include <stdint.h>
#include <stddef.h>
#include "hypercall.h"
#include "hypercall_table.h"
#include "moat_errno.h"
#include "cpu.h"
#include "console.h"
#include "domain.h"

#define HC_PROTO_0 void
#define HC_PROTO_1 uint32_t
#define HC_PROTO_2 uint32_t, uint32_t
#define HC_PROTO_3 uint32_t, uint32_t, uint32_t
#define HC_PROTO_4 uint32_t, uint32_t, uint32_t, uint32_t
#define HC_PROTO_5 uint32_t, uint32_t, uint32_t, uint32_t, uint32_t
#define HC_PROTO_6 uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t
#define HC_ARGS_0
#define HC_ARGS_1 a[0]
#define HC_ARGS_2 a[0], a[1]
#define HC_ARGS_3 a[0], a[1], a[2]
#define HC_ARGS_4 a[0], a[1], a[2], a[3]
#define HC_ARGS_5 a[0], a[1], a[2], a[3], a[4]
#define HC_ARGS_6 a[0], a[1], a[2], a[3], a[4], a[5]

#define PROTO(nr, fn, n) long fn(HC_PROTO_##n);
HYPERCALL_TABLE(PROTO)

#define THUNK(nr, fn, n) \
    static long thunk_##fn(const uint32_t *a) { (void)a; return fn(HC_ARGS_##n); }
HYPERCALL_TABLE(THUNK)

#define ROW(nr, fn, n) [nr] = { thunk_##fn, n, #fn },
const struct hypercall_desc hypercall_table[NR_HYPERCALLS] = { HYPERCALL_TABLE(ROW) };

#define CHECK(nr, fn, n) _Static_assert((nr) < NR_HYPERCALLS && (n) <= 6, #fn ": bad table row");
HYPERCALL_TABLE(CHECK)

int hypercall_implemented(uint32_t nr)
{
    return nr < NR_HYPERCALLS && hypercall_table[nr].call != 0;
}

/* The mmu_update request counter lives in hv/mm's own statistics (struct mm_stats, kept by the
 * pure handlers that do not know vcpus); the difference across one call is what this call
 * applied, and is credited to the calling vcpu. Host tests of this file link no mm code. */
#ifndef MOAT_HOST_TEST
#include "mmu.h"
static inline uint32_t mm_entries_now(void) { return mm_stats.mmu_update_entries; }
#else
static inline uint32_t mm_entries_now(void) { return 0; }
#endif

/* Every hypercall execution goes through here: the trap path and each multicall entry. */
long hypercall_call(uint32_t nr, const uint32_t args[6])
{
    struct vcpu *v = current_vcpu();
    v->stats.hypercalls++;
    if (nr < NR_HYPERCALLS)
        v->domain->hypercall_count[nr]++;
    if (!hypercall_implemented(nr))
        return -ENOSYS;
    /* Only mmu_update applies mmu_update entries (mmu_update.c counts them); a multicall's
     * entries account for themselves. */
    if (nr != __HYPERVISOR_mmu_update)
        return hypercall_table[nr].call(args);
    uint32_t mm_before = mm_entries_now();
    long ret = hypercall_table[nr].call(args);
    v->stats.mmu_update_entries += (uint32_t)(mm_entries_now() - mm_before);
    return ret;
}

/* Continuation capture (multicall): while a multicall entry runs there is no trap frame to
 * re-arm (hc_regs is 0), so a continuation request is recorded here instead and the multicall
 * writes it back into the guest's entry (hypercall.h). One slot per physical CPU. */
static struct hc_capture {
    int active;         /* a multicall entry is running on this CPU */
    int requested;      /* ... and it asked to be continued with nr/args */
    uint32_t nr;
    uint32_t args[6];
} hc_capture[MOAT_MAX_CPUS];

static void hc_capture_reset(uint32_t cpu)
{
    hc_capture[cpu].active = 0;
    hc_capture[cpu].requested = 0;
}

void hypercall_dispatch(struct cpu_user_regs *regs)
{
    struct cpu *c = this_cpu();
    uint32_t nr = regs->eax;
    /* The frame holds ebx ecx edx esi edi ebp in this order, which is the argument order: pass
     * it as the argument array instead of copying it (12 instructions per trap). Safe against
     * handlers that rewrite the frame (hypercall_continue, a bounce): every thunk reads its
     * arguments before it calls the handler. */
    _Static_assert(offsetof(struct cpu_user_regs, ecx) == offsetof(struct cpu_user_regs, ebx) + 4 &&
                   offsetof(struct cpu_user_regs, edx) == offsetof(struct cpu_user_regs, ebx) + 8 &&
                   offsetof(struct cpu_user_regs, esi) == offsetof(struct cpu_user_regs, ebx) + 12 &&
                   offsetof(struct cpu_user_regs, edi) == offsetof(struct cpu_user_regs, ebx) + 16 &&
                   offsetof(struct cpu_user_regs, ebp) == offsetof(struct cpu_user_regs, ebx) + 20,
                   "cpu_user_regs: ebx..ebp are not the six hypercall arguments in order");
    const uint32_t *args = (const uint32_t *)(const void *)((const char *)regs +
                                                           offsetof(struct cpu_user_regs, ebx));

    c->current->stats.hypercall_traps++;
    /* A trap from the guest never arrives while a multicall entry runs on this CPU, so a
     * capture still marked active belongs to a multicall that never returned (its vcpu was
     * switched away inside an entry): forget it, or every later multicall would be "nested". */
    hc_capture_reset(c->id);
    c->hc_regs = regs;
    c->hc_continued = 0;
    long ret = hypercall_call(nr, args);
    if (!c->hc_continued)
        regs->eax = (uint32_t)ret;
    c->hc_regs = 0;
}

void hypercall_capture_begin(void)
{
    struct hc_capture *k = &hc_capture[this_cpu()->id];
    k->active = 1;
    k->requested = 0;
}

int hypercall_capturing(void)
{
    return hc_capture[this_cpu()->id].active;
}

static int __attribute__((noinline)) capture_take(struct hc_capture *k, uint32_t *nr, uint32_t args[6])
{
    *nr = k->nr;
    for (int i = 0; i < 6; i++)
        args[i] = k->args[i];
    k->active = 0;
    k->requested = 0;
    return 1;
}

/* Once per multicall entry: the common case (no continuation requested) stays frameless. */
int hypercall_capture_end(uint32_t *nr, uint32_t args[6])
{
    struct hc_capture *k = &hc_capture[this_cpu()->id];
    if (k->requested)
        return capture_take(k, nr, args);
    k->active = 0;
    return 0;
}

long hypercall_continue(uint32_t nr, const uint32_t args[6])
{
    struct cpu *c = this_cpu();
    struct cpu_user_regs *r = c->hc_regs;
    if (!r) {
        struct hc_capture *k = &hc_capture[c->id];
        if (!k->active)
            panic("hypercall_continue(%u) outside the trap path", nr);
        k->requested = 1;
        k->nr = nr;
        for (int i = 0; i < 6; i++)
            k->args[i] = args[i];
        return 0;
    }
    /* Only the registers that carry nr's arguments are rewritten: the others (for most
     * hypercalls esi, edi and ebp - the guest's frame pointer) are the guest's own and must
     * come back unchanged, as Xen's continuation leaves them. Found by tests/guests/fuzz.c: a
     * set_trap_table or console_io continuation zeroed them. */
    uint32_t *reg[6] = { &r->ebx, &r->ecx, &r->edx, &r->esi, &r->edi, &r->ebp };
    unsigned n = nr < NR_HYPERCALLS ? hypercall_table[nr].nargs : 6;
    r->eax = nr;
    for (unsigned i = 0; i < n && i < 6; i++)
        *reg[i] = args[i];
    r->eip -= 2;              /* back onto the `int $0x82` (cd 82) */
    c->hc_continued = 1;
    return 0;
}
