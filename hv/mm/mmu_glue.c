/* The machine side of the mm hypercalls: the hypercall-table entry points, the struct mm_ctx
 * they hand to the pure handlers (mmu_update.c, mmuext_op.c, mmu_va.c, mmu_memop.c), and the
 * hooks of mmu.h implemented on real hardware. Not built for the host tests (which fake the
 * hooks), so everything here may touch the CPU.
 *
 * Invariants:
 *  G1  Guest memory is only touched through copy_from_guest/copy_to_guest (uaccess.h).
 *  G2  A handler's -MM_ERESTART never reaches the guest: from the trap path it becomes a
 *      hypercall continuation (the guest re-executes the same int $0x82 with the remaining
 *      work), inside a multicall entry a captured continuation (multicall.c re-arms the
 *      entry); anywhere else (no trap frame at all) the remaining pieces run here, one after
 *      another, so the semantics stay those of one call.
 *  G3  TLB flushes for other vcpus: the local TLB is flushed (global entries included: the
 *      other vcpus of this CPU), and every other CPU that is the home of a vcpu in the mask
 *      gets a flush IPI and is waited for - whether that vcpu is running there or not. A
 *      vcpu that is blocked, runnable or down keeps its GLOBAL translations in its CPU's TLB
 *      (vcpu_run's CR3 write does not drop them), so "it is not running, it has no TLB" is
 *      false on real hardware (QEMU TCG flushes everything on a CR3 write and cannot show
 *      it). Each vcpu lives on one CPU (vcpu_up.c placement), so its home is the only CPU
 *      that can hold its translations.
 *  G4  One CPU at a time in the page-type code (pagetype.c is not re-entrant): every entry
 *      point below holds mm_lock while it runs the pure handler.
 */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include "domain.h"
#include "cpu.h"
#include "hypercall.h"
#include "uaccess.h"
#include "pmem.h"
#include "x86.h"
#include "console.h"
#include "frame.h"
#include "mmu.h"
#include "smp.h"
#include "tlb.h"
#include <xen/vcpu.h>

static volatile uint32_t mm_lock_word;

static void mm_lock(void)
{
    while (__sync_lock_test_and_set(&mm_lock_word, 1))
        while (mm_lock_word)
            asm volatile("pause");
}

static void mm_unlock(void)
{
    __sync_lock_release(&mm_lock_word);
}

static void ctx_init(struct mm_ctx *c)
{
    struct vcpu *v = current_vcpu();
    struct domain *d = v->domain;
    uint32_t i;

    c->dom = d->domid;
    c->vcpu_id = (uint16_t)v->vcpu_id;
    c->nr_vcpus = (uint16_t)(d->nr_vcpus < MM_MAX_VCPUS ? d->nr_vcpus : MM_MAX_VCPUS);
    c->privileged = d->is_initial ? 1 : 0;
    c->v = &v->mm;
    /* Only the first nr_vcpus slots are ever read (l3_changed in mmu_entry.c stops there), so
     * only those are filled: filling all MM_MAX_VCPUS cost ~240 instructions per mm hypercall. */
    for (i = 0; i < c->nr_vcpus; i++)
        c->vcpu_base[i] = (i < MOAT_MAX_VCPUS && d->vcpu[i]) ? d->vcpu[i]->mm.base : MM_NO_BASE;
    c->nr_pages = d->nr_pages;
    c->max_pages = d->max_pages;
}

typedef long (*batch_fn)(struct mm_ctx *, uint32_t, uint32_t, uint32_t, uint32_t, struct mm_cont *);

/* G2 */
static long run_batch(uint32_t nr, batch_fn fn, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3)
{
    struct mm_ctx c;
    struct mm_cont k;
    long rc;

    mm_lock();
    ctx_init(&c);
    rc = fn(&c, a0, a1, a2, a3, &k);
    mm_unlock();
    if (rc != -MM_ERESTART)
        return rc;
    if (this_cpu()->hc_regs && !this_cpu()->hc_continued) {
        /* These hypercalls take four arguments: edi and ebp are the guest's own registers
         * (ebp is typically its frame pointer) and must come back unchanged. */
        const struct cpu_user_regs *r = this_cpu()->hc_regs;
        uint32_t args[6] = { k.arg[0], k.arg[1], k.arg[2], k.arg[3], r->edi, r->ebp };
        return hypercall_continue(nr, args);
    }
    if (hypercall_capturing()) {
        /* inside a multicall entry: multicall.c writes the continuation back into the entry */
        uint32_t args[6] = { k.arg[0], k.arg[1], k.arg[2], k.arg[3], 0, 0 };
        return hypercall_continue(nr, args);
    }
    mm_lock();
    do {
        rc = fn(&c, k.arg[0], k.arg[1], k.arg[2], k.arg[3], &k);
    } while (rc == -MM_ERESTART);
    mm_unlock();
    return rc;
}

