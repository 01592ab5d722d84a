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
#include "domain.h"

extern char trap_stubs[];
/* One IDT per physical CPU: entry 0x80 is the running vcpu's direct system-call gate
 * (idt_set_int80), everything else is identical on every CPU. */
static uint64_t idt[MOAT_MAX_CPUS][256] __attribute__((aligned(8)));

static uint64_t moat_gate(unsigned v)
{
    unsigned dpl = 0;
    if (v == MOAT_HYPERCALL_VECTOR)
        dpl = 1;
    else if (v == 3 || v == 4)
        dpl = 3;
    return desc_gate((uint32_t)trap_stubs + 16 * v, MOAT_CS, DESC_P | DESC_DPL(dpl) | DESC_INTGATE);
}

void emulate_init(void);   /* hv/core/emulate.c: CPUID faulting, part of trapping the guest */

void idt_init(void)
{
    for (unsigned c = 0; c < MOAT_MAX_CPUS; c++)
        for (unsigned v = 0; v < 256; v++)
            idt[c][v] = moat_gate(v);
    idt_load();
    emulate_init();
}

void idt_load(void)
{
    struct desc_ptr p = { .limit = sizeof(idt[0]) - 1, .base = (uint32_t)idt[this_cpu()->id] };
    lidt(&p);
}

/* The int $0x80 direct trap (issue 5): a guest system call enters the guest kernel's handler
 * straight from ring 3, through a trap gate (IF untouched) in this CPU's IDT, and never enters
 * Moat. Installed only when it is safe and equivalent to a bounce:
 *   - the guest registered vector 0x80 (address != 0), below Moat's area (set_trap_table);
 *   - it did not ask for events to be masked on entry (a gate cannot set the upcall mask);
 *   - its cs is a guest code selector whose DPL cannot be 0: a flat ring-1/ring-3 selector,
 *     or a guest GDT/LDT entry (descriptor.c never installs DPL 0 code);
 *   - the gate's DPL is the trap_info DPL, so `int $0x80` is allowed exactly from the rings
 *     Xen's permit_softint allows (DPL 0: nobody, the #GP path bounces a #GP).
 * Otherwise the entry is Moat's own DPL-0 gate and `int $0x80` arrives as #GP (traps.c). */
static const struct vcpu *int80_owner[MOAT_MAX_CPUS];

void idt_set_int80(struct vcpu *v)
{
    int80_owner[this_cpu()->id] = v;
    uint64_t *e = &idt[this_cpu()->id][0x80];
    const struct trap_info *ti = &v->pv.trap_ctxt[0x80];
    uint16_t cs = ti->cs;
    int sel_ok = cs == FLAT_RING1_CS || cs == FLAT_RING3_CS ||
                 ((cs >> 3) < GDT_FIRST_RESERVED && (cs & ~7u) != 0);
    if (ti->address && ti->address < HYPERVISOR_VIRT_START && !TI_GET_IF(ti) && sel_ok &&
        (cs & 3) != 0 && TI_GET_DPL(ti) != 0)
        *e = desc_gate(ti->address, cs, DESC_P | DESC_DPL(TI_GET_DPL(ti)) | DESC_TRAPGATE);
    else
        *e = moat_gate(0x80);
}

/* Exit to the guest (return_hooks.c): this CPU's gate 0x80 must be the running vcpu's. */
void idt_int80_switch(struct vcpu *v)
{
    if (int80_owner[this_cpu()->id] != v)
        idt_set_int80(v);
}
