# Moat: top-level build. `make` builds everything into build/; see README.md.
#
# Each part of the tree owns one make fragment (lib/build.mk, hv/build.mk, kernel/build.mk,
# user/build.mk, tests/unit/build.mk) that adds its targets to the variables below. This file
# holds only the shared toolchain settings and the command contract (run, test, bench).

BUILD   := build
CC      := gcc
LD      := ld
OBJCOPY := objcopy
PYTEST  := /usr/bin/python3 -m pytest

# Freestanding 32-bit code (hypervisor and guest kernel). No SSE/x87 in either: the hypervisor
# must not touch guest FPU state and the kernel saves FPU state lazily.
XEN_INTERFACE := -D__XEN_INTERFACE_VERSION__=0x00040e00
FREESTANDING_CFLAGS := -m32 -march=i686 -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie \
	-fno-stack-protector -fno-strict-aliasing -fno-asynchronous-unwind-tables \
	-fno-omit-frame-pointer -mgeneral-regs-only -mno-red-zone \
	-Wall -Wextra -Werror -Wno-unused-parameter $(XEN_INTERFACE) \
	-Iinclude -Ilib/include
FREESTANDING_ASFLAGS := -m32 -g -D__ASSEMBLY__ $(XEN_INTERFACE) -Iinclude -Ilib/include -Wa,--noexecstack
FREESTANDING_LDFLAGS := -m elf_i386 -nostdlib -z noexecstack -z max-page-size=4096
LIBGCC32 := $(shell $(CC) -m32 -print-libgcc-file-name 2>/dev/null)

# Host unit tests (cmocka). -m32 because the Xen ABI structures differ on x86_64.
HOST_CFLAGS := -m32 -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	$(XEN_INTERFACE) -DMOAT_HOST_TEST -Iinclude -Ilib/include
HOST_LDLIBS := -lcmocka

# ---- Build configuration (issue 11; config/README.md) ----
# config/default.config holds the defaults (y/n); any option can be overridden on the command
# line (`make CONFIG_VM86=n`). The active values become ONE generated header, $(CONFIG_H), which
# every freestanding (and host unit-test) compile gets with -include; it is rewritten only when
# its content changes (config/gen-config-h), and gcc -MMD records it as every object's
# dependency, so changing an option rebuilds exactly the objects compiled with the old value.
# Build a second configuration into its own directory (BUILD=build/min ...), never over another.
include config/default.config
CONFIG_OPTIONS := CONFIG_SMP CONFIG_HOTPLUG_CPU CONFIG_VM86 CONFIG_MOAT_GUEST CONFIG_DEBUG
$(foreach o,$(CONFIG_OPTIONS),$(if $(filter y n,$(strip $($(o)))),,$(error $(o)='$($(o))': must be y or n)))
ifeq ($(strip $(CONFIG_SMP)),n)
override CONFIG_HOTPLUG_CPU := n
endif
CONFIG_VALUES := $(foreach o,$(CONFIG_OPTIONS),$(o)=$(strip $($(o))))
CONFIG_H := $(BUILD)/config.h
CONFIG_GEN := $(shell config/gen-config-h $(CONFIG_H) $(CONFIG_VALUES) || echo FAILED)
$(if $(CONFIG_GEN),$(error config/gen-config-h failed for $(CONFIG_H)))
FREESTANDING_CFLAGS += -include $(CONFIG_H) -Wundef
FREESTANDING_ASFLAGS += -include $(CONFIG_H) -Wundef
HOST_CFLAGS += -include $(CONFIG_H) -Wundef
# Sources that only make sense with the PV backend: its tests and benchmarks.
CONFIG_PV_ONLY_SRCS := kernel/ktests/test_xen_mmu.c kernel/ktests/test_events.c \
	kernel/bench/ops_hypercall.c kernel/bench/ops_mmu.c kernel/bench/moat_entry.c
