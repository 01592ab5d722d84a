# Host unit tests of H2's pure hypervisor parts: descriptors (the segment-limit rule), the
# hypercall table and the issue-3 hypercall handlers (Xen's exact answers, bad pointers), and
# the CPUID policy.
$(eval $(call unit_test,hv_desc,tests/unit/test_hv_desc.c hv/arch/x86_32/desc.c))
$(eval $(call unit_test,hv_hypercall,tests/unit/test_hv_hypercall.c tests/unit/guest_window.c tests/unit/hv_weak_handlers.c hv/core/hypercall.c hv/core/uaccess.c hv/core/console_io.c hv/core/sched_op.c hv/core/xen_version.c hv/core/vm_assist.c,-Ihv/core))
$(eval $(call unit_test,hv_cpuid,tests/unit/test_hv_cpuid.c hv/core/cpuid_policy.c))
