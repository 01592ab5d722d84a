# Host unit tests of the hypervisor's SMP discovery (issue 10, helper H14): ACPI MADT and MP
# table parsing against a simulated BIOS area.
$(eval $(call unit_test,hv_smp,tests/unit/test_hv_smp.c hv/arch/x86_32/acpi.c hv/arch/x86_32/mptable.c))