long do_mmu_update(uint32_t ureqs, uint32_t count, uint32_t pdone, uint32_t foreigndom)
{
    return run_batch(__HYPERVISOR_mmu_update, mmu_update, ureqs, count, pdone, foreigndom);
}

long do_mmuext_op(uint32_t uops, uint32_t count, uint32_t pdone, uint32_t foreigndom)
{
    return run_batch(__HYPERVISOR_mmuext_op, mmuext_op, uops, count, pdone, foreigndom);
}

long do_update_va_mapping(uint32_t va, uint32_t lo, uint32_t hi, uint32_t flags)
{
    struct mm_ctx c;
    long rc;

    mm_lock();
    ctx_init(&c);
    rc = update_va_mapping(&c, va, lo, hi, flags);
    mm_unlock();
    return rc;
}

long do_memory_op(uint32_t cmd, uint32_t arg)
{
    struct mm_ctx c;

    ctx_init(&c);
    return mm_memory_op(&c, cmd, arg);
}

/* ---- hooks (mmu.h) ------------------------------------------------------------------------ */
int mm_copy_from_guest(void *dst, uint32_t gva, uint32_t len)
{
    return copy_from_guest(dst, gva, len) ? -XEN_EFAULT : 0;
}

int mm_copy_to_guest(uint32_t gva, const void *src, uint32_t len)
{
    return copy_to_guest(gva, src, len) ? -XEN_EFAULT : 0;
}

void mm_flush_tlb_local(void)
{
    flush_tlb_all();
}

void mm_invlpg_local(uint32_t va)
{
    invlpg((const void *)va);
}

void mm_flush_tlb_vcpus(struct mm_ctx *c, uint32_t vcpu_mask)
{
    flush_tlb_all();        /* G3 */
    /* SMP: the home CPU of every such vcpu with a base flushes too (IPI, waited for). */
    if (!smp_active())
        return;
    struct tlb_vcpu_home homes[MOAT_MAX_VCPUS];
    struct domain *d = current_domain();
    unsigned nr = d->nr_vcpus < MOAT_MAX_VCPUS ? d->nr_vcpus : MOAT_MAX_VCPUS;
    for (unsigned i = 0; i < nr; i++) {
        struct vcpu *v = d->vcpu[i];
        homes[i].has_base = v && v->mm.base != MM_NO_BASE;
        homes[i].cpu = v ? v->sched.processor : 0;
    }
    (void)c;
    smp_flush_tlb_mask(tlb_cpus_of_vcpus(homes, nr, vcpu_mask, smp_online_mask, this_cpu()->id));
}

void mm_load_base(struct mm_ctx *c)
{
    /* Reloading CR3 also reloads the four PDPTEs the CPU caches in PAE mode (E5). */
    write_cr3(c->v->base << 12);
}

void mm_wbinvd(void)
{
    asm volatile("wbinvd" ::: "memory");
}

/* The machine map as the frame table knows it: runs of RAM frames (type 1) and of frames that
 * are not RAM (type 2, reserved), up to the last frame Moat tracks. */
uint32_t mm_machine_memory_map(struct mm_e820 *buf, uint32_t max)
{
    uint32_t n = 0, type = 0;
    mfn_t m, start = 0;

    for (m = 0; m <= frame_table_size; m++) {
        uint32_t t = m == frame_table_size ? 0
                     : (frame_table[m].owner == FRAME_OWNER_IO ? 2 : 1);
        if (t == type)
            continue;
        if (type) {
            if (n < max) {
                buf[n].addr = (uint64_t)start << 12;
                buf[n].size = (uint64_t)(m - start) << 12;
                buf[n].type = type;
            }
            n++;
        }
        type = t;
        start = m;
    }
    return n;
}

extern uint32_t pagetype_bugs;

void mm_stats_print(void)
{
    uint32_t t = mm_stats.mmu_update_traps, e = mm_stats.mmu_update_entries;

    log_info("mm: mmu_update %u traps, %u entries (%u.%u per trap); mmuext_op %u traps, %u ops; "
             "update_va_mapping %u; page-type bugs %u\n", t, e, t ? e / t : 0,
             t ? (e * 10 / t) % 10 : 0, mm_stats.mmuext_traps, mm_stats.mmuext_ops,
             mm_stats.update_va_traps, pagetype_bugs);
}
