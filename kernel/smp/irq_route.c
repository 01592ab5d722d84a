/* Device-irq affinity for SMP and hotplug, over the balancer of irq/balance.c and the early
 * chipset quirks of irq/quirks.c (pure code; this file feeds them and programs the hardware).
 *
 * At boot (smp_irq_init, before the other CPUs start): the quirk table decides whether
 * balancing is allowed (printed as one line); the table starts with the CPUs online and the
 * device irqs this kernel has:
 *  - natively, with an IO-APIC (smp/ioapic.c): the PIT (irq 0, pinned to CPU 0: it is the
 *    global jiffies tick), the CMOS RTC's periodic interrupt (irq 8, RTC_HZ) and COM1's
 *    receive interrupt (irq 4), each a redirection entry whose destination is its target
 *    CPU's APIC id. Without an IO-APIC: the 8259 exactly as before, PIT only, CPU 0 only.
 *  - on PV: vcpu 0's VIRQ_TIMER (pinned, its load counts on CPU 0) and the global
 *    VIRQ_CONSOLE, placed on a vcpu with EVTCHNOP_bind_vcpu.
 * smp_irq_balance_boot (end of smp_init, CPUs up) runs the first pass and prints the
 * placement; then a pass runs every SMP_IRQ_BALANCE_JIFFIES from CPU 0's tick handler.
 *
 * Invariants:
 *  - Handlers only count, in hits[their CPU][irq], a word no other CPU writes (the
 *    concurrency rule: per-CPU data only); the balancer reads the sums, never a handler.
 *  - The table, the last-seen sums and every reprogramming of a destination change under
 *    route_lock, taken with interrupts off; the tick's periodic pass only TRIES the lock
 *    (a hotplug or a /proc reader holding it just delays the pass by one period), so no
 *    handler ever spins on it. The hardware locks (IO-APIC, event channels) nest inside.
 *  - Hotplug (smp_irq_cpu_offline, called by cpu_down BEFORE the CPU leaves the online mask):
 *    the table moves every irq off the CPU, then each moved irq is reprogrammed at once; if
 *    reprogramming fails everything is put back as it was and the CPU stays online.
 *  - A target is always an online CPU in the irq's mask (or, broken affinity, the lowest
 *    online CPU: counted), as irq/balance.c guarantees; the hardware follows the table. */
#include <stdint.h>
#include <lib/format.h>
#include <lib/string.h>
#include <xen/xen.h>
#include "irq_balance.h"
#include "pci_quirks.h"
#include "smp_pci.h"
#include "smp_irq.h"
#include "smp.h"
#include "boot.h"
#include "ioapic.h"
#include "rtc_irq.h"
#include "serial.h"
#include "printk.h"
#include "spinlock.h"
#include "pv/xen/evtchn.h"

struct dev_irq {
    const char *name, *chip;
    int (*set_target)(unsigned irq, unsigned cpu);   /* 0 = cannot move (pinned) */
    uint64_t last_total;                              /* sum of hits at the last pass */
};

static struct irq_table table;
static struct irq_balance_decision decision;
static struct dev_irq dev[IRQ_MAX];
static volatile uint32_t hits[NR_CPUS][IRQ_MAX];
static spinlock_t route_lock = SPINLOCK_INIT;
static volatile int ready;
static uint32_t next_pass, passes, moves, rtc_rearms, last_rtc;
static int rtc_on;

void smp_irq_count(unsigned irq)
{
    unsigned c = smp_processor_id();
    if (irq < IRQ_MAX && c < NR_CPUS)
        hits[c][irq]++;
}

uint32_t smp_irq_hits(unsigned irq, unsigned cpu) { return irq < IRQ_MAX && cpu < NR_CPUS ? hits[cpu][irq] : 0; }

static uint64_t total_hits(unsigned irq)
{
    uint64_t t = 0;
    for (unsigned c = 0; c < NR_CPUS; c++)
        t += hits[c][irq];
    return t;
}

static int native_set_target(unsigned irq, unsigned cpu) { return ioapic_set_dest(irq, cpu_data[cpu].hw_id); }


