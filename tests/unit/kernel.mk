# Host unit tests (cmocka) of the guest kernel's pure logic.
# The kernel's headers come first on the include path: hv/include has headers with the same
# names (desc.h ...), and a kernel source must never compile against the hypervisor's.
$(BUILD)/tests/unit/kernel_%: HOST_CFLAGS := -Ikernel/include -Ikernel $(HOST_CFLAGS)
$(BUILD)/tests/unit/kernel_%: $(wildcard kernel/include/*.h kernel/pv/xen/*.h)
$(eval $(call unit_test,kernel_page_alloc,tests/unit/test_kernel_page_alloc.c kernel/mm/page_alloc.c))
$(eval $(call unit_test,kernel_memmap,tests/unit/test_kernel_memmap.c kernel/mm/memmap.c))
$(eval $(call unit_test,kernel_options,tests/unit/test_kernel_options.c kernel/core/options.c lib/cmdline.c lib/format.c))
$(eval $(call unit_test,kernel_printk,tests/unit/test_kernel_printk.c kernel/core/printk.c lib/format.c))
$(eval $(call unit_test,kernel_time,tests/unit/test_kernel_time.c kernel/core/time.c))
$(eval $(call unit_test,kernel_desc,tests/unit/test_kernel_desc.c kernel/cpu/desc_encode.c))
$(eval $(call unit_test,kernel_xen_abi,tests/unit/test_kernel_xen_abi.c kernel/pv/xen/abi.c))
$(eval $(call unit_test,kernel_mc_batch,tests/unit/test_kernel_mc_batch.c kernel/pv/xen/mc_batch.c))
$(eval $(call unit_test,kernel_evtchn_scan,tests/unit/test_kernel_evtchn_scan.c kernel/pv/xen/evtchn_scan.c))
