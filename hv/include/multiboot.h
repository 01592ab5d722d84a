/* Multiboot v1 information structure (only the parts Moat reads). All addresses physical. */
#ifndef MOAT_MULTIBOOT_H
#define MOAT_MULTIBOOT_H
#include <stdint.h>

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u
#define MBI_FLAG_MEM     (1u << 0)
#define MBI_FLAG_CMDLINE (1u << 2)
#define MBI_FLAG_MODS    (1u << 3)
#define MBI_FLAG_MMAP    (1u << 6)

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

struct multiboot_mod {
    uint32_t mod_start, mod_end;
    uint32_t string;
    uint32_t reserved;
} __attribute__((packed));

struct multiboot_mmap_entry {
    uint32_t size;          /* of the rest of the entry, not counting this field */
    uint64_t addr, len;
    uint32_t type;          /* 1 = available RAM */
} __attribute__((packed));

/* What Moat keeps from the multiboot information (copied early: the loader's structures live
 * in frames the allocator may hand out later). */
#define BOOT_MAX_MODS    4
#define BOOT_MAX_RANGES 32
struct boot_module { uint32_t start, end; char string[1024]; };
struct boot_range { uint64_t start, end; };   /* [start, end) physical */
struct boot_info {
    char cmdline[1024];                          /* Moat's own options */
    uint32_t nr_mods;
    struct boot_module mods[BOOT_MAX_MODS];
    uint32_t nr_ram;
    struct boot_range ram[BOOT_MAX_RANGES];     /* usable RAM, sorted, page-trimmed */
};

/* Copies and validates the loader's information; panics (with the reason) if unusable. */
void multiboot_read(uint32_t magic, uint32_t mbi_pa, struct boot_info *out);
#endif
