# Host unit tests of the TLB shootdown targets (issue 10, helper H3): hv/mm/tlb_targets.c.
$(eval $(call unit_test,hv_tlb,tests/unit/test_hv_tlb.c hv/mm/tlb_targets.c))
