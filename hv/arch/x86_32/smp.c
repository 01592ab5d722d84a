/* SMP bring-up, IPIs and the hypervisor lock (smp.h has the invariants).
 *
 * Bring-up, one AP at a time (so one trampoline and one parameter block suffice):
 *   BSP: fill the trampoline's parameters (L3, stack, entry), INIT, 10 ms, SIPI, 200 us, SIPI,
 *        then wait up to 1 s for the AP to mark itself started;
 *   AP:  trampoline.S -> ap_entry(): this CPU's GDT/TSS (gdt_init_cpu), IDT, Moat's CR0/CR4
 *        (copied from the BSP), CPUID faulting, local APIC; then it says "started" and waits
 *        with interrupts off until the BSP releases every AP into its scheduler (smp_go),
 *        because the scheduler's state is only ready once the initial domain is built.
 * An AP that does not answer is reported and left out: Moat goes on with the CPUs it has.
 *
 * IPIs: IPI_VECTOR_KICK makes the target pass through its scheduler/exit path (a vcpu became
 * runnable there, an event is pending for the vcpu it runs, or one of its timers changed);
 * IPI_VECTOR_FLUSH is a TLB shootdown, acknowledged per CPU. */
#include <stdint.h>
#include <lib/string.h>
#include <lib/cmdline.h>
#include "smp.h"
#include "spinlock.h"
#include "cpu.h"
#include "paging.h"
#include "memlayout.h"
#include "console.h"
#include "moat_time.h"
#include "moat_sched.h"
#include "domain.h"
#include "x86.h"
#include "mapcache.h"
#include "tlb.h"

unsigned smp_nr_cpus = 1;
uint32_t smp_online_mask = 1;
uint8_t cpu_apic_id[MOAT_MAX_CPUS];

static spinlock_t hv_lock = SPINLOCK_INIT;
static volatile int8_t hv_lock_owner = -1;       /* CPU holding hv_lock, -1: none */
static volatile uint8_t cpu_idle[MOAT_MAX_CPUS];  /* in the idle loop's sti;hlt window */
static volatile uint32_t flush_pending;           /* CPUs asked to flush, not done yet */
static volatile int smp_released;                 /* smp_go(): APs may schedule */
static volatile uint32_t ap_started;

static uint64_t ap_l3[4] __attribute__((aligned(32)));
static uint64_t ap_l2_low[512] __attribute__((aligned(4096)));
static uint32_t bsp_cr0, bsp_cr4;

extern const char ap_trampoline[], ap_trampoline_end[];
extern const char ap_tramp_cr3[], ap_tramp_esp[], ap_tramp_entry[], ap_tramp_nx[];
void emulate_init(void);
void sched_start(void) __attribute__((noreturn));

static void delay_ns(s_time_t ns)
{
    s_time_t t0 = NOW();
    while (NOW() - t0 < ns)
        asm volatile("pause");
}

/* ---- the hypervisor lock ------------------------------------------------------------------ */

static unsigned my_cpu(void) { return this_cpu()->id; }

static void lock_hv(void)
{
    unsigned me = my_cpu();
    if (hv_lock_owner == (int8_t)me)
        return;                         /* re-entry from an exit-fixup path: already ours */
    spin_lock_service(&hv_lock, smp_service_flush);
    hv_lock_owner = (int8_t)me;
}

static void unlock_hv(void)
{
    if (hv_lock_owner != (int8_t)my_cpu())
        return;
    hv_lock_owner = -1;
    spin_unlock(&hv_lock);
}

void smp_enter_from_guest(void)
{
    if (smp_active())
        lock_hv();
}

void smp_exit_to_guest(void)
{
    if (smp_active())
        unlock_hv();
}

void smp_idle_release(void)
{
    if (!smp_active())
        return;
    cpu_idle[my_cpu()] = 1;
    unlock_hv();
}

void smp_idle_acquire(void)
{
    if (!smp_active())
        return;
    cpu_idle[my_cpu()] = 0;
    lock_hv();          /* no-op if an interrupt handler took it during the hlt */
}

/* trap_entry (traps.c) calls this first: an entry from a guest, or an interrupt that woke
 * an idle CPU, takes the hypervisor lock; a fault inside Moat (lock already held) does not. */
void smp_trap_enter(const struct cpu_user_regs *r)
{
    if (!smp_active())
        return;
    if (r->entry_vector == IPI_VECTOR_FLUSH)
        smp_service_flush();            /* before the lock: the sender may be holding it */
    unsigned me = my_cpu();
    if (guest_mode(r) || cpu_idle[me]) {
        cpu_idle[me] = 0;
        lock_hv();
    }
}

/* ---- IPIs --------------------------------------------------------------------------------- */

