/* Shared helpers of the mm-* hostile guests (issue 4): each guest tries to break one rule of
 * PV memory management and checks the hypervisor refused it with Xen's error code, then
 * shows the hypervisor still answers. Built on the common test-guest runtime (common/guest.h):
 * Xen's public headers only, nothing from Moat.
 *
 * Start-of-day facts used (xen.h): the bootstrap region starts at VIRT_BASE 0xC0000000 with
 * pfn 0, so the initial page tables and the padding after the boot stack are at
 * 0xC0000000 + pfn * 4096; the page tables are mapped read-only; at least 512 KB of padding
 * follows the boot stack, mapped writable and unused - the scratch pages below come from it.
 * The read-only m2p table is at MACH2PHYS_VIRT_START (0xF5800000). */
#ifndef MM_LIB_H
#define MM_LIB_H
#include "common/guest.h"
#include <xen/memory.h>

#define hypercall4(nr, a1, a2, a3, a4) ({                                                \
    long r_; unsigned long b_ = (unsigned long)(a1), c_ = (unsigned long)(a2),           \
        d_ = (unsigned long)(a3), s_ = (unsigned long)(a4);                              \
    asm volatile(HCALL_ENTRY(nr) : "=a"(r_), "+b"(b_), "+c"(c_), "+d"(d_), "+S"(s_)      \
                 : : "memory", "edi");                                                   \
    r_; })

#define HYPERVISOR_mmu_update(req, n, done, dom)  hypercall4(1, req, n, done, dom)
#define HYPERVISOR_memory_op(cmd, arg)            hypercall2(12, cmd, arg)
#define HYPERVISOR_update_va_mapping(va, lo, hi, fl) hypercall4(14, va, lo, hi, fl)
#define HYPERVISOR_mmuext_op(op, n, done, dom)    hypercall4(26, op, n, done, dom)

#define PG_P   0x001ull
#define PG_RW  0x002ull
#define PG_US  0x004ull
#define PG_PCD 0x010ull
#define PG_A   0x020ull
#define PG_D   0x040ull
#define PG_PS  0x080ull

#define MM_VIRT_BASE 0xC0000000u

/* TAP-style checks; mm_finish() prints the summary and returns the shutdown reason
 * (poweroff only if every check passed). */
void mm_check(int ok, const char *what, long got);
#define MM_EXPECT(expr, want, what) do { long g_ = (long)(expr); mm_check(g_ == (long)(want), what, g_); } while (0)
unsigned int mm_finish(const char *name);
void mm_init(const char *name);

/* Translations. */
uint32_t mm_m2p(uint32_t mfn);                  /* reads the read-only m2p */
uint32_t mm_m2p_base(void);                     /* its address (XENMEM_machphys_mapping) */
/* Where the hypervisor's area starts (XENVER_platform_parameters): Moat always 0xF5800000,
 * current Xen for a small dom0 higher (0xFFC00000). Its first slot in the slot-3 L2: */
uint32_t mm_hv_start(void);
unsigned mm_hv_first_l2_slot(void);
uint32_t mm_p2m(uint32_t pfn);
uint32_t mm_va_mfn(uint32_t va);                /* bootstrap-region va -> mfn (through p2m) */
void *mm_mfn_va(uint32_t mfn);                  /* mfn of a bootstrap-region frame -> its va */
uint64_t mm_pte(uint32_t mfn, uint64_t flags);  /* (mfn << 12) | flags */

/* Page-table walk of the current (initial) address space; machine addresses of entries. */
uint32_t mm_l3_mfn(void);                       /* mfn of pt_base */
uint32_t mm_l2_mfn(uint32_t va);                /* the L2 covering va */
uint64_t mm_l2e_ma(uint32_t va);                /* machine address of the L2 entry for va */
uint64_t mm_l1e_ma(uint32_t va);                /* machine address of the L1 entry for va */
uint64_t mm_read_l2e(uint32_t va);

/* Scratch pages: page i (0..99) of the padding after the boot stack, mapped RW at start. */
uint32_t mm_scratch_va(unsigned i);
uint32_t mm_scratch_mfn(unsigned i);
void mm_zero_page(uint32_t va);

/* One-request wrappers; *done receives the success count. */
long mm_update1(uint64_t ptr, uint64_t val, uint32_t *done);
long mm_ext1(unsigned cmd, uint32_t arg1, uint32_t arg2);
/* Remaps scratch va with flags (RO: PG_P|PG_A, RW: PG_P|PG_RW|PG_A) via update_va_mapping. */
long mm_remap(uint32_t va, uint32_t mfn, uint64_t flags);
/* The hypervisor still answers (xen_version). */
void mm_check_alive(void);
#endif
