# Unit tests of lib/ (shared by hv and kernel).
$(eval $(call unit_test,lib_format,tests/unit/test_format.c lib/format.c,-fno-builtin -Wno-format -Wno-format-truncation))
# -fno-builtin: otherwise gcc folds constant snprintf calls itself and the test would not run our code.
$(eval $(call unit_test,lib_cmdline,tests/unit/test_cmdline.c lib/cmdline.c))