void smp_service_flush(void)
{
    uint32_t bit = 1u << my_cpu();
    if (__atomic_load_n(&flush_pending, __ATOMIC_ACQUIRE) & bit) {
        flush_tlb_all();
        __atomic_fetch_and(&flush_pending, ~bit, __ATOMIC_RELEASE);
    }
}

void smp_send_kick(unsigned cpu)
{
    if (!smp_active() || cpu >= MOAT_MAX_CPUS || cpu == my_cpu() || !(smp_online_mask & (1u << cpu)))
        return;
    lapic_send_ipi(cpu_apic_id[cpu], ICR_FIXED | ICR_ASSERT | IPI_VECTOR_KICK);
}

void smp_flush_tlb_mask(uint32_t mask)
{
    mask &= smp_online_mask & ~(1u << my_cpu());
    if (!smp_active() || !mask)
        return;
    __atomic_fetch_or(&flush_pending, mask, __ATOMIC_RELEASE);
    for (unsigned c = 0; c < smp_nr_cpus; c++)
        if (mask & (1u << c))
            lapic_send_ipi(cpu_apic_id[c], ICR_FIXED | ICR_ASSERT | IPI_VECTOR_FLUSH);
    /* Every target is in a guest or halted (IF set: takes the IPI) or on its way to the
     * hypervisor lock (services the request while it spins), so this ends. */
    while (__atomic_load_n(&flush_pending, __ATOMIC_ACQUIRE) & mask)
        asm volatile("pause");
}

/* SMP-TLB1 (tlb.h): cpus[c].current is never cleared when a CPU idles, so it names the vcpu
 * whose translations that CPU may still hold. */
uint32_t smp_cpus_running_domain(uint16_t domid)
{
    uint16_t dom[MOAT_MAX_CPUS];
    for (unsigned c = 0; c < smp_nr_cpus; c++)
        dom[c] = cpus[c].current ? cpus[c].current->domain->domid : TLB_NO_DOMAIN;
    return tlb_cpus_of_domain(dom, smp_nr_cpus, domid, my_cpu()) & smp_online_mask;
}

void smp_interrupt(unsigned vector)
{
    unsigned me = my_cpu();
    switch (vector) {
    case LAPIC_SPURIOUS_VECTOR:
        return;                          /* no EOI for the spurious vector */
    case IPI_VECTOR_FLUSH:
        smp_service_flush();
        break;
    case LAPIC_TIMER_VECTOR:
        lapic_eoi();
        timer_interrupt(me, NOW());
        return;
    case IPI_VECTOR_KICK:
        /* Someone changed this CPU's timers or run queue: re-check both. The scheduler
         * and event checks run on the way out (return_to_guest) or in the idle loop. */
        lapic_eoi();
        timer_interrupt(me, NOW());
        return;
    default:
        break;
    }
    lapic_eoi();
}

/* ---- bring-up ----------------------------------------------------------------------------- */

/* Firmware tables for the parsers: low memory through the direct map; ACPI tables (at the
 * top of RAM, usually beyond the direct map) copied through frame_map into one of a few
 * rotating buffers, so the last few results stay valid while the parser walks on. */
static uint8_t fw_buf[4][4096];
static unsigned fw_next;

static const uint8_t *phys_read(void *ctx, uint32_t pa, uint32_t len)
{
    (void)ctx;
    if (len == 0 || pa + len < pa)
        return 0;
    if (dm_reachable(pa, len))
        return (const uint8_t *)dm_va(pa);
    if (len > sizeof(fw_buf[0]))
        return 0;
    uint8_t *b = fw_buf[fw_next++ % 4];
    for (uint32_t done = 0; done < len;) {
        uint32_t a = pa + done, in_page = 4096 - (a & 4095), n = len - done < in_page ? len - done : in_page;
        const uint8_t *p = frame_map(a >> 12);
        memcpy(b + done, p + (a & 4095), n);
        frame_unmap((void *)p);
        done += n;
    }
    return b;
}

void ap_entry(void) __attribute__((noreturn));
static volatile unsigned ap_booting;

void ap_entry(void)
{
    unsigned id = ap_booting;
    struct cpu *c = &cpus[id];
    gdt_init_cpu(c);
    write_cr3(idle_cr3());
    write_cr4(bsp_cr4);
    write_cr0(bsp_cr0);
    idt_load();
    emulate_init();
    lapic_init_cpu();
    __atomic_fetch_or(&ap_started, 1u << id, __ATOMIC_RELEASE);
    while (!smp_released)
        asm volatile("pause" ::: "memory");
    lock_hv();
    sched_start();
}

