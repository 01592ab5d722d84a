/* The vcpu life cycle (issue 10): VCPUOP_initialise, up, down, get_runstate_info and
 * register_vcpu_info, with Xen 4.17's answers for a 32-bit PV guest. do_vcpu_op (vcpu_op.c)
 * has already turned a vcpuid the domain does not have into -ENOENT.
 *
 *   initialise   -EEXIST once initialised (vcpu 0 is, by the builder); -EFAULT for an
 *                unreadable context; -EINVAL for any field refused below - and then NOTHING
 *                of the context has been applied (every reference taken is given back).
 *   up           -EINVAL if not initialised; 0 (nothing to do) if already up.
 *   down         0; taking the last vcpu that is up down shuts the domain down (poweroff),
 *                as Xen. The calling vcpu stops on the way out of this hypercall and, when
 *                brought up again, resumes right after it (its state is kept, as on Xen).
 *   get_runstate_info  the vcpu's runstate and the ns it spent in each (sched.c accounts).
 *   register_vcpu_info -ENXIO: an offset that makes the 64-byte vcpu_info leave the page;
 *                -EINVAL: already registered once, a vcpu other than the caller that is up, an mfn
 *                the domain does not own or that cannot be typed writable. The current
 *                contents move to the new place; all events are marked pending there.
 *
 * What initialise checks (Xen's arch_set_info_guest for a compat PV guest, and Moat's own
 * rules where Moat is stricter, marked M):
 *   - selectors: RPL 0 becomes 1 (cs, ss, kernel_ss, callback and trap selectors), as Xen;
 *     data selectors that do not load are caught on the first exit (failsafe callback);
 *   - eflags: IOPL is virtual (removed), IF forced on, and M: only the arithmetic, TF, DF,
 *     AC and ID flags are kept - never VM or NT, which would change what iret does;
 *   - ldt_base page aligned, ldt_ents <= 8192, M: the LDT below Moat's area;
 *   - gdt_ents <= 14 * 512 and every gdt frame typed as a descriptor page of the domain;
 *   - ctrlreg[3] (xen_pfn_to_cr3 encoding) an L3 of the domain that validates as one;
 *   - M: trap handlers (as set_trap_table) below HYPERVISOR_VIRT_START;
 *   - M: debug registers all zero (Moat gives guests no hardware breakpoints);
 *   - the FXSAVE image (VGCF_I387_VALID): MXCSR reserved bits are cleared, as Xen does,
 *     so the first fxrstor in Moat cannot fault. */
#include <stdint.h>
#include <lib/string.h>
#include <xen/xen.h>
#include <xen/vcpu.h>
#include <xen/sched.h>
#include "domain.h"
#include "moat_sched.h"
#include "moat_time.h"
#include "uaccess.h"
#include "moat_errno.h"
#include "pagetype.h"
#include "pmem.h"
#include "paging.h"
#include "memlayout.h"
#include "console.h"
#include "smp.h"

void gdt_map_guest_frame(struct vcpu *v, unsigned page, mfn_t mfn);   /* gdt.c */
void idt_set_int80(struct vcpu *v);                                    /* idt.c */

#define EFLAGS_GUEST_KEEP 0x00250FD5u   /* CF PF AF ZF SF TF DF OF AC ID (+ bit 1, IF below) */
#define MXCSR_VALID       0x0000FFBFu

static uint16_t fixup_rpl(uint32_t sel) { return (sel & 3) == 0 ? (uint16_t)(sel | 1) : (uint16_t)sel; }

/* vcpu_info pages registered by guests: one global Moat mapping per vcpu, after the mapcache
 * slots and the local APIC page (smp.h), so it works for frames beyond the direct map. */
static uint32_t vcpu_info_va(const struct vcpu *v)
{
    return LAPIC_VA + 4096 * (1 + v->gdt_slot);
}
_Static_assert(MOAT_MAX_CPUS * 16 * 4096 + 4096 * (1 + 4 * 8) <= MAPCACHE_END - MAPCACHE_START - 4096,
               "vcpu_info mappings must fit below the selftest page");

static struct vcpu_guest_context ctxt;     /* 5 KB: not on the 16 KB stack; hv lock held */

