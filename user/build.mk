# user/: user space for the guest kernel, packed into build/initrd.cpio (cpio newc).
# Programs are static i386 ELF built with musl; Debian's busybox-static:i386 is the shell.
# i386-linux-musl-gcc comes with musl-dev:i386 (it wraps Debian's i686-linux-gnu-gcc).
USER_CC     := i386-linux-musl-gcc
USER_CFLAGS := -static -O2 -Wall -Wextra -Werror
BUSYBOX    := /bin/busybox
BUSYBOX_APPLETS := sh ls cat echo ps mkdir rm cp mv grep wc head tail sort uniq sed env true false sleep uname
INITRD_ROOT := $(BUILD)/initrd-root

$(BUILD)/user/init: user/init/init.c
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -o $@ $<

$(BUILD)/initrd.cpio: $(BUILD)/user/init $(BUSYBOX) user/build.mk
	rm -rf $(INITRD_ROOT)
	mkdir -p $(INITRD_ROOT)/bin $(INITRD_ROOT)/dev $(INITRD_ROOT)/proc $(INITRD_ROOT)/tmp $(INITRD_ROOT)/etc
	cp $(BUILD)/user/init $(INITRD_ROOT)/init
	cp $(BUSYBOX) $(INITRD_ROOT)/bin/busybox
	for a in $(BUSYBOX_APPLETS); do ln -s busybox $(INITRD_ROOT)/bin/$$a; done
	echo "Moat guest" > $(INITRD_ROOT)/etc/motd
	cd $(INITRD_ROOT) && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc --owner 0:0 > $(abspath $@)

ALL_TARGETS += $(BUILD)/initrd.cpio
