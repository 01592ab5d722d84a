# Guest kernel: build/kernel (ELF32, multiboot header + Xen ELF notes in one image).
#
# Objects go to build/kernel-objs/<path below kernel/>.o, NOT build/kernel/...: build/kernel is
# the image file itself, so it cannot also be a directory. tools/check-privileged must be pointed
# at build/kernel-objs (the exempt objects are pv/native.o and arch/x86_32/<file>.o there).
KERNEL_OBJDIR := $(BUILD)/kernel-objs
# CONFIG_KERNEL_EXCLUDE (top-level Makefile): sources the build configuration leaves out.
KERNEL_SRCS := $(filter-out $(CONFIG_KERNEL_EXCLUDE),$(shell find kernel -name '*.c' -o -name '*.S' | sort))
KERNEL_OBJS := $(patsubst kernel/%,$(KERNEL_OBJDIR)/%.o,$(basename $(KERNEL_SRCS)))
KERNEL_INC := -Ikernel -Ikernel/include
# -fno-toplevel-reorder keeps KERNEL_TEST registrations (and so the test run) in source order.
kernel_CFLAGS += $(KERNEL_INC) -fno-toplevel-reorder
kernel_ASFLAGS += $(KERNEL_INC)

$(KERNEL_OBJDIR)/%.o: kernel/%.c
	@mkdir -p $(dir $@)
	$(CC) $(FREESTANDING_CFLAGS) $(kernel_CFLAGS) -MMD -MP -c $< -o $@
$(KERNEL_OBJDIR)/%.o: kernel/%.S
	@mkdir -p $(dir $@)
	$(CC) $(FREESTANDING_ASFLAGS) $(kernel_ASFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/kernel: $(KERNEL_OBJS) $(LIB_OBJS) kernel/kernel.ld
	$(LD) $(FREESTANDING_LDFLAGS) -T kernel/kernel.ld -o $@ $(KERNEL_OBJS) $(LIB_OBJS) $(LIBGCC32)

ALL_TARGETS += $(BUILD)/kernel
.PHONY: kernel
kernel: $(BUILD)/kernel