# Kernel sources an option leaves out of the image (kernel/build.mk filters them out).
CONFIG_KERNEL_EXCLUDE :=
ifeq ($(strip $(CONFIG_VM86)),n)
CONFIG_KERNEL_EXCLUDE += $(filter-out kernel/vm86/sys_vm86.c,$(wildcard kernel/vm86/*.c kernel/vm86/*.S))
endif
ifeq ($(strip $(CONFIG_MOAT_GUEST)),n)
# The PV backend, its entry/notes, and what only makes sense on it (its tests and benchmarks).
CONFIG_KERNEL_EXCLUDE += kernel/pv/xen/% kernel/arch/x86_32/xen-head.S $(CONFIG_PV_ONLY_SRCS)
else
# The link-time "nothing here" answers of a native-only build (the file says which).
CONFIG_KERNEL_EXCLUDE += kernel/pv/no_pv_backend.c
endif
# The reduced configuration `make test` and `make sizes` build besides the default one.
MIN_BUILD  := build/min
MIN_CONFIG := CONFIG_SMP=n CONFIG_HOTPLUG_CPU=n CONFIG_VM86=n CONFIG_MOAT_GUEST=n CONFIG_DEBUG=n

ALL_TARGETS :=
UNIT_TESTS  :=

.PHONY: all clean run test bench setup unit systest check-privileged
all:

include lib/build.mk
-include hv/build.mk
-include kernel/build.mk
-include user/build.mk
-include tests/unit/build.mk
-include tests/guests/build.mk
# Host unit tests are built without -MMD: they depend on the configuration header explicitly.
$(UNIT_TESTS): $(CONFIG_H)

all: show-config $(ALL_TARGETS)
	@$(if $(wildcard $(BUILD)/kernel $(BUILD)/moat),size $(wildcard $(BUILD)/kernel $(BUILD)/moat),true)

# `make` prints the active configuration first and the size of the kernel (and of Moat) in it
# last, in size(1)'s Berkeley format; `make config` prints only the configuration.
.PHONY: show-config config sizes test-min
show-config config:
	@echo "config ($(BUILD)): $(CONFIG_VALUES)"

# Both configurations side by side, like the "Make vm86 support optional" commit's table:
# builds the reduced kernel (only the kernel and lib: user space and Moat do not depend on
# the kernel's configuration) into $(MIN_BUILD).
sizes: $(BUILD)/kernel
	@$(MAKE) --no-print-directory BUILD=$(MIN_BUILD) $(MIN_CONFIG) $(MIN_BUILD)/kernel >/dev/null
	@echo "kernel size, default ($(CONFIG_VALUES)) and reduced ($(MIN_CONFIG)):"
	@size $(BUILD)/kernel $(MIN_BUILD)/kernel

# `make test` part 2: the reduced configuration, built and booted (tests/system/test_config.py).
test-min:
	@$(MAKE) --no-print-directory BUILD=$(MIN_BUILD) $(MIN_CONFIG) show-config $(MIN_BUILD)/kernel
	@$(MAKE) --no-print-directory BUILD=$(MIN_BUILD) $(MIN_CONFIG) check-privileged

# Generic freestanding compile rules: build/<path>.o from <path>.c / <path>.S.
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(FREESTANDING_CFLAGS) $($(firstword $(subst /, ,$*))_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(FREESTANDING_ASFLAGS) $($(firstword $(subst /, ,$*))_ASFLAGS) -MMD -MP -c $< -o $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

setup:
	@tools/setup

run: setup
	@$(MAKE) --no-print-directory all
	@if [ -f $(BUILD)/moat ]; then \
	  echo "make run: booting Moat with the guest kernel (Ctrl-A X quits QEMU)"; \
	  tools/moat-qemu --timeout 0 $(BUILD)/kernel; \
	else \
	  echo "make run: no $(BUILD)/moat yet: booting the guest kernel natively (Ctrl-A X quits QEMU)"; \
	  tools/moat-qemu --native --timeout 0 $(BUILD)/kernel; \
	fi

test: setup
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory check-privileged
	@$(MAKE) --no-print-directory test-min
	$(PYTEST) -v -rfE tests/system

# Every privileged instruction in the guest kernel lives in pv/native.o or arch/x86_32/*.S.
# The kernel's objects live in $(KERNEL_OBJDIR) (kernel/build.mk): build/kernel is the image.
check-privileged:
	@tools/check-privileged $(or $(KERNEL_OBJDIR),$(BUILD)/kernel-objs)

bench: setup
	@$(MAKE) --no-print-directory all
	tools/bench

clean:
	rm -rf $(BUILD)
