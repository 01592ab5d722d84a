# Host unit tests of the guest kernel's IRQ affinity/balancer and early chipset quirks
# (issue 10, helper H14). The kernel include path comes from kernel.mk's kernel_% rule.
$(eval $(call unit_test,kernel_irq,tests/unit/test_kernel_irq.c kernel/irq/balance.c kernel/irq/quirks.c lib/format.c))
