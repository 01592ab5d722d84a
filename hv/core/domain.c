/* Domains and vcpus: creation, running a vcpu, shutdown and crash.
 *
 * Invariants:
 *   - a domain that is shut down never runs again (vcpu_run refuses it);
 *   - when the last running domain shuts down Moat leaves QEMU: MOAT_EXIT_PASS only for
 *     SHUTDOWN_poweroff, MOAT_EXIT_FAIL for every other reason;
 *   - a crash Moat detects is always reported as a crash (a guest's earlier
 *     SCHEDOP_shutdown_code cannot turn it into a clean power-off). */
#include <stdarg.h>
#include <stdint.h>
#include <lib/string.h>
#include <lib/format.h>
#include <xen/sched.h>
#include "domain.h"
#include "console.h"
#include "exit.h"
#include "x86.h"
#include "stats.h"

void gdt_init_vcpu(struct vcpu *v);
void gdt_load_vcpu(struct cpu *c, struct vcpu *v);

struct domain *domains[MOAT_MAX_DOMAINS];
static struct domain domain_store[MOAT_MAX_DOMAINS];
static struct vcpu vcpu_store[MOAT_MAX_DOMAINS][MOAT_MAX_VCPUS];

struct domain *domain_create(uint16_t domid, uint32_t nr_vcpus, int is_initial)
{
    if (domid >= MOAT_MAX_DOMAINS || domains[domid] || nr_vcpus == 0 || nr_vcpus > MOAT_MAX_VCPUS)
        return 0;
    struct domain *d = &domain_store[domid];
    memset(d, 0, sizeof(*d));
    d->domid = domid;
    d->is_initial = is_initial;
    d->state = DOM_RUNNING;
    d->nr_vcpus = nr_vcpus;
    for (uint32_t i = 0; i < nr_vcpus; i++) {
        struct vcpu *v = &vcpu_store[domid][i];
        memset(v, 0, sizeof(*v));
        v->domain = d;
        v->vcpu_id = i;
        v->gdt_slot = domid * MOAT_MAX_VCPUS + i;
        v->mm.base = MM_NO_BASE;
        gdt_init_vcpu(v);
        d->vcpu[i] = v;
    }
    domains[domid] = d;
    return d;
}

static const char *shutdown_reason_name(uint8_t r)
{
    switch (r) {
    case SHUTDOWN_poweroff: return "poweroff";
    case SHUTDOWN_reboot: return "reboot";
    case SHUTDOWN_suspend: return "suspend";
    case SHUTDOWN_crash: return "crash";
    case SHUTDOWN_watchdog: return "watchdog";
    case SHUTDOWN_soft_reset: return "soft_reset";
    default: return 0;
    }
}

static void shutdown_common(struct domain *d, uint8_t reason)
{
    if (d->state == DOM_SHUTDOWN)
        return;
    d->state = DOM_SHUTDOWN;
    d->shutdown_reason = reason;
    const char *name = shutdown_reason_name(reason);
    if (name)
        log_info("domain %u shut down: %s\n", d->domid, name);
    else
        log_info("domain %u shut down: unknown reason %u\n", d->domid, reason);
    struct moat_counters t;
    stats_domain_total(d, &t);
    log_info("domain %u: %llu hypercall traps, %llu hypercalls, %llu exceptions, %llu events\n",
             d->domid, (unsigned long long)t.hypercall_traps, (unsigned long long)t.hypercalls,
             (unsigned long long)t.exceptions, (unsigned long long)t.events_delivered);

    for (uint32_t i = 0; i < MOAT_MAX_DOMAINS; i++)
        if (domains[i] && domains[i]->state == DOM_RUNNING)
            return;
    stats_print_shutdown(stats_rdtsc());     /* DESIGN.md "Measuring": cost seen from outside */
    log_info("no domain left running: %s\n", reason == SHUTDOWN_poweroff ? "exit PASS" : "exit FAIL");
    moat_exit(reason == SHUTDOWN_poweroff ? MOAT_EXIT_PASS : MOAT_EXIT_FAIL);
}

void domain_shutdown(struct domain *d, uint8_t reason)
{
    if (d->has_shutdown_code)       /* SCHEDOP_shutdown_code: as Xen, it decides the reason */
        reason = d->shutdown_code;
    shutdown_common(d, reason);
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
    char why[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    log_err("domain %u crashed: %s\n", d->domid, why);
    shutdown_common(d, SHUTDOWN_crash);
}

void domain_crash_regs(struct domain *d, const struct cpu_user_regs *r, const char *fmt, ...)
{
    char why[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    log_err("domain %u crashed: %s\n", d->domid, why);
    dump_regs(r);
    guest_code_dump(r);
    shutdown_common(d, SHUTDOWN_crash);
}

void vcpu_run(struct vcpu *v)
{
    struct cpu *c = this_cpu();
    if (v->domain->state != DOM_RUNNING || !v->online || v->mm.base == MM_NO_BASE)
        panic("vcpu_run: domain %u vcpu %u cannot run", v->domain->domid, v->vcpu_id);
    c->current = v;
    write_cr3(v->mm.base << 12);
    gdt_load_vcpu(c, v);
    c->tss.ss1 = v->kernel_ss;
    c->tss.esp1 = v->kernel_sp;
    struct cpu_user_regs *f = cpu_guest_frame(c);
    *f = v->regs;
    enter_frame(f);
}
