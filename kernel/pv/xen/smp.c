/* PV SMP (issue 10): vcpus through VCPUOP, on Moat and on real Xen.
 *
 * A vcpu other than 0 is described once with VCPUOP_initialise (a vcpu_guest_context: ring-1
 * flat selectors, the kernel's page tables in cr3, the trap table, the event and failsafe
 * callbacks, its stack) and started with VCPUOP_up. It uses vcpu_info slot N of shared_info,
 * its own VIRQ_TIMER (a one-shot timer re-armed on every tick, as vcpu 0's) and an IPI
 * event channel (bind_ipi), both bound from vcpu 0 before it starts.
 *
 * Hotplug: offline = the plain event channels bound to it move to vcpu 0 (EVTCHNOP_bind_vcpu)
 * while it is still online; then it leaves the online mask, cancels its timer and calls
 * VCPUOP_down on itself; once VCPUOP_is_up says it is down, vcpu 0 closes its per-vcpu ports
 * (nothing can reach it: an IPI to an offline vcpu has no port). Online = bind its ports again
 * and VCPUOP_up: a vcpu is initialised only once (Xen answers -EEXIST after that) and resumes
 * right after its VCPUOP_down, where it restarts from its stack top into the same start path
 * (xen_ap_start) as on the first boot - Linux's xen_play_dead does the same.
 *
 * Each vcpu other than 0 has its own GDT page (a copy of vcpu 0's layout, given in
 * gdt_frames), so the TLS descriptors of the task it runs are its own; batches and lazy
 * modes are per vcpu (multicall.c), so it batches its context switches like vcpu 0.
 *
 * Invariants:
 *  - A vcpu's GDT page is read-only from before VCPUOP_initialise on, for good: the
 *    hypervisor holds it as that vcpu's GDT (a vcpu is initialised once).
 *  - A vcpu's tick runs while it has work (a load, or tasks: cpu_data.busy); an idle vcpu
 *    makes no hypercall at all.
 *  - Only vcpu 0 binds and unbinds event channels, and only for a vcpu that is not running
 *    (before VCPUOP_up, after VCPUOP_is_up said down): the irq tables are never changed
 *    under a running upcall of that vcpu. */
#include <stdint.h>
#include <lib/string.h>
#include <xen/xen.h>
#include <xen/vcpu.h>
#include <xen/sched.h>
#include <xen/event_channel.h>
#include <xen/errno.h>
#include "smp.h"
#include "desc.h"
#include "kmem.h"
#include "mm.h"
#include "printk.h"
#include "trap.h"
#include "uapi.h"
#include "pv/xen/xen.h"
#include "pv/xen/abi.h"
#include "pv/xen/hypercall.h"
#include "pv/xen/evtchn.h"

extern char xen_hypervisor_callback[], xen_failsafe_callback[];
void xen_copy_trap_table(struct trap_info out[256]); /* enlighten.c */
long xen_reload_trap_table(void);
extern unsigned xen_trap_table_gen;
static unsigned traps_gen[NR_CPUS]; /* the xen_trap_table_gen this vcpu's table matches */

static struct vcpu_guest_context ctxt;
static uint8_t initialised[NR_CPUS];
static int timer_irq[NR_CPUS], ipi_irq[NR_CPUS];

static uint64_t ap_gdt[NR_CPUS][512] __attribute__((aligned(4096)));

static uint32_t stack_top(unsigned cpu) { return (uint32_t)(uintptr_t)(smp_ap_stack[cpu] + SMP_AP_STACK_SIZE) - 16; }

/* Tickless when idle: the tick is re-armed only while the vcpu has work (a busy load, or
 * tasks: cpu_data.busy, set by its scheduler loop, which then arms it through cpu_busy). An idle
 * vcpu then makes no hypercall at all, so it neither takes physical CPU time from the others
 * nor shows up in the domain's trap counters that the kernel tests of vcpu 0 read (Moat
 * counts per domain). An IPI (smp_set_load) wakes it and starts the tick again. */
static volatile uint8_t timer_armed[NR_CPUS];

static int has_work(unsigned cpu) { return cpu_data[cpu].load || cpu_data[cpu].busy; }

static void arm_tick(unsigned cpu)
{
    timer_armed[cpu] = 1;
    HYPERVISOR_set_timer_op(xen_sched_clock() + xen_tick_ns());
}

static void ap_timer(unsigned irq, void *data)
{
    unsigned cpu = smp_processor_id();
    smp_count_tick();
    timer_armed[cpu] = 0;
    if (has_work(cpu))
        arm_tick(cpu);
}

/* smp_ops.cpu_busy (big kernel lock held): the vcpu's scheduler found a task to run. It needs
 * its tick to preempt it, and vcpu 0's gates as they are now (int $0x80 came after it
 * started; gates change only at boot, so checking when it starts running tasks is enough). */
