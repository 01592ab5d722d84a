# Host unit tests of hv/mm (page types and counts, mmu_update and friends), on the simulated
# machine of tests/unit/sim_machine.h.
$(eval $(call unit_test,hv_pagetype,tests/unit/test_pagetype.c hv/mm/pagetype.c))
$(eval $(call unit_test,hv_mmu,tests/unit/test_mmu.c hv/mm/pagetype.c hv/mm/mmu_entry.c hv/mm/mmu_update.c hv/mm/mmuext_op.c hv/mm/mmu_va.c hv/mm/mmu_memop.c))
$(eval $(call unit_test,hv_mmu_random,tests/unit/test_mmu_random.c hv/mm/pagetype.c hv/mm/mmu_entry.c hv/mm/mmu_update.c hv/mm/mmuext_op.c hv/mm/mmu_va.c hv/mm/mmu_memop.c))
