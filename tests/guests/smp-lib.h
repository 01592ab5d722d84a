/* Shared helpers of the smp-* hostile guests (issue 10, helper H3): a secondary vcpu that runs
 * a small command loop ("worker"), driven by vcpu 0 through shared memory, and memory probes
 * that survive a page fault. Xen's public headers only (on top of ev-lib / mm-lib).
 *
 * The worker exists so that vcpu 0 can make vcpu 1 do one precise thing on its own physical
 * CPU - keep a translation hot in its TLB, stop touching it, then access it exactly once -
 * which is what a cross-CPU TLB test needs: QEMU TCG keeps a soft TLB per CPU that only
 * invlpg, CR3/CR4 writes and flush IPIs empty, so a missing shootdown is observable.
 *
 * Probes: smp_probe_write/read do one 32-bit access at a fixed instruction; the #PF handler
 * (installed on every vcpu through the trap table) moves a fault at exactly that instruction
 * to its end with eax = 1, and crashes the guest on any other page fault. */
#ifndef SMP_LIB_H
#define SMP_LIB_H
#include "ev-lib.h"
#include <xen/vcpu.h>

#define SMP_MAX_V 4
#define SMP_STACK 8192
#define SMP_SECOND 1000000000ull

#define HYPERVISOR_set_trap_table(t) hypercall1(0, t)
#define HYPERVISOR_set_gdt(list, n)  hypercall2(2, list, n)

extern uint8_t smp_stacks[SMP_MAX_V][SMP_STACK];
extern unsigned smp_nr_vcpus;

/* ev_init + mm_init, #PF handler on vcpu 0, counts the vcpus; 0 if fewer than `want` (and says
 * which option gives them). */
int smp_init(const char *name, unsigned want);
unsigned smp_me(void);                      /* this vcpu's id (from its stack) */
/* 1 on Moat (its own hypercall 56 answers), 0 on Xen: only for the few lines where Moat is
 * deliberately stricter than Xen (marked "Moat M"); everything else expects the same. */
extern int smp_on_moat;
long smp_vcpu_op(unsigned cmd, unsigned vcpu, void *arg);
/* A context that starts vcpu n at entry on its own stack with the initial page tables, the
 * #PF probe handler and events masked. */
void smp_context(struct vcpu_guest_context *c, unsigned n, void (*entry)(void));
int smp_wait(volatile uint32_t *what, uint32_t want, uint64_t ns);   /* 1 if reached */

/* Probes: return 1 if the access faulted (then *val / the write did nothing), else 0. */
int smp_probe_write(uint32_t va, uint32_t val);
int smp_probe_read(uint32_t va, uint32_t *val);
extern volatile uint32_t smp_faults[SMP_MAX_V];

/* ---- the worker (vcpu 1..3) ---- */
enum smp_op {
    W_PARK,         /* spin on the command word only (touches nothing else) */
    W_HOT_WRITE,    /* write 0 to va in a loop (a writable translation stays in the TLB) */
    W_HOT_READ,     /* read va in a loop */
    W_WRITE_ONCE,   /* one probed write of val to va, then park */
    W_READ_ONCE,    /* one probed read of va, then park */
    W_DOWN,         /* VCPUOP_down on itself; when brought up again it parks */
    W_NEW_BASE,     /* MMUEXT_NEW_BASEPTR to frame val on its own CPU; result: the rc */
};
/* Starts vcpu n (initialise + up) running the worker; 1 on success. */
int smp_start_worker(unsigned n);
/* Gives worker n a command and waits for its answer (hot: after 1000 accesses). Returns the
 * probe's fault flag (0/1), W_NEW_BASE's rc, or -1000 if the worker did not answer in 5 s. *val (if not NULL)
 * receives the value read. */
int smp_cmd(unsigned n, enum smp_op op, uint32_t va, uint32_t val, uint32_t *read);
#endif
