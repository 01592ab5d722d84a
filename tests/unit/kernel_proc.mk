# Host unit tests (cmocka) of the Unix layer's pure parts (issue 8): the cpio newc parser, path
# components, the ELF32 exec checks and the signal-mask logic.
$(eval $(call unit_test,kernel_cpio,tests/unit/test_kernel_cpio.c kernel/fs/cpio.c))
$(eval $(call unit_test,kernel_path,tests/unit/test_kernel_path.c kernel/fs/path.c))
$(eval $(call unit_test,kernel_elf_load,tests/unit/test_kernel_elf_load.c kernel/proc/elf.c))
$(eval $(call unit_test,kernel_sigmask,tests/unit/test_kernel_sigmask.c kernel/proc/sigmask.c))
