/* Debug keys on the serial console (like Xen's keyhandlers): press Ctrl-], then a key.
 *
 *   Ctrl-] h    help: the list below
 *   Ctrl-] s    counters of every domain (stats.h): traps, hypercalls by number, exceptions...
 *   Ctrl-] r    registers of the current vcpu (the frame of its latest entry into Moat)
 *   Ctrl-] m    memory: frames in total, free, per owner and per page type
 *   Ctrl-] d    domains: state, vcpus, pages
 *   Ctrl-] z    reset every domain's counters
 *   Ctrl-] Ctrl-]   one literal Ctrl-] for the guest
 *
 * Every byte read from the serial line passes through debug_key_filter() (console.c) before
 * the guest can see it; it returns 1 for bytes Moat consumed. The prefix is needed because the
 * guest owns the console input (its shell). Why Ctrl-] (0x1d, telnet's escape) and not Xen's
 * Ctrl-A: QEMU's multiplexed stdio console (tools/moat-qemu --timeout 0, `make run`) takes
 * Ctrl-A for itself, and a shell uses Ctrl-A (start of line); nothing in a serial shell uses
 * Ctrl-].
 *
 * Invariants:
 *  K1  Only the two-byte sequences above are consumed; every other byte reaches the guest
 *      unchanged and in order (a lone Ctrl-] waits for the next byte).
 *  K2  A key handler only reads Moat's state and prints; none of them changes a domain
 *      except 'z' (counters), so a key can never break a running guest.
 *  K3  The state machine (debug_key_filter/debug_key_dispatch) is pure and host-tested; the
 *      handlers that read the machine are left out of host builds. */
#include <stdint.h>
#include <lib/format.h>
#include "debug_keys.h"
#include "console.h"

#define PREFIX 0x1d           /* Ctrl-] */

static int prefix_seen;        /* the previous byte was the Ctrl-] prefix */

int debug_key_dispatch(int key)
{
    for (const struct debug_key *k = debug_keys; k->key; k++) {
        if (k->key == key) {
            k->fn(key);
            return 1;
        }
    }
    con_printf("moat: unknown debug key '%c' (Ctrl-] h for help)\n",
               key >= 0x20 && key < 0x7f ? key : '?');
    return 0;
}

int debug_key_filter(int ch)
{
    if (!prefix_seen) {
        if (ch != PREFIX)
            return 0;              /* K1 */
        prefix_seen = 1;
        return 1;
    }
    prefix_seen = 0;
    if (ch == PREFIX)
        return 0;                  /* Ctrl-] Ctrl-]: the second one goes to the guest */
    debug_key_dispatch(ch);
    return 1;
}

#ifndef MOAT_HOST_TEST
#include <xen/xen.h>
#include "domain.h"
#include "stats.h"
#include "frame.h"
#include "pmem.h"
#include "cpu.h"

static void key_help(int key);

static void key_stats(int key)
{
    (void)key;
    con_printf("moat: counters (key 's'), TSC ticks since Moat's entry: %llu\n",
               (unsigned long long)(stats_rdtsc() - moat_boot_tsc));
    for (uint32_t i = 0; i < MOAT_MAX_DOMAINS; i++)
        if (domains[i])
            stats_print_domain(domains[i]);
}

static void key_regs(int key)
{
    (void)key;
    struct cpu *c = this_cpu();
    struct vcpu *v = c->current;
    if (!v) {
        con_printf("moat: registers (key 'r'): no vcpu is current on CPU %u\n", c->id);
        return;
    }
    con_printf("moat: registers (key 'r') of domain %u vcpu %u, frame of its latest entry:\n",
               v->domain->domid, v->vcpu_id);
    dump_regs(cpu_guest_frame(c));
}

static const char *const type_names[FT_COUNT] = {
    [FT_NONE] = "none", [FT_WRITABLE] = "writable", [FT_L1] = "L1", [FT_L2] = "L2",
    [FT_L2_MOAT] = "L2(slot 3)", [FT_L3] = "L3", [FT_SEG_DESC] = "descriptor",
};

