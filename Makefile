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

all: $(ALL_TARGETS)

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
