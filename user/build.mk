# user/: user space for the guest kernel, packed into build/initrd.cpio (cpio newc).
# Programs are static i386 ELF built with musl; Debian's busybox-static:i386 is the shell.
# i386-linux-musl-gcc comes with musl-dev:i386 (it wraps Debian's i686-linux-gnu-gcc).
USER_CC     := i386-linux-musl-gcc
USER_CFLAGS := -static -O2 -Wall -Wextra -Werror
BUSYBOX    := /bin/busybox
BUSYBOX_APPLETS := sh ls cat echo ps mkdir rm cp mv grep wc head tail sort uniq sed env true false sleep uname
# Used by user/scripts/busybox-smoke.sh as well (keep in step with the script).
BUSYBOX_APPLETS += tr cut printf test
INITRD_ROOT := $(BUILD)/initrd-root

$(BUILD)/user/init: user/init/init.c
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -o $@ $<

# usertests (one program, issue 8 item 4) and bench (lmbench-style, issue 9); bench-true is
# the tiny program bench's fork_execve runs.
USERTESTS_SRCS := $(wildcard user/usertests/*.c)
USERTESTS_HDRS := $(wildcard user/usertests/*.h)
BENCH_SRCS     := $(wildcard user/bench/bench*.c)
USER_PROGS     := $(BUILD)/user/usertests $(BUILD)/user/bench $(BUILD)/user/bench-true

$(BUILD)/user/usertests: $(USERTESTS_SRCS) $(USERTESTS_HDRS) user/build.mk
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -o $@ $(USERTESTS_SRCS)

$(BUILD)/user/bench: $(BENCH_SRCS) user/bench/bench.h user/build.mk
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -o $@ $(BENCH_SRCS)

$(BUILD)/user/bench-true: user/bench/true.c user/build.mk
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -s -o $@ $<

# vm86test (issue 11): 16-bit routines run through vm86/vm86old. It includes Linux's own
# <asm/vm86.h> (linux-libc-dev-i386-cross, which the musl wrapper's i686 cross gcc pulls in),
# found after musl's headers, so the structure layout it uses is the real ABI's.
USER_PROGS += $(BUILD)/user/vm86test
$(BUILD)/user/vm86test: user/vm86test/vm86test.c user/vm86test/realmode.S user/build.mk
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -idirafter /usr/i686-linux-gnu/include -o $@ user/vm86test/vm86test.c user/vm86test/realmode.S

# cpu (issue 10 item 4: CPU hotplug from the shell) and spin (the user-mode load of the
# hotplug system test, tests/system/test_hotplug.py).
USER_PROGS += $(BUILD)/user/cpu $(BUILD)/user/spin
$(BUILD)/user/cpu: user/cpu/cpu.c user/build.mk
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -s -o $@ $<

$(BUILD)/user/spin: user/spin/spin.c user/build.mk
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -s -o $@ $<

$(BUILD)/initrd.cpio: $(BUILD)/user/init $(USER_PROGS) user/scripts/busybox-smoke.sh \
		user/scripts/busybox-smoke.expected $(BUSYBOX) user/build.mk
	rm -rf $(INITRD_ROOT)
	mkdir -p $(INITRD_ROOT)/bin $(INITRD_ROOT)/dev $(INITRD_ROOT)/proc $(INITRD_ROOT)/tmp $(INITRD_ROOT)/etc
	cp $(BUILD)/user/init $(INITRD_ROOT)/init
	cp $(BUSYBOX) $(INITRD_ROOT)/bin/busybox
	for a in $(BUSYBOX_APPLETS); do ln -s busybox $(INITRD_ROOT)/bin/$$a; done
	echo "Moat guest" > $(INITRD_ROOT)/etc/motd
	cp $(USER_PROGS) $(INITRD_ROOT)/bin/
	cp user/scripts/busybox-smoke.sh user/scripts/busybox-smoke.expected $(INITRD_ROOT)/etc/
	cd $(INITRD_ROOT) && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc --owner 0:0 > $(abspath $@)

ALL_TARGETS += $(BUILD)/initrd.cpio $(USER_PROGS)
