/* Moat's own page tables: the part of every address space above HYPERVISOR_VIRT_START.
 *
 * Invariants:
 *   - the master L2 entries MOAT_L2_FIRST_SLOT..511 never change after paging_init(); each
 *     points at a fixed page of moat_l1[], so a guest's copy of them stays valid forever;
 *   - only RO_MPT is reachable from ring 3 (US=1 at both levels), and it is read-only there
 *     and for ring 0/1 as well (CR0.WP); Moat writes the m2p through RDWR_MPT;
 *   - nothing Moat maps is both writable and executable: only its .text is mapped without NX. */
#include <stdint.h>
#include <lib/string.h>
#include <xen/xen.h>
#include "paging.h"
#include "memlayout.h"
#include "multiboot.h"
#include "console.h"

_Static_assert(HV_VIRT_START == __HYPERVISOR_VIRT_START, "layout disagrees with xen-x86_32.h");
_Static_assert(RO_MPT_START == __MACH2PHYS_VIRT_START && RO_MPT_END == __MACH2PHYS_VIRT_END,
               "RO_MPT must be the m2p window the guest ABI promises");
_Static_assert(MOAT_L2_FIRST_SLOT == 428 && MOAT_L2_SLOTS == 84, "slot arithmetic");

static uint64_t moat_l1[MOAT_L1_ENTRIES] __attribute__((aligned(4096)));
static uint64_t l2_master[512] __attribute__((aligned(4096)));
static uint64_t l3_idle[4] __attribute__((aligned(32)));

int cpu_has_nx, cpu_has_pge;
uint64_t pte_nx, pte_global;

extern char _image_start[], _text_end[], _rodata_end[], _image_end[];

uint64_t *moat_pte(uint32_t va)
{
    if (va < HV_VIRT_START)
        panic("moat_pte(%#x): below the hypervisor area", va);
    return &moat_l1[(va - HV_VIRT_START) >> 12];
}

void moat_map(uint32_t va, mfn_t mfn, uint64_t flags)
{
    *moat_pte(va) = ((uint64_t)mfn << 12) | flags | PTE_P | PTE_A | ((flags & PTE_RW) ? PTE_D : 0);
    invlpg((void *)va);
}

void moat_unmap(uint32_t va)
{
    *moat_pte(va) = 0;
    invlpg((void *)va);
}

void moat_l2_slot3_install(uint64_t *l2)
{
    for (unsigned i = MOAT_L2_FIRST_SLOT; i < 512; i++)
        l2[i] = l2_master[i];
}

const uint64_t *moat_l2_master(void) { return l2_master; }

uint32_t idle_cr3(void) { return dm_pa(l3_idle); }

static void cpu_features(void)
{
    uint32_t a, b, c, d;
    cpuid_count(0x80000000u, 0, &a, &b, &c, &d);
    if (a >= 0x80000001u) {
        cpuid_count(0x80000001u, 0, &a, &b, &c, &d);
        cpu_has_nx = (d >> 20) & 1;
    }
    cpuid_count(1, 0, &a, &b, &c, &d);
    cpu_has_pge = (d >> 13) & 1;
    /* The guest owns the FPU/SSE state (Moat itself is built without it): let it use SSE
     * as on Xen (OSFXSR, OSXMMEXCPT) with native x87 error reporting (NE, MP). Lazy FPU
     * switching between vcpus (CR0.TS) is issue 5. */
    if ((d >> 24) & 1)
        write_cr4(read_cr4() | X86_CR4_OSFXSR | (((d >> 25) & 1) ? X86_CR4_OSXMMEXCPT : 0));
    write_cr0((read_cr0() | X86_CR0_NE | X86_CR0_MP) & ~(X86_CR0_EM | X86_CR0_TS));
    if (cpu_has_nx) {
        wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
        pte_nx = PTE_NX;
    }
}

void paging_init(const struct boot_info *bi)
{
    cpu_features();

    /* direct map: every frame below min(top of RAM, 112 MB) (holes included: the BIOS area is
     * harmless to map and Moat reads the multiboot data from it) */
    uint64_t top = 0;
    for (uint32_t i = 0; i < bi->nr_ram; i++)
        if (bi->ram[i].end > top)
            top = bi->ram[i].end;
    if (top > DIRECTMAP_SIZE)
        top = DIRECTMAP_SIZE;
    uint32_t text_s = dm_pa(_image_start), text_e = dm_pa(_text_end);
    uint32_t ro_e = dm_pa(_rodata_end);
    for (uint32_t pa = 0; pa < top; pa += 4096) {
        uint64_t fl;
        if (pa >= text_s && pa < text_e)
            fl = 0;                         /* text: read-only, executable */
        else if (pa >= text_e && pa < ro_e)
            fl = pte_nx;                    /* rodata */
        else
            fl = PTE_RW | pte_nx;
        moat_l1[(DIRECTMAP_START - HV_VIRT_START + pa) >> 12] =
            (uint64_t)pa | fl | PTE_P | PTE_A | PTE_D;
    }

    for (unsigned s = MOAT_L2_FIRST_SLOT; s < 512; s++) {
        uint32_t va = 0xC0000000u + (s << 21);
        uint64_t l1pa = dm_pa(&moat_l1[(s - MOAT_L2_FIRST_SLOT) * 512]);
        uint64_t fl = PTE_P | PTE_A;
        if (va >= RO_MPT_START && va < RO_MPT_END)
            fl |= PTE_US;                   /* readable by the guest, RW=0 */
        else
            fl |= PTE_RW | PTE_D;
        l2_master[s] = l1pa | fl;
    }
    l3_idle[3] = dm_pa(l2_master) | PTE_P;
    write_cr3(idle_cr3());                  /* the identity map of the boot tables is gone */

    if (cpu_has_pge) {
        /* Moat's mappings are identical in every address space: mark the direct map global
         * so guest CR3 switches keep it in the TLB. The mapcache stays non-global. */
        for (uint32_t pa = 0; pa < top; pa += 4096)
            moat_l1[(DIRECTMAP_START - HV_VIRT_START + pa) >> 12] |= PTE_G;
        write_cr4(read_cr4() | X86_CR4_PGE);
        pte_global = PTE_G;
    }
    write_cr0(read_cr0() | X86_CR0_WP);
    log_info("paging: PAE, NX %s, PGE %s, direct map 0-%u MB, image %#x-%#x\n",
             cpu_has_nx ? "on" : "unavailable", cpu_has_pge ? "on" : "unavailable",
             (uint32_t)(top >> 20), (uint32_t)_image_start, (uint32_t)_image_end);
}