static void add_irq(unsigned irq, const char *name, const char *chip, int pinned_cpu,
                    int (*set_target)(unsigned, unsigned))
{
    if (irqtab_enable(&table, irq, ~(cpumask_t)0, pinned_cpu) != 0)
        return;
    dev[irq] = (struct dev_irq){ .name = name, .chip = chip, .set_target = pinned_cpu >= 0 ? 0 : set_target,
                                 .last_total = total_hits(irq) };
}

static void native_irqs(void)
{
    uint32_t me = cpu_data[0].hw_id;
    if (ioapic_init() != 0 || ioapic_take_over(1u << 0, me) != 0) {
        add_irq(0, "timer", "XT-PIC", 0, 0); /* PIT via the 8259: CPU 0 only */
        printk(KERN_INFO "irq: device interrupts through the 8259 (virtual wire), CPU 0 only\n");
        return;
    }
    add_irq(0, "timer", "IO-APIC", 0, 0); /* the global tick stays on CPU 0 */
    if (ioapic_route(RTC_IRQ, me) == 0) {
        rtc_periodic_start();
        add_irq(RTC_IRQ, "rtc", "IO-APIC", -1, native_set_target);
        rtc_on = 1;
    }
    if (ioapic_route(SERIAL_IRQ, me) == 0) {
        serial_rx_irq_start();
        add_irq(SERIAL_IRQ, "serial", "IO-APIC", -1, native_set_target);
    }
    printk(KERN_INFO "irq: ISA irqs through the IO-APIC (8259 masked): timer%s%s\n",
           rtc_on ? ", rtc" : "", table.irq[SERIAL_IRQ].enabled ? ", serial" : "");
}

/* The PV backend's device events (absent from a CONFIG_MOAT_GUEST=n kernel). */
#if CONFIG_MOAT_GUEST
static int xen_set_target(unsigned irq, unsigned cpu) { return xen_irq_bind_vcpu(irq, cpu); }

static void xen_irqs(void)
{
    int t = xen_virq_irq(VIRQ_TIMER, 0), c = xen_virq_irq(VIRQ_CONSOLE, 0);
    if (t >= 0 && t < IRQ_MAX)
        add_irq((unsigned)t, "timer", "xen-virq", 0, 0);
    if (c >= 0 && c < IRQ_MAX)
        add_irq((unsigned)c, "console", "xen-virq", -1, xen_set_target);
}
#else
static void xen_irqs(void) {}
#endif

void smp_irq_init(uint32_t online, unsigned nr_cpus)
{
    enum apic_routing routing = smp_boot_native() ? APIC_ROUTING_FLAT : APIC_ROUTING_EVTCHN;
    int seen = pci_early_quirks(&smp_pci_conf, routing, nr_cpus, &decision);
    unsigned long f = spin_lock_irqsave(&route_lock);
    irqtab_init(&table, online);
    table.balance_allowed = decision.allowed;
    spin_unlock_irqrestore(&route_lock, f);
    char line[160];
    irq_balance_decision_line(&decision, line, sizeof line);
    printk(KERN_INFO "%s; %d PCI functions on bus 0\n", line, seen);
    f = spin_lock_irqsave(&route_lock);
    if (smp_boot_native())
        native_irqs();
    else
        xen_irqs();
    next_pass = jiffies + SMP_IRQ_BALANCE_JIFFIES; /* the boot pass comes first */
    ready = 1;
    spin_unlock_irqrestore(&route_lock, f);
}

/* Holds route_lock: puts every irq whose table target differs from old[] on its target. If
 * one cannot be moved, moves the already-moved ones back and returns the error. */
static int apply_targets(const int8_t *old)
{
    for (unsigned i = 0; i < IRQ_MAX; i++) {
        struct irq_desc_bal *d = &table.irq[i];
        if (!d->enabled || d->target == old[i] || d->target < 0)
            continue;
        int rc = dev[i].set_target ? dev[i].set_target(i, (unsigned)d->target) : -22;
        if (rc) {
            printk(KERN_WARNING "irq: cannot move irq %u (%s) to cpu %d: %d\n", i, dev[i].name, d->target, rc);
            for (unsigned j = 0; j < i; j++)
                if (table.irq[j].enabled && table.irq[j].target != old[j] && old[j] >= 0) {
                    table.irq[j].target = old[j];
                    if (dev[j].set_target)
                        dev[j].set_target(j, (unsigned)old[j]);
                }
            d->target = old[i];
            return rc;
        }
    }
    return 0;
}

