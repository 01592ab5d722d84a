/* Domains and virtual CPUs.
 *
 * A domain owns frames (frame_table[mfn].owner == domid), a pseudo-physical space of nr_pages
 * frames described by its p2m list, a shared_info frame and up to MOAT_MAX_VCPUS vcpus. A vcpu
 * is what a physical CPU runs: its saved registers (while not running), its page-table base,
 * its ring-1 stack for transitions from ring 3 (stack_switch) and its slice of the GDT area.
 * The fields marked (issue 4/5) are placeholders the next parts fill in; they are here so those
 * parts add behaviour, not structure. */
#ifndef MOAT_DOMAIN_H
#define MOAT_DOMAIN_H
#include <stdint.h>
#include <xen/xen.h>
#include <xen/vcpu.h>
#include "frame.h"
#include "cpu.h"
#include "mmu.h"
#include <moat/moat_op.h>
#include "pv_state.h"
#include "event.h"
#include "moat_time.h"
#include "moat_sched.h"

#define MOAT_MAX_DOMAINS 4
#define MOAT_MAX_VCPUS   8
#define NR_HYPERCALLS    64   /* as Xen's table; every number >= this is -ENOSYS */

struct domain;

struct vcpu {
    struct domain *domain;
    uint32_t vcpu_id;
    uint32_t gdt_slot;                 /* index into GDT_AREA (global over all vcpus) */
    int online;
    struct cpu_user_regs regs;         /* saved registers while not running */
    struct mm_vcpu mm;                 /* page-table base etc. (issue 4, mmu.h); mm.base is the
                                          L3 in CR3 and holds one FT_L3 use */
    uint32_t kernel_ss, kernel_sp;     /* ring-1 stack for ring-3 entries (stack_switch) */
    struct vcpu_info *vcpu_info;       /* in shared_info for vcpus < XEN_LEGACY_MAX_VCPUS */
    struct vcpu_pv pv;                 /* issue 5: trap table, callbacks, GDT/LDT, FPU, I/O
                                          (pv_state.h) */
    struct vcpu_evtchn evt;            /* issue 6: VIRQ bindings, SCHEDOP_poll port (event.h) */
    struct vcpu_timers timers;         /* issue 6: singleshot/periodic/poll timers (moat_time.h) */
    struct vcpu_sched sched;           /* issue 6: runstate, run queue link (moat_sched.h) */
    struct moat_counters stats;        /* issue 7: this vcpu's counters (stats.h) */
    /* issue 10 (vcpu_up.c): VCPUOP_initialise done (vcpu 0: by the builder); the runstate
     * accounting sched.c keeps for VCPUOP_get_runstate_info; the guest frame holding
     * vcpu_info after VCPUOP_register_vcpu_info (INVALID_MFN: still in shared_info) */
    int initialised;
    struct vcpu_runstate_info runstate;
    uint32_t vcpu_info_mfn;
};

enum domain_state { DOM_RUNNING, DOM_SHUTDOWN };

struct domain {
    uint16_t domid;
    int is_initial;                    /* SIF_INITDOMAIN | SIF_PRIVILEGED */
    enum domain_state state;
    uint8_t shutdown_reason;           /* SHUTDOWN_* once state == DOM_SHUTDOWN */
    uint8_t shutdown_code;             /* SCHEDOP_shutdown_code, reported on crash-free exits */
    int has_shutdown_code;
    uint32_t nr_vcpus;
    struct vcpu *vcpu[MOAT_MAX_VCPUS];
    uint32_t nr_pages, max_pages;
    uint32_t *p2m_dir[1024];           /* Moat's copy of pfn -> mfn: 1024 entries per page */
    mfn_t shared_info_mfn;
    struct shared_info *shared_info;   /* Moat's (direct-map) address of that frame */
    unsigned long vm_assist;           /* VMASST_TYPE_* bitmap */
    struct domain_evtchn evtchn;       /* issue 6: the event-channel port table (event.h) */
    /* statistics (DESIGN.md "Measuring"; stats.h): hypercalls executed by number; the other
     * counters are per vcpu (vcpu->stats) and summed when read */
    uint64_t hypercall_count[NR_HYPERCALLS];
};

extern struct domain *domains[MOAT_MAX_DOMAINS];

static inline uint32_t domain_p2m(const struct domain *d, uint32_t pfn)
{
    return pfn < d->nr_pages ? d->p2m_dir[pfn >> 10][pfn & 1023] : 0xFFFFFFFFu;
}

static inline struct vcpu *current_vcpu(void) { return this_cpu()->current; }
static inline struct domain *current_domain(void) { return this_cpu()->current->domain; }

struct domain *domain_create(uint16_t domid, uint32_t nr_vcpus, int is_initial);
/* Records the shutdown; if no domain is left running, prints the reason and leaves QEMU
 * (PASS for poweroff, FAIL otherwise). Returns only while other domains still run. */
void domain_shutdown(struct domain *d, uint8_t reason);
/* Moat kills a domain that broke a rule or faulted without a handler: prints
 * "moat: domain N crashed: <why>" and shuts it down with SHUTDOWN_crash. */
void domain_crash(struct domain *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Switches this CPU to v (CR3, GDT, TSS ring-1 stack) and leaves Moat into it. */
void vcpu_run(struct vcpu *v) __attribute__((noreturn));
/* The same with a register dump (and the guest code bytes at eip) after the reason line. */
void domain_crash_regs(struct domain *d, const struct cpu_user_regs *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void dump_regs(const struct cpu_user_regs *r);
void guest_code_dump(const struct cpu_user_regs *r);
#endif
