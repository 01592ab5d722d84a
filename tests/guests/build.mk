# Test guests: small third-party-style Xen x86_32 PAE PV guests built against Xen's public
# headers only (nothing from Moat), plus malformed variants of hello.elf for the builder.
#   build/tests/guests/hello.elf         Linux-style notes, VIRT_BASE 0xC0000000, paddr 1 MB
#   build/tests/guests/hello-low.elf     XTF-style: VIRT_BASE 0, linked at 64 KB, SHT_NOTE only
#   build/tests/guests/hello-legacy.elf  no notes, only the legacy __xen_guest section
#   build/tests/guests/probe.elf         hypercall answers checked against Xen 4.17
#   build/tests/guests/bad/*.elf         tests/guests/make-bad-images (refused by the builder)
# Pattern rules below are more specific than the top-level $(BUILD)/%.o ones, so they win.

GUEST_DIR := $(BUILD)/tests/guests
GUEST_CFLAGS := $(FREESTANDING_CFLAGS) -fno-builtin -Itests/guests
GUEST_ASFLAGS := $(FREESTANDING_ASFLAGS) -Itests/guests
GUEST_COMMON := $(GUEST_DIR)/common/start.o $(GUEST_DIR)/common/guest.o

$(GUEST_DIR)/%.o: tests/guests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@
$(GUEST_DIR)/%.o: tests/guests/%.S
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_ASFLAGS) -MMD -MP -c $< -o $@
$(GUEST_DIR)/notes-linux-probe.o: tests/guests/notes-linux.S
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_ASFLAGS) -DNO_HV_START_LOW -MMD -MP -c $< -o $@

# guest_elf(NAME, LINKER SCRIPT, OBJECTS)
define guest_elf
$(GUEST_DIR)/$(1).elf: $(3) $(GUEST_COMMON) tests/guests/$(2)
	$(LD) $(FREESTANDING_LDFLAGS) -T tests/guests/$(2) -o $$@ $(GUEST_COMMON) $(3) $(LIBGCC32)
GUEST_ELFS += $(GUEST_DIR)/$(1).elf
endef
GUEST_ELFS :=
$(eval $(call guest_elf,hello,high.lds,$(GUEST_DIR)/hello.o $(GUEST_DIR)/notes-linux.o))
$(eval $(call guest_elf,hello-low,low.lds,$(GUEST_DIR)/hello.o $(GUEST_DIR)/notes-xtf.o))
$(eval $(call guest_elf,hello-legacy,legacy.lds,$(GUEST_DIR)/hello.o $(GUEST_DIR)/legacy.o))
$(eval $(call guest_elf,probe,high.lds,$(GUEST_DIR)/probe.o $(GUEST_DIR)/notes-linux-probe.o))

$(GUEST_DIR)/bad/.stamp: $(GUEST_DIR)/hello.elf tests/guests/make-bad-images
	tests/guests/make-bad-images $(GUEST_DIR)/hello.elf $(GUEST_DIR)/bad
	@touch $@

.PHONY: guests
guests: $(GUEST_ELFS) $(GUEST_DIR)/bad/.stamp
ALL_TARGETS += $(GUEST_ELFS) $(GUEST_DIR)/bad/.stamp

# ---- mm-* hostile guests (issue 4, helper H5): each tries to break one rule of PV memory
# management and checks the refusal; helpers in tests/guests/mm-lib.c. ----
MM_GUESTS := mm-pinned-writable mm-pin-writable mm-l2-nonl1 mm-foreign mm-m2p-write \
             mm-unpin-base mm-bad-batch mm-huge-count mm-pt-write
$(foreach g,$(MM_GUESTS),$(eval $(call guest_elf,$(g),high.lds,$(GUEST_DIR)/$(g).o $(GUEST_DIR)/mm-lib.o $(GUEST_DIR)/notes-linux.o)))
MM_GUEST_ELFS := $(MM_GUESTS:%=$(GUEST_DIR)/%.elf)
guests: $(MM_GUEST_ELFS)
ALL_TARGETS += $(MM_GUEST_ELFS)

# ---- mc-* guests (issue 7, helper H10): HYPERVISOR_multicall as Xen runs it (results, order,
# nesting, bad lists, continuations) and, on Moat, its cost through the moat_op counters
# (include/moat/moat_op.h); helpers in tests/guests/mc-lib.c on top of mm-lib.c. ----
MC_GUESTS := mc-batch mc-nested mc-bad mc-huge mc-keys
$(foreach g,$(MC_GUESTS),$(eval $(call guest_elf,$(g),high.lds,$(GUEST_DIR)/$(g).o $(GUEST_DIR)/mc-lib.o $(GUEST_DIR)/mm-lib.o $(GUEST_DIR)/notes-linux.o)))
MC_GUEST_ELFS := $(MC_GUESTS:%=$(GUEST_DIR)/%.elf)
guests: $(MC_GUEST_ELFS)
ALL_TARGETS += $(MC_GUEST_ELFS)

