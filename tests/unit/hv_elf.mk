# Unit tests of the domain builder's pure parts: the ELF/Xen-notes parser and the start-of-day
# layout. Both build their test images in memory (tests/unit/test_elf_image.c).
$(eval $(call unit_test,hv_elf,tests/unit/test_elf.c tests/unit/test_elf_image.c hv/core/elf.c))
$(eval $(call unit_test,hv_layout,tests/unit/test_layout.c tests/unit/test_elf_image.c hv/core/elf.c hv/core/layout.c))