static void save_targets(int8_t *old)
{
    for (unsigned i = 0; i < IRQ_MAX; i++)
        old[i] = table.irq[i].target;
}

/* Holds route_lock: one balancing pass over the loads since the previous one. */
static int pass_locked(void)
{
    for (unsigned i = 0; i < IRQ_MAX; i++) {
        if (!table.irq[i].enabled)
            continue;
        uint64_t t = total_hits(i);
        table.irq[i].count = t - dev[i].last_total;
        dev[i].last_total = t;
    }
    int8_t old[IRQ_MAX];
    save_targets(old);
    int moved = irqtab_balance(&table);
    if (moved > 0 && apply_targets(old) != 0)
        moved = 0;
    passes++;
    moves += moved > 0 ? (uint32_t)moved : 0;
    return moved;
}

int smp_irq_balance_now(void)
{
    if (!ready)
        return 0;
    unsigned long f = spin_lock_irqsave(&route_lock);
    int moved = pass_locked();
    spin_unlock_irqrestore(&route_lock, f);
    return moved;
}

int smp_irq_boot_pass_done;

void smp_irq_balance_boot(void)
{
    if (!ready || smp_irq_boot_pass_done)
        return;
    smp_irq_boot_pass_done = 1;
    int moved = smp_irq_balance_now();
    next_pass = jiffies + SMP_IRQ_BALANCE_JIFFIES;
    last_rtc = rtc_irq_count;
    printk(KERN_INFO "irq: boot balance pass (%s, %u CPUs online): %d moved\n",
           table.balance_allowed ? "allowed" : "not allowed", (unsigned)cpumask_weight(table.online), moved);
    for (unsigned i = 0; i < IRQ_MAX; i++)
        if (table.irq[i].enabled)
            printk(KERN_INFO "irq: %u (%s) -> cpu %d\n", i, dev[i].name, table.irq[i].target);
}

/* CPU 0's tick handler (interrupts off): the periodic pass. It reprograms hardware only under
 * route_lock, and only if it gets the lock at once. A stalled RTC is re-armed here: its edge
 * could be lost if it was in flight to a CPU that then parked (see kernel/README.md). */
void smp_irq_tick(void)
{
    if (!ready || (int32_t)(jiffies - next_pass) < 0)
        return;
    if (!spin_trylock(&route_lock))
        return;
    next_pass = jiffies + SMP_IRQ_BALANCE_JIFFIES;
    if (rtc_on) {
        uint32_t r = rtc_irq_count;
        if (r == last_rtc) {
            rtc_rearm();
            rtc_rearms++;
        }
        last_rtc = r;
    }
    pass_locked();
    spin_unlock(&route_lock);
}

int smp_irq_cpu_offline(unsigned cpu)
{
    unsigned long f = spin_lock_irqsave(&route_lock);
    int8_t old[IRQ_MAX];
    save_targets(old);
    int moved = irqtab_cpu_offline(&table, cpu);
    if (moved > 0) {
        int rc = apply_targets(old);
        if (rc) {
            table.online |= CPUMASK_OF(cpu);
            for (unsigned i = 0; i < IRQ_MAX; i++)
                if (old[i] >= 0)
                    table.irq[i].target = old[i];
            moved = rc;
        }
    }
    spin_unlock_irqrestore(&route_lock, f);
    return moved;
}

void smp_irq_cpu_online(unsigned cpu)
{
    unsigned long f = spin_lock_irqsave(&route_lock);
    irqtab_cpu_online(&table, cpu);
    spin_unlock_irqrestore(&route_lock, f);
}

int smp_irq_count_on_cpu(unsigned cpu)
{
    unsigned long f = spin_lock_irqsave(&route_lock);
    int n = irqtab_count_on_cpu(&table, cpu);
    spin_unlock_irqrestore(&route_lock, f);
    return n;
}

