# lib/: code shared by the hypervisor and the guest kernel (freestanding) and unit-tested on the host.
LIB_SRCS := lib/string.c lib/format.c lib/cmdline.c
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
# gcc may turn a byte loop inside memset/memcpy into a call to memset/memcpy itself.
lib_CFLAGS := -fno-tree-loop-distribute-patterns
