/* Native local APIC, just enough for a self-IPI: a real interrupt the kernel can raise on
 * purpose (the native counterpart of an IPI event channel in the interrupt tests).
 *
 * The APIC's registers are memory-mapped at its physical base (MSR 0x1b, normally
 * 0xFEE00000), which is above low memory: it gets one uncached page at the top of the fixmap
 * area. Enabling it (SVR bit 8) keeps the BIOS's LINT0 virtual-wire set-up, so PIC interrupts
 * (the PIT tick) still arrive. Invariant: lapic_close() puts SVR back as it was found. */
#include <stdint.h>
#include "kmem.h"
#include "lapic.h"
#include "mm.h"
#include "pv/pvops.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_EOI 0xb0
#define APIC_SVR 0xf0
#define APIC_ICR_LO 0x300
#define ICR_SELF (1u << 18)     /* destination shorthand 01: self */
#define ICR_PENDING (1u << 12)  /* delivery status: send pending */
#define APIC_VA (FIXMAP_END - PAGE_SIZE)
#define _PAGE_PCD 0x010ull

static volatile uint32_t *regs;
static uint32_t saved_svr;

static uint32_t rd(unsigned off) { return regs[off / 4]; }
static void wr(unsigned off, uint32_t v) { regs[off / 4] = v; }

int lapic_open(void)
{
    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    if (!(d & (1u << 9)))
        return -1; /* no APIC */
    uint64_t base = read_msr(MSR_APIC_BASE);
    if (!(base & APIC_BASE_ENABLE))
        return -1;
    uint32_t pfn = (uint32_t)((base & 0xfffff000u) >> PAGE_SHIFT);
    if (paging_map(kernel_pgd, APIC_VA, pfn, _PAGE_RW | _PAGE_PCD | _PAGE_NX) != 0)
        return -1;
    flush_tlb_single(APIC_VA);
    regs = (volatile uint32_t *)APIC_VA;
    saved_svr = rd(APIC_SVR);
    wr(APIC_SVR, (saved_svr & ~0xffu) | 0x100u | 0xffu); /* software enable, spurious 0xff */
    return 0;
}

void lapic_self_ipi(unsigned vector)
{
    wr(APIC_ICR_LO, ICR_SELF | (vector & 0xffu));
    for (int i = 0; i < 100000 && (rd(APIC_ICR_LO) & ICR_PENDING); i++)
        ;
}

void lapic_eoi(void) { wr(APIC_EOI, 0); }

void lapic_close(void)
{
    if (!regs)
        return;
    wr(APIC_SVR, saved_svr);
    regs = 0;
    paging_unmap(kernel_pgd, APIC_VA);
}
