# Host unit tests (cmocka), compiled -m32 with HOST_CFLAGS (so the Xen ABI structures have their
# 32-bit layout) and -DMOAT_HOST_TEST (so hardware-only code is left out).
#
# Each area declares its tests in its own fragment tests/unit/<area>.mk with
#   $(eval $(call unit_test,NAME,TEST_SOURCE LIBRARY_SOURCES...[,EXTRA_CFLAGS]))
# which builds build/tests/unit/NAME and adds it to UNIT_TESTS. `make unit` runs them all and
# prints each cmocka summary plus a closing total.

define unit_test
$(BUILD)/tests/unit/$(1): $(2) $$(wildcard hv/include/*.h lib/include/lib/*.h include/moat/*.h kernel/include/*.h)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(HOST_CFLAGS) $(3) -Ihv/include -Ikernel/include -Itests/unit -o $$@ $(2) $$(HOST_LDLIBS)
UNIT_TESTS += $(BUILD)/tests/unit/$(1)
endef

-include $(sort $(filter-out tests/unit/build.mk,$(wildcard tests/unit/*.mk)))

unit: $(UNIT_TESTS)
	@tools/run-unit-tests $(UNIT_TESTS)
