# Host unit tests (cmocka) of the virtual-8086 monitor's instruction emulation (issue 11):
# kernel/vm86/monitor.c with a fake 1 MB + 64 KB real-mode memory whose pages can be unmapped.
$(eval $(call unit_test,kernel_vm86_monitor,tests/unit/test_vm86_monitor.c kernel/vm86/monitor.c,-Ikernel))
