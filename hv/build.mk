# hv/: the Moat hypervisor -> build/moat (ELF32, multiboot v1, loaded at 1 MB physical).
#
# Sources: every .c/.S under hv/. H4's parser (hv/core/elf.c, layout.c) and H5's page-type
# code (hv/mm/pagetype.c) are part of the image; H5's mmu hypercalls (hv/mm/mmu_*.c) join
# once their glue to the machine (hv/mm/mmu_glue.c) exists.
HV_MMU_SRCS := $(if $(wildcard hv/mm/mmu_glue.c),$(wildcard hv/mm/mmu*.c),)
HV_SRCS := $(sort $(wildcard hv/arch/x86_32/*.S hv/arch/x86_32/*.c hv/core/*.c) \
                  $(filter-out hv/mm/mmu%.c,$(wildcard hv/mm/*.c)) $(HV_MMU_SRCS))
HV_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(patsubst %.S,$(BUILD)/%.o,$(HV_SRCS)))
# -fomit-frame-pointer (overrides the global -fno-omit-frame-pointer for hv/ only): Moat walks
# no frame chains, gdb unwinds through -g's .debug_frame, and the prologue/epilogue pair costs
# ~4 instructions in each of the ~15 calls on every hypercall and exception path (issue 9).
hv_CFLAGS  := -Ihv/include -Ihv/core -fno-common -fomit-frame-pointer
hv_ASFLAGS := -Ihv/include

$(BUILD)/moat: $(HV_OBJS) $(LIB_OBJS) hv/arch/x86_32/moat.ld
	$(LD) $(FREESTANDING_LDFLAGS) -T hv/arch/x86_32/moat.ld -o $@ $(HV_OBJS) $(LIB_OBJS) $(LIBGCC32)

ALL_TARGETS += $(BUILD)/moat