int smp_irq_set_affinity(unsigned irq, uint32_t mask)
{
    if (!ready || irq >= IRQ_MAX)
        return -22;
    unsigned long f = spin_lock_irqsave(&route_lock);
    int8_t old[IRQ_MAX];
    save_targets(old);
    cpumask_t before = table.irq[irq].affinity;
    int rc = table.irq[irq].enabled && dev[irq].set_target ? irqtab_set_affinity(&table, irq, mask) : -22;
    if (rc == 0 && (rc = apply_targets(old)) != 0)
        table.irq[irq].affinity = before;
    spin_unlock_irqrestore(&route_lock, f);
    return rc;
}

int smp_irq_balance_allowed(void) { return decision.allowed; }
uint32_t smp_irq_online_mask(void) { return table.online; }

int smp_irq_info(unsigned irq, struct smp_irq_info *out)
{
    if (irq >= IRQ_MAX)
        return -1;
    unsigned long f = spin_lock_irqsave(&route_lock);
    const struct irq_desc_bal *d = &table.irq[irq];
    int ok = d->enabled;
    if (ok)
        *out = (struct smp_irq_info){ .name = dev[irq].name, .chip = dev[irq].chip, .target = d->target,
                                      .affinity = d->affinity, .pinned = d->pinned };
    spin_unlock_irqrestore(&route_lock, f);
    return ok ? 0 : -1;
}

uint32_t smp_irq_rtc_rearms(void) { return rtc_rearms; }
uint32_t smp_irq_moves(void) { return moves; }

/* "0-3", "0,2", "1": the CPUs of mask among the possible ones. */
static int format_mask(char *b, int n, cpumask_t m)
{
    int len = 0;
    for (unsigned c = 0; c < NR_CPUS;) {
        if (!cpumask_test(m, c)) {
            c++;
            continue;
        }
        unsigned e = c;
        while (e + 1 < NR_CPUS && cpumask_test(m, e + 1))
            e++;
        len += snprintf(b + len, (size_t)(n > len ? n - len : 0), e > c ? "%s%u-%u" : "%s%u", len ? "," : "", c, e);
        c = e + 1;
    }
    return len;
}

int smp_irq_proc_interrupts(char *b, uint32_t n)
{
    unsigned ncpu = nr_cpus_possible ? nr_cpus_possible : 1;
    cpumask_t possible = ncpu >= 32 ? ~(cpumask_t)0 : (CPUMASK_OF(ncpu) - 1);
    int len = snprintf(b, n, "    ");
    for (unsigned c = 0; c < ncpu; c++)
        len += snprintf(b + len, n > (uint32_t)len ? n - (uint32_t)len : 0, "       CPU%u", c);
    len += snprintf(b + len, n > (uint32_t)len ? n - (uint32_t)len : 0, "\n");
    for (unsigned i = 0; i < IRQ_MAX; i++) {
        struct smp_irq_info info;
        if (smp_irq_info(i, &info))
            continue;
        len += snprintf(b + len, n > (uint32_t)len ? n - (uint32_t)len : 0, "%3u:", i);
        for (unsigned c = 0; c < ncpu; c++)
            len += snprintf(b + len, n > (uint32_t)len ? n - (uint32_t)len : 0, " %10u", hits[c][i]);
        char m[40];
        format_mask(m, sizeof m, info.affinity & possible);
        len += snprintf(b + len, n > (uint32_t)len ? n - (uint32_t)len : 0, "   %-8s %-8s target %d affinity %s%s\n",
                        info.chip, info.name, info.target, m, info.pinned ? " pinned" : "");
    }
    len += snprintf(b + len, n > (uint32_t)len ? n - (uint32_t)len : 0,
                    "balance: %s%s%s, %u passes, %u moves, %u broken affinity, %u rtc re-arms\n",
                    table.balance_allowed ? "allowed" : decision.quirk ? "off (chipset quirk: " : "off (one CPU)",
                    !table.balance_allowed && decision.quirk ? decision.quirk : "",
                    !table.balance_allowed && decision.quirk ? ")" : "", passes, moves,
                    table.broken_affinity, rtc_rearms);
    return len < (int)n ? len : (int)n - 1;
}