# ---- ev-* event/time guests (issue 6, helper H8): the virtual interrupt flag, event channels,
# timers, block and poll, each checked against real Xen 4.17; helpers in tests/guests/ev-lib.c
# (on top of mm-lib.c) and the upcall/failsafe entries in ev-entry.S. ----
EV_GUESTS := ev-mask ev-timer ev-nounmask ev-console
EV_OBJS := $(GUEST_DIR)/ev-lib.o $(GUEST_DIR)/ev-entry.o $(GUEST_DIR)/mm-lib.o $(GUEST_DIR)/notes-linux.o
$(foreach g,$(EV_GUESTS),$(eval $(call guest_elf,$(g),high.lds,$(GUEST_DIR)/$(g).o $(EV_OBJS))))
EV_GUEST_ELFS := $(EV_GUESTS:%=$(GUEST_DIR)/%.elf)
guests: $(EV_GUEST_ELFS)
ALL_TARGETS += $(EV_GUEST_ELFS)

# ---- trap-* hostile guests (issue 5, helper H7): exceptions bounced through the guest's own
# trap table in ring 1 and ring 3, descriptor/trap-table/IO/privileged-instruction refusals,
# the failsafe callback. Helpers in tests/guests/trap-lib.c and trap-entry.S (plus mm-lib). ----
TRAP_GUESTS := trap-vectors trap-hostile trap-failsafe trap-nofailsafe trap-nohandler trap-ldt
TRAP_LIB := $(GUEST_DIR)/trap-lib.o $(GUEST_DIR)/trap-entry.o $(GUEST_DIR)/mm-lib.o
$(foreach g,$(TRAP_GUESTS),$(eval $(call guest_elf,$(g),high.lds,$(GUEST_DIR)/$(g).o $(TRAP_LIB) $(GUEST_DIR)/notes-linux.o)))
TRAP_GUEST_ELFS := $(TRAP_GUESTS:%=$(GUEST_DIR)/%.elf)
guests: $(TRAP_GUEST_ELFS)
ALL_TARGETS += $(TRAP_GUEST_ELFS)

# ---- smp-* guests (issue 10, helper H14): vcpus brought up and down through VCPUOP
# (initialise, up, down, is_up, get_runstate_info, register_vcpu_info) and IPIs as event
# channels; checked against real Xen 4.17 (run-on-xen --smp 4). On Moat: guest option vcpus=4.
SMP_GUESTS := smp-vcpus
SMP_OBJS := $(GUEST_DIR)/ev-lib.o $(GUEST_DIR)/ev-entry.o $(GUEST_DIR)/mm-lib.o $(GUEST_DIR)/notes-linux.o
$(foreach g,$(SMP_GUESTS),$(eval $(call guest_elf,$(g),high.lds,$(GUEST_DIR)/$(g).o $(SMP_OBJS))))
SMP_GUEST_ELFS := $(SMP_GUESTS:%=$(GUEST_DIR)/%.elf)
# Hostile SMP guests (issue 10, helper H3): cross-CPU TLB safety and flushes, hostile vcpu
# contexts, scheduler progress. A worker loop on the secondary vcpus and fault-surviving probes
# in tests/guests/smp-lib.c. Each checked against real Xen 4.17 (run-on-xen --smp 2).
SMP_H3_GUESTS := smp-tlb-attack smp-tlb-flush smp-ctx smp-progress
$(foreach g,$(SMP_H3_GUESTS),$(eval $(call guest_elf,$(g),high.lds,$(GUEST_DIR)/$(g).o $(GUEST_DIR)/smp-lib.o $(SMP_OBJS))))
SMP_GUEST_ELFS += $(SMP_H3_GUESTS:%=$(GUEST_DIR)/%.elf)
guests: $(SMP_GUEST_ELFS)
ALL_TARGETS += $(SMP_GUEST_ELFS)

# ---- fuzz (helper H17): a deterministic hostile-guest fuzzer (seed=N, iters=N on its command
# line): thousands of hypercalls with hostile arguments, multicall lists, hostile iret frames
# and privileged instructions in ring 1, then invariant checks through the ABI; passes iff
# Moat survives and the guest powers off (tests/system/test_fuzz.py). Uses trap-lib/mm-lib. ----
FUZZ_ELF := $(GUEST_DIR)/fuzz.elf
$(eval $(call guest_elf,fuzz,high.lds,$(GUEST_DIR)/fuzz.o $(TRAP_LIB) $(GUEST_DIR)/notes-linux.o))
guests: $(FUZZ_ELF)
ALL_TARGETS += $(FUZZ_ELF)