static void key_memory(int key)
{
    (void)key;
    uint32_t moat = 0, io = 0, free_ = 0, other = 0;
    uint32_t owned[MOAT_MAX_DOMAINS] = { 0 };
    uint32_t types[MOAT_MAX_DOMAINS][FT_COUNT] = { { 0 } };
    uint32_t pinned[MOAT_MAX_DOMAINS] = { 0 };
    for (mfn_t m = 0; m < frame_table_size; m++) {
        const struct frame *f = &frame_table[m];
        if (f->owner == FRAME_OWNER_MOAT)
            moat++;
        else if (f->owner == FRAME_OWNER_IO)
            io++;
        else if (f->owner == FRAME_OWNER_FREE)
            free_++;
        else if (f->owner < MOAT_MAX_DOMAINS) {
            owned[f->owner]++;
            if (f->type < FT_COUNT)
                types[f->owner][f->type]++;
            if (f->flags & FF_PINNED)
                pinned[f->owner]++;
        } else
            other++;
    }
    con_printf("moat: memory (key 'm'): %u frames tracked, %u RAM, %u free (pool says %u), "
               "%u Moat, %u not RAM, %u other\n", frame_table_size, frames_total_ram(), free_,
               frames_free(), moat, io, other);
    for (uint32_t d = 0; d < MOAT_MAX_DOMAINS; d++) {
        if (!domains[d])
            continue;
        con_printf("  domain %u: %u frames owned (nr_pages %u, max %u), %u pinned; by type:", d,
                   owned[d], domains[d]->nr_pages, domains[d]->max_pages, pinned[d]);
        for (int t = 0; t < FT_COUNT; t++)
            if (types[d][t])
                con_printf(" %s=%u", type_names[t] ? type_names[t] : "?", types[d][t]);
        con_printf("\n");
    }
}

static void key_domains(int key)
{
    (void)key;
    con_printf("moat: domains (key 'd'):\n");
    for (uint32_t i = 0; i < MOAT_MAX_DOMAINS; i++) {
        const struct domain *d = domains[i];
        if (!d)
            continue;
        con_printf("  domain %u: %s%s, %u vcpus, %u pages, vm_assist %#lx\n", d->domid,
                   d->state == DOM_RUNNING ? "running" : "shut down",
                   d->is_initial ? ", initial" : "", d->nr_vcpus, d->nr_pages, d->vm_assist);
        for (uint32_t v = 0; v < d->nr_vcpus && v < MOAT_MAX_VCPUS; v++)
            if (d->vcpu[v])
                con_printf("    vcpu %u: %s, saved eip %#x, cr3 mfn %#x\n", v,
                           d->vcpu[v]->online ? "online" : "offline", d->vcpu[v]->regs.eip,
                           d->vcpu[v]->mm.base);
    }
}

static void key_reset(int key)
{
    (void)key;
    for (uint32_t i = 0; i < MOAT_MAX_DOMAINS; i++)
        if (domains[i])
            stats_reset_domain(domains[i]);
    con_printf("moat: counters of every domain reset (key 'z')\n");
}

const struct debug_key debug_keys[] = {
    { 'h', key_help, "this help" },
    { 's', key_stats, "counters of every domain" },
    { 'r', key_regs, "registers of the current vcpu" },
    { 'm', key_memory, "memory and frame summary" },
    { 'd', key_domains, "domains and vcpus" },
    { 'z', key_reset, "reset every domain's counters" },
    { 0, 0, 0 },
};

static void key_help(int key)
{
    (void)key;
    con_printf("moat: debug keys: Ctrl-] then\n");
    for (const struct debug_key *k = debug_keys; k->key; k++)
        con_printf("  %c  %s\n", k->key, k->help);
    con_printf("  Ctrl-]  send one Ctrl-] to the guest\n");
}
#endif
