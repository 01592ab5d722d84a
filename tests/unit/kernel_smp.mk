# Host unit tests of the guest kernel's SMP discovery (issue 10, helper H15): the ACPI MADT
# parser against a simulated physical memory. The kernel include path comes from kernel.mk.
$(eval $(call unit_test,kernel_madt,tests/unit/test_kernel_madt.c kernel/smp/acpi_madt.c lib/string.c))
# Helper H1 (session 2, issue 10): the MP-table fallback and the IO-APIC routing's pure half.
$(eval $(call unit_test,kernel_mptable,tests/unit/test_kernel_mptable.c kernel/smp/mptable.c kernel/smp/ioapic.c lib/string.c))
$(eval $(call unit_test,kernel_ioapic,tests/unit/test_kernel_ioapic.c kernel/smp/ioapic.c kernel/smp/acpi_madt.c lib/string.c))