static void xen_cpu_busy(unsigned cpu)
{
    if (traps_gen[cpu] != xen_trap_table_gen) {
        long rc = xen_reload_trap_table();
        if (rc)
            printk(KERN_ERR "smp: vcpu %u: set_trap_table failed: %ld\n", cpu, rc);
        traps_gen[cpu] = xen_trap_table_gen;
    }
    if (!timer_armed[cpu])
        arm_tick(cpu);
}

static void ap_ipi(unsigned irq, void *data)
{
    unsigned cpu = smp_processor_id();
    smp_count_ipi();
    if (has_work(cpu) && !timer_armed[cpu])
        arm_tick(cpu);
}

/* The start path of every vcpu but 0, at its stack top with events masked. */
void __attribute__((noreturn)) xen_ap_start(void);
void __attribute__((noreturn)) xen_ap_start(void)
{
    unsigned cpu = smp_processor_id();
    xen_upcall_depth = 0; /* its own batch (multicall.c): a fresh start has nothing queued */
    timer_armed[cpu] = 0;
    if (has_work(cpu))
        arm_tick(cpu);
    smp_cpu_set_online(cpu);
    smp_cpu_loop(cpu);
}

static void fill_context(unsigned cpu)
{
    memset(&ctxt, 0, sizeof ctxt);
    ctxt.flags = VGCF_IN_KERNEL;
    ctxt.user_regs.cs = FLAT_RING1_CS;
    ctxt.user_regs.ss = ctxt.user_regs.ds = ctxt.user_regs.es = FLAT_RING1_DS;
    ctxt.user_regs.eip = (uint32_t)(uintptr_t)xen_ap_start;
    ctxt.user_regs.esp = stack_top(cpu);
    ctxt.user_regs.eflags = 0x202;
    xen_copy_trap_table(ctxt.trap_ctxt); /* all of vcpu 0's gates so far */
    traps_gen[cpu] = xen_trap_table_gen;
    ctxt.kernel_ss = FLAT_RING1_DS;
    ctxt.kernel_sp = stack_top(cpu);
    ctxt.ctrlreg[3] = xen_pfn_to_cr3(xen_pfn_to_mfn(virt_to_pfn(kernel_pgd)));
    ctxt.gdt_frames[0] = xen_pfn_to_mfn(virt_to_pfn(ap_gdt[cpu]));
    ctxt.gdt_ents = GDT_ENTRIES;
    ctxt.event_callback_cs = FLAT_RING1_CS;
    ctxt.event_callback_eip = (uint32_t)(uintptr_t)xen_hypervisor_callback;
    ctxt.failsafe_callback_cs = FLAT_RING1_CS;
    ctxt.failsafe_callback_eip = (uint32_t)(uintptr_t)xen_failsafe_callback;
}

