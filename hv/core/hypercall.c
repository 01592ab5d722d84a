/* The hypercall dispatcher, generated from hypercall_table.h.
 *
 * Shape of every handler (NOVA-style): decode its uint32_t arguments -> check them (guest
 * pointers only through copy_from_guest/copy_to_guest) -> act -> return a Xen status
 * (0/positive or a negative Xen errno). The dispatcher bounds-checks the number, so no guest
 * value can index past the table or call a hole. */
#include <stdint.h>
#include "hypercall.h"
#include "hypercall_table.h"
#include "moat_errno.h"
#include "cpu.h"
#include "console.h"

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

long hypercall_call(uint32_t nr, const uint32_t args[6])
{
    if (!hypercall_implemented(nr))
        return -ENOSYS;
    return hypercall_table[nr].call(args);
}

void hypercall_dispatch(struct cpu_user_regs *regs)
{
    struct cpu *c = this_cpu();
    struct domain *d = c->current->domain;
    uint32_t nr = regs->eax;
    uint32_t args[6] = { regs->ebx, regs->ecx, regs->edx, regs->esi, regs->edi, regs->ebp };

    d->hypercall_traps++;
    if (nr < NR_HYPERCALLS)
        d->hypercall_count[nr]++;
    c->hc_regs = regs;
    c->hc_continued = 0;
    long ret = hypercall_call(nr, args);
    if (!c->hc_continued)
        regs->eax = (uint32_t)ret;
    c->hc_regs = 0;
}

long hypercall_continue(uint32_t nr, const uint32_t args[6])
{
    struct cpu *c = this_cpu();
    struct cpu_user_regs *r = c->hc_regs;
    if (!r)
        panic("hypercall_continue(%u) outside the trap path", nr);
    r->eax = nr;
    r->ebx = args[0];
    r->ecx = args[1];
    r->edx = args[2];
    r->esi = args[3];
    r->edi = args[4];
    r->ebp = args[5];
    r->eip -= 2;              /* back onto the `int $0x82` (cd 82) */
    c->hc_continued = 1;
    return 0;
}
