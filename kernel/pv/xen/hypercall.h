/* Hypercalls through the hypercall page: `call hypercall_page + nr * 32`, arguments in
 * ebx, ecx, edx, esi, edi, result in eax. The hypervisor (Xen or Moat) fills the page with its
 * stubs when it builds the domain. Argument registers are treated as clobbered: debug builds
 * of Xen deliberately scramble them on return. */
#ifndef KERNEL_XEN_HYPERCALL_H
#define KERNEL_XEN_HYPERCALL_H
#include <stdint.h>
#include <xen/xen.h>

extern char hypercall_page[4096];

#define HC_CALL "call hypercall_page + %c[off]"

/* Every trap into the hypervisor this kernel makes is counted (tests check batching), and a
 * pending multicall batch is issued first, so hypercalls always take effect in program order.
 * Inside an event upcall the interrupted context's batch is left alone (multicall.c). */
#define XEN_HC_STATS_NR 64
struct xen_hc_stats {
    unsigned long by_nr[XEN_HC_STATS_NR]; /* traps by hypercall number (a batch: its number) */
    unsigned long multicalls;             /* traps that were multicalls */
    unsigned long mmu_update_traps;       /* traps carrying mmu_update (direct or batched) */
    unsigned long mmu_update_entries;     /* mmu_update requests in those traps */
};
extern struct xen_hc_stats xen_hc_stats;
extern unsigned long xen_hypercall_count; /* every trap (multicall = 1) */
/* Per vcpu, as the batches and lazy modes are (multicall.c). */
extern unsigned xen_upcall_depth_of[];
#include "kstack.h"
#define xen_smp_cpu() smp_processor_id()
#define xen_upcall_depth (xen_upcall_depth_of[xen_smp_cpu()])
unsigned xen_mc_pending(void);
void xen_mc_flush(void);
static inline void hypercall_prologue(unsigned nr)
{
    if (!xen_upcall_depth && xen_mc_pending())
        xen_mc_flush();
    xen_hypercall_count++;
    xen_hc_stats.by_nr[nr < XEN_HC_STATS_NR ? nr : 0]++;
}

/* A hypercall whose number is only known at run time (multicall fallback); no prologue. */
static inline long raw_hypercall_dyn(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
                                     unsigned long a4, unsigned long a5)
{
    long r;
    void *entry = hypercall_page + nr * 32;
    asm volatile("call *%[entry]"
                 : "=a"(r), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(a4), "+D"(a5)
                 : [entry] "m"(entry) : "memory");
    return r;
}

static inline long raw_hypercall2(unsigned nr, unsigned long a1, unsigned long a2)
{
    long r;
    asm volatile(HC_CALL : "=a"(r), "+b"(a1), "+c"(a2) : [off] "i"(nr * 32) : "memory");
    return r;
}

static inline long hypercall1(unsigned nr, unsigned long a1)
{
    long r;
    hypercall_prologue(nr);
    asm volatile(HC_CALL : "=a"(r), "+b"(a1) : [off] "i"(nr * 32) : "memory");
    return r;
}

static inline long hypercall2(unsigned nr, unsigned long a1, unsigned long a2)
{
    long r;
    hypercall_prologue(nr);
    asm volatile(HC_CALL : "=a"(r), "+b"(a1), "+c"(a2) : [off] "i"(nr * 32) : "memory");
    return r;
}

static inline long hypercall3(unsigned nr, unsigned long a1, unsigned long a2, unsigned long a3)
{
    long r;
    hypercall_prologue(nr);
    asm volatile(HC_CALL : "=a"(r), "+b"(a1), "+c"(a2), "+d"(a3) : [off] "i"(nr * 32) : "memory");
    return r;
}

static inline long hypercall4(unsigned nr, unsigned long a1, unsigned long a2, unsigned long a3,
                              unsigned long a4)
{
    long r;
    hypercall_prologue(nr);
    asm volatile(HC_CALL : "=a"(r), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(a4) : [off] "i"(nr * 32) : "memory");
    return r;
}

static inline long hypercall5(unsigned nr, unsigned long a1, unsigned long a2, unsigned long a3,
                              unsigned long a4, unsigned long a5)
{
    long r;
    hypercall_prologue(nr);
    asm volatile(HC_CALL : "=a"(r), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(a4), "+D"(a5)
                 : [off] "i"(nr * 32) : "memory");
    return r;
}

#define HYPERVISOR_set_trap_table(t) hypercall1(__HYPERVISOR_set_trap_table, (unsigned long)(t))
#define HYPERVISOR_mmu_update(req, n, done, dom) \
    hypercall4(__HYPERVISOR_mmu_update, (unsigned long)(req), (n), (unsigned long)(done), (dom))
#define HYPERVISOR_set_gdt(frames, entries) hypercall2(__HYPERVISOR_set_gdt, (unsigned long)(frames), (entries))
#define HYPERVISOR_stack_switch(ss, esp) hypercall2(__HYPERVISOR_stack_switch, (ss), (esp))
#define HYPERVISOR_set_callbacks(es, ea, fs, fa) hypercall4(__HYPERVISOR_set_callbacks, (es), (ea), (fs), (fa))
#define HYPERVISOR_fpu_taskswitch(set) hypercall1(__HYPERVISOR_fpu_taskswitch, (set))
#define HYPERVISOR_update_descriptor(ma, desc) \
    hypercall4(__HYPERVISOR_update_descriptor, (uint32_t)(ma), (uint32_t)((uint64_t)(ma) >> 32), \
               (uint32_t)(desc), (uint32_t)((uint64_t)(desc) >> 32))
#define HYPERVISOR_update_va_mapping(va, pte, flags) \
    hypercall4(__HYPERVISOR_update_va_mapping, (va), (uint32_t)(pte), (uint32_t)((uint64_t)(pte) >> 32), (flags))
#define HYPERVISOR_set_timer_op(ns) \
    hypercall2(__HYPERVISOR_set_timer_op, (uint32_t)(ns), (uint32_t)((uint64_t)(ns) >> 32))
#define HYPERVISOR_xen_version(cmd, arg) hypercall2(__HYPERVISOR_xen_version, (cmd), (unsigned long)(arg))
#define HYPERVISOR_console_io(cmd, n, buf) hypercall3(__HYPERVISOR_console_io, (cmd), (n), (unsigned long)(buf))
#define HYPERVISOR_vcpu_op(cmd, vcpu, arg) hypercall3(__HYPERVISOR_vcpu_op, (cmd), (vcpu), (unsigned long)(arg))
#define HYPERVISOR_mmuext_op(op, n, done, dom) \
    hypercall4(__HYPERVISOR_mmuext_op, (unsigned long)(op), (n), (unsigned long)(done), (dom))
#define HYPERVISOR_sched_op(cmd, arg) hypercall2(__HYPERVISOR_sched_op, (cmd), (unsigned long)(arg))
#define HYPERVISOR_event_channel_op(cmd, arg) hypercall2(__HYPERVISOR_event_channel_op, (cmd), (unsigned long)(arg))
#define HYPERVISOR_physdev_op(cmd, arg) hypercall2(__HYPERVISOR_physdev_op, (cmd), (unsigned long)(arg))
#define HYPERVISOR_memory_op(cmd, arg) hypercall2(__HYPERVISOR_memory_op, (cmd), (unsigned long)(arg))
#define HYPERVISOR_multicall(calls, n) hypercall2(__HYPERVISOR_multicall, (unsigned long)(calls), (n))

#endif
