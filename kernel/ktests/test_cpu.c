/* Descriptor tables and page protection as the CPU enforces them. */
#include "ktest.h"
#include "desc.h"
#include "kmem.h"
#include "mm.h"
#include "trap.h"
#include "pv/pvops.h"

static volatile uint32_t tls_word = 0x7157abcd;

KERNEL_TEST(tls_segment_reads_through_gs)
{
    KT_ASSERT(gdt_installed);
    uint64_t tls[GDT_TLS_ENTRIES] = {
        make_seg_desc((uint32_t)(uintptr_t)&tls_word, 1, 0x2, 3), 0, 0,
    };
    load_tls(gdt_table, GDT_ENTRY_TLS_MIN, tls);
    uint16_t sel = GDT_ENTRY_TLS_MIN * 8 + 3, zero = 0;
    uint32_t seen;
    asm volatile("movw %1, %%gs\n\tmovl %%gs:0, %0\n\tmovw %2, %%gs" : "=r"(seen) : "r"(sel), "r"(zero));
    uint64_t none[GDT_TLS_ENTRIES] = { 0, 0, 0 };
    load_tls(gdt_table, GDT_ENTRY_TLS_MIN, none);
    KT_ASSERT_EQ(seen, 0x7157abcd);
}

static volatile uint32_t nx_faults, nx_error;

/* The test jumps into a data page with the resume address in eax; resume there. */
static int nx_fault(struct trap_frame *f)
{
    nx_faults++;
    nx_error = f->error;
    f->eip = f->eax;
    return 1;
}

KERNEL_TEST(nx_blocks_data_execution)
{
    KT_ASSERT(traps_installed);
    KT_ASSERT(nx_enabled);
    uint32_t pfn;
    KT_ASSERT_EQ(alloc_zeroed_page(&pfn), 0);
    unsigned char *code = pfn_to_virt(pfn);
    code[0] = 0xff; /* jmp *%eax: if the page runs, it goes straight back and nx_faults stays 0 */
    code[1] = 0xe0;
    nx_faults = 0;
    trap_handler_fn old = trap_set_handler(14, nx_fault);
    asm volatile("movl $1f, %%eax\n\tjmp *%0\n1:" : : "r"(code) : "eax", "memory");
    trap_set_handler(14, old);
    free_page(pfn);
    KT_ASSERT_EQ(nx_faults, 1);
    KT_ASSERT(nx_error & 0x10); /* instruction fetch */
}

static volatile uint32_t ldt_word = 0x1d7c0de5;

/* An LDT with one user data segment, loaded through the load_ldt pv-op (lldt natively,
 * mmuext SET_LDT on PV, where its page must be read-only first: remapped here, and back). */
KERNEL_TEST(ldt_segment_reads_through_gs)
{
    KT_ASSERT(gdt_installed);
    uint32_t pfn;
    KT_ASSERT_EQ(alloc_zeroed_page(&pfn), 0);
    uint64_t *ldt = pfn_to_virt(pfn);
    uint32_t va = (uint32_t)(uintptr_t)ldt;
    /* Type 3 = data, writable, ACCESSED already set: the CPU would otherwise write the bit
     * into the (read-only) LDT page on the segment load. */
    ldt[0] = make_seg_desc((uint32_t)(uintptr_t)&ldt_word, 1, 0x3, 3);
    uint64_t nx = nx_enabled ? _PAGE_NX : 0;
    int ok = KT_CHECK(paging_map(kernel_pgd, va, pfn, _PAGE_ACCESSED | nx) == 0); /* read-only */
    flush_tlb_single(va);
    uint32_t seen = 0;
    if (ok) {
        load_ldt(va, 1);
        uint16_t sel = 0x0007, zero = 0; /* index 0, TI = LDT, RPL 3 */
        asm volatile("movw %1, %%gs\n\tmovl %%gs:0, %0\n\tmovw %2, %%gs" : "=r"(seen) : "r"(sel), "r"(zero));
        load_ldt(0, 0);
    }
    paging_map(kernel_pgd, va, pfn, _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | nx);
    flush_tlb_single(va);
    ldt[0] = 0; /* writable again */
    free_page(pfn);
    KT_ASSERT(ok);
    KT_ASSERT_EQ(seen, 0x1d7c0de5);
}