static int apply_gdt(struct vcpu *v, const struct vcpu_guest_context *c, uint32_t frames[PV_GDT_FRAMES])
{
    uint16_t dom = v->domain->domid;
    unsigned nr = (c->gdt_ents + 511) / 512;
    for (unsigned i = 0; i < nr; i++) {
        frames[i] = (uint32_t)c->gdt_frames[i];
        if (!mfn_valid(frames[i]) || page_get_type(frames[i], FT_SEG_DESC, dom)) {
            while (i-- > 0)
                page_put_type(frames[i]);
            return -EINVAL;
        }
    }
    return 0;
}

static long vcpu_initialise(struct vcpu *v, uint32_t arg)
{
    struct domain *d = v->domain;
    struct vcpu_guest_context *c = &ctxt;
    if (!v->vcpu_info)
        return -EINVAL;
    if (copy_from_guest(c, arg, sizeof(*c)))
        return -EFAULT;
    if (v->initialised || v->mm.base != MM_NO_BASE)
        return -EEXIST;                 /* vcpu 0: the builder gave it its context */

    /* ---- check everything that can be checked without taking references ---- */
    if ((c->ldt_base & 0xFFF) || c->ldt_ents > 8192 ||
        (c->ldt_ents && !guest_range_ok(c->ldt_base, c->ldt_ents * 8)))
        return -EINVAL;
    if (c->gdt_ents > PV_GDT_MAX_ENTS)
        return -EINVAL;
    for (unsigned i = 0; i < 256; i++)
        if (c->trap_ctxt[i].address >= HYPERVISOR_VIRT_START)
            return -EINVAL;
    for (unsigned i = 0; i < 8; i++)
        if (c->debugreg[i])
            return -EINVAL;
    mfn_t l3 = xen_cr3_to_pfn(c->ctrlreg[3]);
    if (!mfn_valid(l3))
        return -EINVAL;

    /* ---- take the references: the L3 (validated as one), then the GDT frames ---- */
    if (page_get_type(l3, FT_L3, d->domid))
        return -EINVAL;
    uint32_t frames[PV_GDT_FRAMES];
    if (apply_gdt(v, c, frames)) {
        page_put_type(l3);
        return -EINVAL;
    }

    /* ---- nothing can fail from here: apply ---- */
    unsigned nr = (c->gdt_ents + 511) / 512;
    for (unsigned i = 0; i < PV_GDT_FRAMES; i++) {
        v->pv.gdt_mfn[i] = i < nr ? frames[i] : INVALID_MFN;
        gdt_map_guest_frame(v, i, v->pv.gdt_mfn[i]);
    }
    v->pv.gdt_ents = (uint32_t)c->gdt_ents;
    v->mm.base = l3;
    v->mm.ldt_base = c->ldt_ents ? (uint32_t)c->ldt_base : 0;
    v->mm.ldt_ents = (uint32_t)c->ldt_ents;

    v->regs = c->user_regs;
    v->regs.cs = fixup_rpl(v->regs.cs);
    v->regs.ss = fixup_rpl(v->regs.ss);
    v->pv.iopl = v->regs.eflags & X86_EFLAGS_IOPL;
    v->regs.eflags = (v->regs.eflags & EFLAGS_GUEST_KEEP) | 0x2 | X86_EFLAGS_IF;
    v->regs.entry_vector = 0;
    v->regs.error_code = 0;

    for (unsigned i = 0; i < 256; i++) {
        v->pv.trap_ctxt[i] = c->trap_ctxt[i];
        v->pv.trap_ctxt[i].cs = fixup_rpl(c->trap_ctxt[i].cs);
    }
    v->kernel_ss = fixup_rpl((uint32_t)c->kernel_ss);
    v->kernel_sp = (uint32_t)c->kernel_sp;
    v->pv.event_cb = (struct pv_callback){ fixup_rpl((uint32_t)c->event_callback_cs),
                                           (uint32_t)c->event_callback_eip };
    v->pv.failsafe_cb = (struct pv_callback){ fixup_rpl((uint32_t)c->failsafe_callback_cs),
                                              (uint32_t)c->failsafe_callback_eip };
    v->pv.cb_flags = 0;
    if (c->flags & VGCF_failsafe_disables_events)
        v->pv.cb_flags |= PV_CB_FAILSAFE_MASK;
    if (c->flags & VGCF_syscall_disables_events)
        v->pv.cb_flags |= PV_CB_SYSCALL_MASK;
    v->pv.cr0_ts = 0;
    v->pv.fpu_loaded = 0;
    v->pv.fpu_initialised = (c->flags & VGCF_I387_VALID) != 0;
    if (v->pv.fpu_initialised) {
        memcpy(v->pv.fxsave, c->fpu_ctxt.x, sizeof(v->pv.fxsave));
        uint32_t mxcsr;
        memcpy(&mxcsr, v->pv.fxsave + 24, 4);
        mxcsr &= MXCSR_VALID;
        memcpy(v->pv.fxsave + 24, &mxcsr, 4);
    }

    /* Placement: vcpu n on physical CPU n mod N, for its whole life (no migration, so its
     * lazily-switched FPU state and its timers stay on one CPU). */
    v->sched.processor = (uint8_t)(v->vcpu_id % (smp_active() ? smp_nr_cpus : 1));
    /* A timer sits on the queue of t->cpu: it must be off every queue before its CPU changes
     * (none can be armed for a vcpu that never ran, but never rely on that silently). */
    stop_timer(&v->timers.singleshot);
    stop_timer(&v->timers.periodic);
    stop_timer(&v->timers.poll);
    v->timers.singleshot.cpu = v->timers.periodic.cpu = v->timers.poll.cpu = v->sched.processor;
    v->initialised = 1;
    return 0;
}

