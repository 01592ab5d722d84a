/* The IDT: every vector goes to its stub in entry.S (trap_stubs + 16 * vector).
 *
 * All gates are interrupt gates (Moat always runs with IF clear). DPL: 0 for everything a
 * guest must not raise with `int n` (it gets #GP instead), 1 for the hypercall gate int $0x82
 * (as Xen x86_32: the guest kernel may, its user programs may not), 3 for int3 and into so
 * breakpoints and overflow checks work in both guest rings as on Xen. */
#include <stdint.h>
#include "cpu.h"
#include "desc.h"
#include "selectors.h"
#include "x86.h"

extern char trap_stubs[];
static uint64_t idt[256] __attribute__((aligned(8)));

void idt_init(void)
{
    for (unsigned v = 0; v < 256; v++) {
        unsigned dpl = 0;
        if (v == MOAT_HYPERCALL_VECTOR)
            dpl = 1;
        else if (v == 3 || v == 4)
            dpl = 3;
        idt[v] = desc_gate((uint32_t)trap_stubs + 16 * v, MOAT_CS, DESC_P | DESC_DPL(dpl) | DESC_INTGATE);
    }
    idt_load();
}

void idt_load(void)
{
    struct desc_ptr p = { .limit = sizeof(idt) - 1, .base = (uint32_t)idt };
    lidt(&p);
}
