# Host unit tests of issue 7's hypervisor side (helper H10): multicall, the dispatcher's counters
# and continuation capture, moat_op, the shutdown summary and the debug-key state machine.
$(eval $(call unit_test,hv_multicall,tests/unit/test_hv_multicall.c tests/unit/guest_window.c hv/core/multicall.c hv/core/hypercall.c hv/core/uaccess.c hv/core/stats.c hv/core/debug_keys.c tests/unit/hv_weak_handlers.c,-Ihv/core))