static long vcpu_up(struct vcpu *v)
{
    if (!v->initialised)
        return -EINVAL;
    if (v->online)
        return 0;
    sched_vcpu_up(v);
    return 0;
}

static long vcpu_down(struct vcpu *v)
{
    struct domain *d = v->domain;
    int others_up = 0;
    for (uint32_t i = 0; i < d->nr_vcpus; i++)
        if (d->vcpu[i] != v && d->vcpu[i]->online)
            others_up = 1;
    if (!others_up) {
        domain_shutdown(d, SHUTDOWN_poweroff);
        return 0;
    }
    if (v->online)
        sched_vcpu_down(v);
    return 0;
}

static long vcpu_runstate(struct vcpu *v, uint32_t arg)
{
    struct vcpu_runstate_info r = v->runstate;
    uint64_t now = (uint64_t)NOW();
    /* charge the current state up to now, as Xen's vcpu_runstate_get */
    if (r.state >= 0 && r.state < 4 && now > r.state_entry_time && r.state_entry_time)
        r.time[r.state] += now - r.state_entry_time;
    return copy_to_guest(arg, &r, sizeof(r)) ? -EFAULT : 0;
}

static long vcpu_register_info(struct vcpu *v, uint32_t arg)
{
    struct vcpu_register_vcpu_info info;
    struct domain *d = v->domain;
    if (copy_from_guest(&info, arg, sizeof(info)))
        return -EFAULT;
    if (info.offset > 4096 - sizeof(struct vcpu_info))
        return -ENXIO;                  /* Xen 4.17's answer (checked on Xen) */
    if (v->vcpu_info_mfn != 0 && v->vcpu_info_mfn != INVALID_MFN)
        return -EINVAL;                 /* once only, as Xen */
    if (v != current_vcpu() && v->online)
        return -EINVAL;
    if (info.mfn >= frame_table_size || page_get_type((mfn_t)info.mfn, FT_WRITABLE, d->domid))
        return -EINVAL;
    /* The reference taken above keeps the frame writable-typed (never a page table) for the
     * domain's life: Moat writes it behind the guest's back. */
    uint32_t va = vcpu_info_va(v);
    moat_map(va, (mfn_t)info.mfn, PTE_RW | pte_nx);
    struct vcpu_info *ni = (struct vcpu_info *)(va + info.offset);
    if (v->vcpu_info)
        memcpy(ni, v->vcpu_info, sizeof(*ni));
    else {
        memset(ni, 0, sizeof(*ni));
        ni->evtchn_upcall_mask = 1;
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    v->vcpu_info = ni;
    v->vcpu_info_mfn = (uint32_t)info.mfn;
    /* nothing may be lost in the move: every selector bit and the upcall flag set */
    ni->evtchn_upcall_pending = 1;
    ni->evtchn_pending_sel = ~0ul;
    time_publish_vcpu(v);
    vcpu_kick(v);
    return 0;
}

long vcpu_op_lifecycle(uint32_t cmd, struct vcpu *v, uint32_t arg)
{
    switch (cmd) {
    case VCPUOP_initialise: return vcpu_initialise(v, arg);
    case VCPUOP_up: return vcpu_up(v);
    case VCPUOP_down: return vcpu_down(v);
    case VCPUOP_get_runstate_info: return vcpu_runstate(v, arg);
    case VCPUOP_register_vcpu_info: return vcpu_register_info(v, arg);
    default: return -ENOSYS;
    }
}
