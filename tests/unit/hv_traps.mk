# Host unit tests of issue 5's pure hypervisor parts (helper H7): the guest descriptor
# validator (hv/core/descriptor.c), the rule that keeps ring-1/ring-3 segments out of Moat.
$(eval $(call unit_test,hv_descriptor,tests/unit/test_descriptor.c hv/core/descriptor.c))
# The bounce frame and set_trap_table / stack_switch (hv/core/traps_guest.c) over fake guest
# memory: frame layout, upcall-mask and EFLAGS rules, and the refusals that crash the domain.
$(eval $(call unit_test,hv_bounce,tests/unit/test_bounce.c hv/core/traps_guest.c,-Ihv/core))
