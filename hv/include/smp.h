/* SMP in the hypervisor (issue 10): finding the physical CPUs, bringing them up, IPIs.
 *
 * Invariants:
 *   - CPU numbers are Moat's (0 = the boot CPU, then in MP-table order); cpu_apic_id[] maps
 *     them to local APIC ids. A CPU is in smp_online_mask only after it runs on its own stack,
 *     GDT, TSS and IDT with Moat's page tables, and has its local APIC enabled;
 *   - with one CPU (no MP table, one processor entry, or `smp=1`) nothing here changes what
 *     Moat does: no AP is started, no lock is taken (smp_active() is false), no IPI is sent;
 *   - every shared hypervisor structure is protected by the hypervisor lock (spinlock.h):
 *     a CPU holds it from its entry from a guest (or wake-up in the idle loop) to its exit
 *     back to the guest (or halt). IPI work that another CPU may be waiting for while holding
 *     that lock (TLB shootdown) is done before taking it and while spinning for it, so the
 *     waiting CPU can never deadlock against the CPU it waits for. */
#ifndef MOAT_SMP_H
#define MOAT_SMP_H
#include <stdint.h>
#include "memlayout.h"

/* ---- CPU discovery (mptable.c; pure, host-tested) -------------------------------------- */
struct smp_cpu_list {
    unsigned nr;                        /* usable CPUs found (<= MOAT_MAX_CPUS) */
    uint8_t apic_id[MOAT_MAX_CPUS];     /* [0] is the boot processor */
    unsigned disabled;                  /* processor entries marked unusable */
    unsigned dropped;                   /* usable processors beyond MOAT_MAX_CPUS */
    uint32_t lapic_pa;                  /* local APIC MMIO base from the table */
    uint32_t mpf_pa, table_pa;          /* where the structures were found (0: none) */
};
/* Maps `len` bytes of physical memory at `pa` for reading, or NULL if it cannot. */
typedef const uint8_t *(*phys_read_fn)(void *ctx, uint32_t pa, uint32_t len);
/* Searches the MP floating pointer (EBDA, last KB of base memory, BIOS ROM) and parses the MP
 * configuration table. Returns 0 with `out` filled, or a negative value when no valid table
 * is found (bad signature/checksum/length: never trusted) - the caller runs on one CPU. */
int mptable_find_cpus(phys_read_fn rd, void *ctx, struct smp_cpu_list *out);
/* The same from ACPI's MADT (acpi.c). The list is in MADT order; the caller moves the boot
 * CPU (its own local APIC id) to slot 0. Tried first: see acpi.c for why. */
int acpi_find_cpus(phys_read_fn rd, void *ctx, struct smp_cpu_list *out);

/* ---- runtime (smp.c, lapic.c) ----------------------------------------------------------- */
#define SMP_TRAMPOLINE_PA   0x8000u     /* real-mode AP entry: SIPI vector 0x08 */
#define IPI_VECTOR_KICK     0xF0        /* "look at your run queue / events / timers" */
#define IPI_VECTOR_FLUSH    0xF1        /* TLB shootdown */
#define LAPIC_TIMER_VECTOR  0xF2        /* an AP's one-shot timer (the BSP keeps the PIT) */
#define LAPIC_SPURIOUS_VECTOR 0xFF
#define SMP_VECTOR_FIRST    0xF0

/* The local APIC's page, mapped uncached in the mapcache window above every CPU's slots. */
#define LAPIC_VA (MAPCACHE_START + MOAT_MAX_CPUS * 16 * 4096)

#ifdef MOAT_HOST_TEST
/* Host unit tests of the scheduler, timers and mm run one simulated CPU: every SMP hook is a
 * no-op there, exactly as on a one-CPU machine. */
static inline int smp_active(void) { return 0; }
static inline void smp_send_kick(unsigned cpu) { (void)cpu; }
static inline void smp_flush_tlb_mask(uint32_t mask) { (void)mask; }
static inline uint32_t smp_cpus_running_domain(uint16_t domid) { (void)domid; return 0; }
static inline void smp_idle_release(void) {}
static inline void smp_idle_acquire(void) {}
static inline void smp_enter_from_guest(void) {}
static inline void smp_exit_to_guest(void) {}
#else
extern unsigned smp_nr_cpus;            /* CPUs online */
extern uint32_t smp_online_mask;
extern uint8_t cpu_apic_id[MOAT_MAX_CPUS];

static inline int smp_active(void) { return smp_nr_cpus > 1; }

void smp_init(const char *moat_options);   /* finds and starts the APs; prints the count */
/* trap_entry's hook for vectors >= SMP_VECTOR_FIRST (IPIs, the AP timer, spurious). */
void smp_interrupt(unsigned vector);
void smp_send_kick(unsigned cpu);
/* Flushes the TLB of every other online CPU in `mask` and waits until they did. */
void smp_flush_tlb_mask(uint32_t mask);
/* CPUs other than this one that run (or are about to run) a vcpu of domain `domid`. */
uint32_t smp_cpus_running_domain(uint16_t domid);
/* The hypervisor lock around guest entries and exits (see the invariants above). */
struct cpu_user_regs;
void smp_trap_enter(const struct cpu_user_regs *r);   /* first thing trap_entry does */
void smp_go(void);                      /* moat_main: release the APs into their schedulers */
void smp_enter_from_guest(void);
void smp_exit_to_guest(void);
void smp_idle_release(void);
void smp_idle_acquire(void);
void smp_service_flush(void);           /* pending TLB flush request for this CPU, if any */
#endif

/* lapic.c */
void lapic_init_cpu(void);              /* enable this CPU's APIC (SVR), mask LINTs on APs */
uint32_t lapic_id(void);
void lapic_eoi(void);
void lapic_send_ipi(uint8_t apic_id, uint32_t icr_low);
int lapic_wait_icr_idle(void);
void lapic_timer_calibrate(void);
void lapic_timer_program(uint64_t ns);  /* one-shot in `ns` nanoseconds (0: stop) */
#define ICR_INIT     0x00000500u
#define ICR_STARTUP  0x00000600u
#define ICR_FIXED    0x00000000u
#define ICR_ASSERT   0x00004000u
#define ICR_LEVEL    0x00008000u
#define ICR_PENDING  0x00001000u
#endif
