/* Finding the CPUs and interrupt controllers from ACPI (RSDP -> RSDT/XSDT -> MADT "APIC").
 * Pure logic: every table byte is read through a reader callback, so the host unit tests run
 * the parser on a simulated physical memory (tests/unit/test_kernel_madt.c).
 *
 * Invariants:
 *  - Firmware tables are untrusted input: each table's length is bounded and its checksum
 *    verified before any field is used; a sub-table entry that would run past its table ends
 *    the walk. A bad table is an error (-1), never a crash or a read outside what was mapped.
 *  - At most SMP_MAX_CPUS enabled processors are reported, in MADT order (the firmware lists
 *    the boot processor first, but the caller identifies it by its own APIC id). */
#ifndef KERNEL_ACPI_MADT_H
#define KERNEL_ACPI_MADT_H
#include <stdint.h>

#define SMP_MAX_CPUS 8

struct madt_info {
    uint32_t lapic_phys;          /* local APIC MMIO base */
    unsigned nr_cpus;
    uint8_t apic_id[SMP_MAX_CPUS];
    unsigned nr_ignored;          /* enabled processors beyond SMP_MAX_CPUS */
    unsigned nr_ioapics;
    uint32_t ioapic_phys;         /* the first IO-APIC */
    uint8_t ioapic_id;
    uint32_t ioapic_gsi_base;
    uint32_t isa_gsi[16];         /* ISA irq -> global system interrupt (overrides applied) */
    uint16_t isa_flags[16];       /* MPS INTI flags of the override (0: bus default) */
    int pcat_compat;              /* MADT flag: an 8259 pair is present too */
};

/* Returns a pointer to `len` bytes of physical memory at `pa`, or 0 if they cannot be read. */
typedef const void *(*acpi_reader_fn)(void *ctx, uint32_t pa, uint32_t len);

/* Searches the first KB of the EBDA (at ebda_pa, 0 = none) and 0xE0000..0xFFFFF for a valid
 * RSDP; 0 and *rsdp_pa set, or -1. */
int acpi_find_rsdp(acpi_reader_fn rd, void *ctx, uint32_t ebda_pa, uint32_t *rsdp_pa);
/* Walks RSDT (or XSDT below 4 GB) from the RSDP to the MADT and fills *out: 0, or -1. */
int acpi_parse_madt(acpi_reader_fn rd, void *ctx, uint32_t rsdp_pa, struct madt_info *out);
#endif
