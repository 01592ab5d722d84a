/* IRQ affinity and balancing (issue 10, pure logic; no hardware access).
 *
 * A CPU set is a 32-bit mask (bit n = CPU n): Moat and the kernel support at most 8 CPUs, so
 * one word is plenty and every operation on it is a single instruction.
 *
 * Invariants (enforced here, relied on by the native IO-APIC code and the Moat backend that
 * program the routing from irq_table.target):
 *   - an irq's affinity mask is never empty and never names a CPU outside IRQ_MAX_CPUS;
 *   - every enabled irq's target is an ONLINE CPU inside its affinity mask whenever one exists;
 *     if the mask holds no online CPU the irq falls back to the lowest online CPU ("broken
 *     affinity", as Linux's fixup_irqs does) and the fallback is counted;
 *   - a CPU leaving the online set never keeps a target: irqtab_cpu_offline() moves its irqs
 *     first (the hotplug order of the i386 CPU-hotplug commit: fixup before leaving the map);
 *   - the balancer only moves irqs when balancing is allowed (the chipset-quirk decision) and
 *     there is more than one online CPU; it is deterministic (same loads -> same placement). */
#ifndef KERNEL_IRQ_BALANCE_H
#define KERNEL_IRQ_BALANCE_H
#include <stdint.h>

#define IRQ_MAX_CPUS 32
#define IRQ_MAX      64          /* device irqs tracked by the balancer */

typedef uint32_t cpumask_t;

static inline int cpumask_weight(cpumask_t m) { return __builtin_popcount(m); }
static inline int cpumask_first(cpumask_t m) { return m ? __builtin_ctz(m) : -1; }
static inline int cpumask_test(cpumask_t m, unsigned cpu) { return cpu < IRQ_MAX_CPUS && (m >> cpu) & 1; }
#define CPUMASK_OF(cpu) ((cpumask_t)1u << (cpu))

struct irq_desc_bal {
    uint8_t enabled;        /* a device irq that may be routed */
    uint8_t pinned;         /* per-cpu irq (timer, IPI): never moved by the balancer */
    int8_t target;          /* CPU that receives it now; -1 when not enabled */
    cpumask_t affinity;     /* CPUs it may go to (set by the user or the driver) */
    uint64_t count;         /* interrupts seen since the last balance pass (the load) */
};

struct irq_table {
    struct irq_desc_bal irq[IRQ_MAX];
    cpumask_t online;
    int balance_allowed;    /* from the chipset-quirk decision (pci_quirks.h) */
    uint32_t broken_affinity;   /* times an irq had to leave its mask (no online CPU in it) */
};

/* Resets the table: every irq disabled, affinity = all CPUs, `online` CPUs online. */
void irqtab_init(struct irq_table *t, cpumask_t online);
/* Enables irq with the given affinity, targeted at the lowest online CPU of its mask (the
 * balancer spreads irqs later). pinned_cpu >= 0 makes it a per-cpu irq fixed to that CPU
 * (affinity is then that CPU alone). -22 (-EINVAL) for a bad irq, an empty mask, or a
 * pinned CPU that is not online. */
int irqtab_enable(struct irq_table *t, unsigned irq, cpumask_t affinity, int pinned_cpu);
/* Sets an irq's affinity (like /proc/irq/N/smp_affinity): -22 for an empty mask, a mask with
 * no online CPU, or a pinned irq; -1 (-EPERM) when the quirk forbids affinity changes. On
 * success the irq is retargeted at once if its current target left the mask. */
int irqtab_set_affinity(struct irq_table *t, unsigned irq, cpumask_t affinity);
/* Counts one interrupt of `irq` (the load the balancer reads). */
void irqtab_account(struct irq_table *t, unsigned irq);
/* One balancing pass: assigns every movable enabled irq, heaviest first, to the allowed online
 * CPU with the least load assigned so far (ties: the lower CPU number), then clears the
 * counts. Returns how many irqs changed CPU. No-op (0) if not allowed or <= 1 CPU online. */
int irqtab_balance(struct irq_table *t);
/* CPU hotplug. Offline: every irq targeting `cpu` moves to another online CPU of its mask
 * (or, broken affinity, the lowest online CPU); a pinned irq of that CPU is disabled. Returns
 * the number of irqs moved, or -22 if cpu is not online or is the last online CPU. */
int irqtab_cpu_offline(struct irq_table *t, unsigned cpu);
/* Online: adds `cpu` to the online set; the next balance pass may use it. */
int irqtab_cpu_online(struct irq_table *t, unsigned cpu);
/* How many enabled irqs currently target `cpu`. */
int irqtab_count_on_cpu(const struct irq_table *t, unsigned cpu);
#endif
