/* The Intel MultiProcessor Specification (1.4) table: the fallback when there is no ACPI MADT
 * (QEMU -no-acpi, old boards). Pure logic over a reader callback (the same one the ACPI
 * parser uses), host-tested in tests/unit/test_kernel_mptable.c. This is the kernel's own
 * small parser; the hypervisor has its own (hv/arch/x86_32/mptable.c) for its own needs.
 *
 * Invariants:
 *  - The table is untrusted: the floating pointer's and the configuration table's checksums
 *    and lengths are verified before use, every entry must lie inside the stated base-table
 *    length, and an unknown entry type ends the walk (its size is unknown).
 *  - The result has the shape of the MADT's (struct madt_info), so the rest of the kernel
 *    does not care where the facts came from: enabled processors in table order (at most
 *    SMP_MAX_CPUS, the rest counted), the first enabled IO-APIC (GSI base 0), and for each ISA
 *    irq the IO-APIC pin its INT assignment names; an ISA irq the table does not assign gets
 *    isa_gsi = MPTABLE_NO_GSI, i.e. it is not routed. */
#ifndef KERNEL_MPTABLE_H
#define KERNEL_MPTABLE_H
#include <stdint.h>
#include "acpi_madt.h"

#define MPTABLE_NO_GSI 0xffffffffu

/* Searches the first KB of the EBDA (ebda_pa, 0 = none), the last KB of base memory below
 * base_top (0 = 640 KB) and 0xF0000..0xFFFFF for the floating pointer: 0 and *mpf_pa, or -1. */
int mptable_find(acpi_reader_fn rd, void *ctx, uint32_t ebda_pa, uint32_t base_top, uint32_t *mpf_pa);
/* Parses the configuration table the floating pointer at mpf_pa names: 0 (at least one CPU),
 * or -1 (bad table, or a "default configuration" without a table: not supported). */
int mptable_parse(acpi_reader_fn rd, void *ctx, uint32_t mpf_pa, struct madt_info *out);
#ifndef MOAT_HOST_TEST
/* smp/native_smp.c: reads one firmware source again (the tests compare the two). */
enum fw_source { FW_ACPI_MADT, FW_MP_TABLE };
int native_smp_firmware(enum fw_source which, struct madt_info *out);
/* Which one the probe used ("ACPI MADT", "MP table", or 0 when neither was found). */
extern const char *native_smp_fw_source;
#endif
#endif
