/* Private interfaces of the Xen PV ABI backend (used on real Xen and on Moat alike). */
#ifndef KERNEL_PV_XEN_H
#define KERNEL_PV_XEN_H
#include <stdint.h>
#include <xen/xen.h>
#include "pv/pvops.h"
#include "trap.h"

#define XEN_UPCALL_VECTOR 0xf3
#define XEN_FAILSAFE_VECTOR 0xf4

extern struct start_info *xen_start_info; /* set by xen-head.S */
extern struct shared_info *xen_shared_info;
/* H15 (issue 10): one vcpu_info per vcpu; xen_vcpu is the calling vcpu's (a masked
 * placeholder until shared_info is mapped, and for a vcpu not started yet). */
extern struct vcpu_info *xen_vcpu_of[];
#include "kstack.h"
#define xen_smp_cpu() smp_processor_id()  /* the calling vcpu (kstack.h) */
#define xen_vcpu (xen_vcpu_of[xen_smp_cpu()])
extern uint32_t xen_nr_pages;
extern const uint32_t *xen_p2m;           /* pfn -> mfn (start_info.mfn_list) */

uint32_t xen_pfn_to_mfn(uint32_t pfn);
uint32_t xen_mfn_to_pfn(uint32_t mfn);
uint64_t xen_virt_to_machine(const void *va);
const uint32_t *xen_m2p_table(void);

/* mmu.c */
void xen_mmu_init(void);
void xen_mark_pt(uint32_t pfn, int is_pt);
void xen_set_pte(pte_t *p, pte_t v);
void xen_set_pmd(pmd_t *p, pmd_t v);
void xen_set_pud(pud_t *p, pud_t v);
void xen_pte_clear(pte_t *p);
uint64_t xen_make_pte(uint64_t e);
uint64_t xen_pte_val(uint64_t e);
void xen_alloc_pt(uint32_t pfn, int level);
void xen_release_pt(uint32_t pfn, int level);
void xen_pin_pgd(uint32_t pfn);
void xen_unpin_pgd(uint32_t pfn);
void xen_flush_tlb(void);
void xen_flush_tlb_single(uint32_t va);
uint32_t xen_read_cr3(void);
void xen_write_cr3(uint32_t pa);
void xen_load_ldt(uint32_t base, unsigned entries);
void xen_ldt_shadow_forget(void);         /* mmu.c: a SET_LDT failed; reissue next time */
long xen_mmu_update_one(const void *entry, uint64_t val); /* raw, for tests: the Xen status */
int xen_mmuext(unsigned cmd, uint32_t arg);

/* multicall.c: lazy modes over the batching layer (mc_batch.h) */
#define XEN_MAX_CPUS 8 /* == NR_CPUS (smp.h) */
void xen_mc_init(void);
int xen_lazy_cpu_active(void);
int xen_lazy_mmu_active(void);
/* A queued entry for hypercall op with argbytes of argument space (*args), or 0 when not in
 * lazy cpu mode: then issue the call directly. */
struct multicall_entry *xen_mc_queue(unsigned op, unsigned argbytes, void **args);
/* The same in lazy mmu OR lazy cpu mode (TLB operations that follow batched PTE writes). */
struct multicall_entry *xen_mc_queue_mmu(unsigned op, unsigned argbytes, void **args);
/* Appends one mmu_update to the batch in lazy mmu mode: 0, or -1 (issue it directly). */
int xen_mc_queue_mmu_update(uint64_t ptr, uint64_t val);
void xen_enter_lazy_cpu(void);
void xen_leave_lazy_cpu(void);
void xen_enter_lazy_mmu(void);
void xen_leave_lazy_mmu(void);

/* events.c */
void xen_events_init(void);
unsigned long xen_save_fl(void);
void xen_restore_fl(unsigned long f);
void xen_irq_disable(void);
void xen_irq_enable(void);
void xen_safe_halt(void);
void xen_halt(void);
void xen_iret_prepare(uint32_t saved_eflags);
uint64_t xen_sched_clock(void);
uint32_t xen_get_wallclock(void);
void xen_timer_init(unsigned hz);
uint64_t xen_tick_ns(void);

/* console.c: console input through CONSOLEIO_read */
void xen_console_poll(void);
int xen_console_getc(void);

#endif
