# Host unit tests of the guest kernel's SMP discovery (issue 10, helper H15): the ACPI MADT
# parser against a simulated physical memory. The kernel include path comes from kernel.mk.
$(eval $(call unit_test,kernel_madt,tests/unit/test_kernel_madt.c kernel/smp/acpi_madt.c lib/string.c))
