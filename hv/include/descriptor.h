/* The guest descriptor validator: the rule that keeps ring-1/ring-3 segments out of Moat.
 * Pure (no hardware, no guest memory): used by set_gdt and LDT page typing (whole frames),
 * update_descriptor (one entry), and host-tested by tests/unit/test_descriptor.c.
 *
 * desc_check() decides one 8-byte descriptor and may rewrite it (fix-ups), returning
 * DESC_ACCEPT or the reason for the refusal. See descriptor.c for the rules. */
#ifndef MOAT_DESCRIPTOR_H
#define MOAT_DESCRIPTOR_H
#include <stdint.h>

enum desc_reason {
    DESC_ACCEPT = 0,
    DESC_LONG_MODE,            /* code segment with the L bit (64-bit) */
    DESC_BASE_IN_MOAT,         /* expand-up segment starting at or above HYPERVISOR_VIRT_START */
    DESC_EXPAND_DOWN_REACHES_MOAT, /* expand-down data segment covering Moat's area */
    DESC_SYSTEM_TSS,           /* 16/32-bit TSS (available or busy) */
    DESC_SYSTEM_LDT,           /* LDT descriptor */
    DESC_TASK_GATE,
    DESC_INTERRUPT_GATE,       /* 16/32-bit interrupt gate */
    DESC_TRAP_GATE,            /* 16/32-bit trap gate */
    DESC_CALL_GATE_16,         /* 16-bit call gate */
    DESC_SYSTEM_RESERVED,      /* reserved system types 8, 10, 13 */
    DESC_GATE_TARGET,          /* call gate whose target selector is not a guest code selector */
    DESC_GATE_INTO_MOAT,       /* call gate whose target offset is in Moat's area */
    DESC_GATE_RESERVED_BITS,   /* call gate with reserved bits 5-7 of the high word set */
    DESC_NR_REASONS
};

/* Checks *d and applies the fix-ups; *d is only changed when DESC_ACCEPT is returned. */
enum desc_reason desc_check(uint64_t *d);
const char *desc_reason_name(enum desc_reason r);

/* A frame of 512 descriptors (GDT or LDT page). Returns the index of the first refused
 * entry (and its reason in *why), or -1 when every entry was accepted (and fixed up in place). */
int desc_check_page(uint64_t *descs, enum desc_reason *why);
#endif