static int start_ap(unsigned id)
{
    uint8_t *t = dm_va(SMP_TRAMPOLINE_PA);
    memset(&cpus[id], 0, sizeof(cpus[id]));
    cpus[id].id = id;
    ap_booting = id;
    *(uint32_t *)(t + (ap_tramp_cr3 - ap_trampoline)) = dm_pa(ap_l3);
    *(uint32_t *)(t + (ap_tramp_esp - ap_trampoline)) =
        (uint32_t)cpu_stacks[id] + MOAT_STACK_SIZE - 128;
    *(uint32_t *)(t + (ap_tramp_entry - ap_trampoline)) = (uint32_t)ap_entry;
    *(uint32_t *)(t + (ap_tramp_nx - ap_trampoline)) = cpu_has_nx;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);

    uint8_t apic = cpu_apic_id[id];
    lapic_send_ipi(apic, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
    delay_ns(MILLISECS(10));
    for (int i = 0; i < 2 && !(ap_started & (1u << id)); i++) {
        lapic_send_ipi(apic, ICR_STARTUP | (SMP_TRAMPOLINE_PA >> 12));
        delay_ns(MICROSECS(200));
    }
    s_time_t t0 = NOW();
    while (!(__atomic_load_n(&ap_started, __ATOMIC_ACQUIRE) & (1u << id))) {
        if (NOW() - t0 > SECONDS(1))
            return -1;
        asm volatile("pause");
    }
    return 0;
}

void smp_init(const char *opts)
{
    struct smp_cpu_list list;
    const char *how = "ACPI MADT";
    int rc = acpi_find_cpus(phys_read, 0, &list);
    if (rc < 0) {
        how = "MP table";
        rc = mptable_find_cpus(phys_read, 0, &list);
    }
    unsigned max = MOAT_MAX_CPUS;
    struct cmdline_word w;
    const char *pos = opts;
    while (opts && cmdline_next(&pos, &w)) {
        unsigned v;
        if (!strcmp(w.key, "smp") && w.has_value && !cmdline_parse_u32(w.value, &v) && v >= 1)
            max = v < MOAT_MAX_CPUS ? v : MOAT_MAX_CPUS;
    }
    if (rc < 0 || list.nr <= 1 || max == 1) {
        if (rc < 0)
            log_info("smp: no valid ACPI MADT or MP table (%d): boot CPU only\n", rc);
        log_info("1 CPU online\n");
        return;
    }
    if (list.dropped)
        log_warn("smp: %u processors beyond Moat's %u ignored\n", list.dropped, MOAT_MAX_CPUS);

    /* local APIC page, uncached (PCD|PWT), never executable */
    uint32_t lapic_pa = list.lapic_pa ? list.lapic_pa : 0xFEE00000u;
    moat_map(LAPIC_VA, lapic_pa >> 12, PTE_RW | PTE_PCD | PTE_PWT | pte_nx);
    for (unsigned i = 0; i < list.nr; i++)
        cpu_apic_id[i] = list.apic_id[i];
    uint32_t self = lapic_id();
    if (cpu_apic_id[0] != self) {
        /* the table's BP flag and reality disagree: we are the BSP, swap us to slot 0 */
        for (unsigned i = 1; i < list.nr; i++)
            if (cpu_apic_id[i] == self) {
                cpu_apic_id[i] = cpu_apic_id[0];
                break;
            }
        cpu_apic_id[0] = (uint8_t)self;
    }
    lapic_init_cpu();
    lapic_timer_calibrate();

    ap_l2_low[0] = 0 | PTE_P | PTE_RW | PTE_PS;           /* identity 0-2 MB: the trampoline */
    ap_l3[0] = dm_pa(ap_l2_low) | PTE_P;
    ap_l3[3] = dm_pa(moat_l2_master()) | PTE_P;
    bsp_cr0 = read_cr0();
    bsp_cr4 = read_cr4();
    memcpy(dm_va(SMP_TRAMPOLINE_PA), ap_trampoline, (size_t)(ap_trampoline_end - ap_trampoline));

    unsigned want = list.nr < max ? list.nr : max;
    unsigned n = 1;
    for (unsigned i = 1; i < want; i++) {
        if (start_ap(i) != 0) {
            log_warn("smp: CPU %u (APIC id %u) did not start; continuing without it\n", i,
                     cpu_apic_id[i]);
            break;          /* CPU numbers stay dense: later CPUs are left out too */
        }
        n++;
    }
    smp_online_mask = (n >= 32) ? ~0u : (1u << n) - 1;
    log_info("%u CPUs online (%s, APIC ids", n, how);
    for (unsigned i = 0; i < n; i++)
        con_printf(" %u", cpu_apic_id[i]);
    con_printf(")\n");
    smp_nr_cpus = n;
}

/* moat_main, right before the boot CPU enters its scheduler: the domain exists, release the
 * APs into theirs. The BSP takes the hypervisor lock first; it drops it on its first exit to
 * the guest (return_to_guest -> smp_exit_to_guest). */
void smp_go(void)
{
    if (!smp_active())
        return;
    lock_hv();
    __atomic_store_n(&smp_released, 1, __ATOMIC_RELEASE);
}