/* The vcpu's GDT: vcpu 0's descriptors (no TLS yet), then read-only, as a GDT frame must be. */
static int make_gdt(unsigned cpu)
{
    memset(ap_gdt[cpu], 0, sizeof ap_gdt[cpu]);
    for (unsigned i = 1; i < GDT_ENTRY_TLS_MIN; i++)
        ap_gdt[cpu][i] = gdt_table[i];
    uint32_t pfn = virt_to_pfn(ap_gdt[cpu]);
    uint64_t ro = xen_make_pte(((uint64_t)pfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED);
    long rc = HYPERVISOR_update_va_mapping((uint32_t)(uintptr_t)ap_gdt[cpu], ro, UVMF_INVLPG | UVMF_ALL);
    if (rc) {
        printk(KERN_ERR "smp: vcpu %u: cannot make its GDT page read-only (%ld)\n", cpu, rc);
        return -1;
    }
    cpu_gdt[cpu] = ap_gdt[cpu];
    return 0;
}

static void unbind_percpu(unsigned cpu)
{
    if (timer_irq[cpu] >= 0)
        xen_unbind_irq((unsigned)timer_irq[cpu]);
    if (ipi_irq[cpu] >= 0)
        xen_unbind_irq((unsigned)ipi_irq[cpu]);
    timer_irq[cpu] = ipi_irq[cpu] = -1;
}

/* Waits (yielding the physical CPU, which the other vcpu may need) until cond(cpu) or 10 s:
 * as long as Linux gives a CPU coming up. A vcpu is a host thread under QEMU, and on a loaded
 * host 1 s was seen to be too short (a parallel test run); a vcpu that does not answer costs
 * 10 s once and is reported. */
static int wait_for(unsigned cpu, int (*cond)(unsigned))
{
    uint64_t end = xen_sched_clock() + 10000000000ull;
    while (!cond(cpu)) {
        if (xen_sched_clock() > end)
            return -1;
        HYPERVISOR_sched_op(SCHEDOP_yield, 0);
    }
    return 0;
}

static int is_online(unsigned cpu) { return cpu_data[cpu].state == CPU_ONLINE; }
static int is_dead_and_down(unsigned cpu)
{
    return cpu_data[cpu].state == CPU_DEAD && HYPERVISOR_vcpu_op(VCPUOP_is_up, cpu, 0) == 0;
}

static int xen_cpu_start(unsigned cpu)
{
    xen_vcpu_of[cpu] = &xen_shared_info->vcpu_info[cpu];
    xen_vcpu_of[cpu]->evtchn_upcall_mask = 1;
    timer_irq[cpu] = xen_bind_virq_to_irq(VIRQ_TIMER, cpu, ap_timer, 0);
    ipi_irq[cpu] = xen_bind_ipi_to_irq(cpu, ap_ipi, 0);
    if (timer_irq[cpu] < 0 || ipi_irq[cpu] < 0) {
        printk(KERN_ERR "smp: vcpu %u: cannot bind its timer/IPI (%d/%d)\n", cpu, timer_irq[cpu], ipi_irq[cpu]);
        unbind_percpu(cpu);
        return -EIO;
    }
    cpu_data[cpu].state = CPU_BOOTING;
    long rc = 0;
    if (!initialised[cpu]) {
        if (make_gdt(cpu)) {
            cpu_data[cpu].state = CPU_OFFLINE;
            unbind_percpu(cpu);
            return -EIO;
        }
        fill_context(cpu);
        rc = HYPERVISOR_vcpu_op(VCPUOP_initialise, cpu, &ctxt);
        if (rc == 0)
            initialised[cpu] = 1;
    }
    if (rc == 0)
        rc = HYPERVISOR_vcpu_op(VCPUOP_up, cpu, 0);
    if (rc || wait_for(cpu, is_online)) {
        printk(KERN_ERR "smp: vcpu %u did not start (%ld)\n", cpu, rc);
        cpu_data[cpu].state = CPU_OFFLINE;
        unbind_percpu(cpu);
        return -EIO;
    }
    return 0;
}

static int xen_cpu_kill(unsigned cpu)
{
    if (wait_for(cpu, is_dead_and_down))
        return -EIO;
    unbind_percpu(cpu);
    return 0;
}

static void xen_send_ipi(unsigned cpu)
{
    if (ipi_irq[cpu] >= 0)
        xen_send_irq((unsigned)ipi_irq[cpu]);
}

static void __attribute__((noreturn)) xen_park_self(unsigned cpu)
{
    xen_irq_disable();
    HYPERVISOR_set_timer_op(0); /* 0 cancels the one-shot timer */
    timer_armed[cpu] = 0;
    cpu_data[cpu].state = CPU_DEAD;
    HYPERVISOR_vcpu_op(VCPUOP_down, cpu, 0);
    /* Brought up again: start over from the stack top, by the boot path. */
    asm volatile("movl %0, %%esp\n\tpushl $0\n\tjmp xen_ap_start" : : "r"(stack_top(cpu)) : "memory");
    __builtin_unreachable();
}

/* fixup_irqs: every plain event channel bound to cpu moves to vcpu 0. */
static int xen_irqs_offline(unsigned cpu)
{
    int moved = 0;
    for (unsigned irq = 0; irq < XEN_NR_IRQS; irq++) {
        if (xen_irq_cpu(irq) != (int)cpu || (int)irq == timer_irq[cpu] || (int)irq == ipi_irq[cpu])
            continue;
        int rc = xen_irq_bind_vcpu(irq, 0);
        if (rc)
            return rc;
        moved++;
    }
    return moved;
}

static const struct smp_ops xen_smp_ops = {
    .name = "PV vcpus (VCPUOP_initialise/up/down, event-channel IPIs)",
    .cpu_start = xen_cpu_start,
    .cpu_kill = xen_cpu_kill,
    .send_ipi = xen_send_ipi,
    .park_self = xen_park_self,
    .irqs_offline = xen_irqs_offline,
    .cpu_busy = xen_cpu_busy,
};

int xen_smp_probe(void)
{
    if (!xen_shared_info)
        return -1;
    unsigned n = 1;
    while (n < NR_CPUS && HYPERVISOR_vcpu_op(VCPUOP_is_up, n, 0) >= 0)
        n++;
    printk(KERN_INFO "smp: the hypervisor gives this domain %u vcpu%s\n", n, n == 1 ? "" : "s");
    for (unsigned c = 0; c < NR_CPUS; c++)
        timer_irq[c] = ipi_irq[c] = -1;
    if (n == 1)
        return -1;
    nr_cpus_possible = n;
    for (unsigned c = 1; c < n; c++) {
        cpu_data[c].hw_id = c;
        cpu_data[c].state = CPU_OFFLINE;
    }
    smp_ops = &xen_smp_ops;
    return 0;
}
