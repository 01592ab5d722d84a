/* Native boot information from a multiboot v1 loader: command line, memory map, modules.
 *
 * The loader places its information (and QEMU places it right after the kernel image) in memory
 * the page allocator will later hand out, so everything needed is copied into kernel data by
 * multiboot_early_copy() before the first allocation. Every loader-supplied address is checked
 * against the boot mapping before it is dereferenced. */
#include <stdint.h>
#include <lib/string.h>
#include "boot.h"
#include "mm.h"
#include "memmap.h"
#include "printk.h"
#include "options.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u
#define MBI_FLAG_MEM 0x001u
#define MBI_FLAG_CMDLINE 0x004u
#define MBI_FLAG_MODS 0x008u
#define MBI_FLAG_MMAP 0x040u

struct multiboot_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

struct multiboot_mod {
    uint32_t mod_start, mod_end, string, reserved;
} __attribute__((packed));

struct multiboot_mmap_entry {
    uint32_t size; /* of the rest of the entry */
    uint64_t addr, len;
    uint32_t type; /* 1 = available RAM */
} __attribute__((packed));

#define MAX_MMAP 32
#define MAX_MODS 8

static char cmdline_copy[512];
static struct { uint64_t addr, len; uint32_t type; } mmap_copy[MAX_MMAP];
static unsigned nr_mmap;
static struct { uint32_t start, end; } mods_copy[MAX_MODS];
static unsigned nr_mods;
static uint32_t mem_upper_kb;
static int have_mbi;

/* Is [pa, pa+len) inside the boot mapping of low memory? */
static int mapped(uint32_t pa, uint32_t len)
{
    return pa + len >= pa && pa + len <= LOWMEM_LIMIT;
}

static void copy_string(char *dst, unsigned size, uint32_t pa)
{
    dst[0] = 0;
    if (!mapped(pa, 1))
        return;
    unsigned i = 0;
    const char *src = phys_to_virt(pa);
    while (i + 1 < size && mapped(pa + i, 1) && src[i]) {
        dst[i] = src[i];
        i++;
    }
    dst[i] = 0;
}

void multiboot_early_copy(void)
{
    if (multiboot_magic != MULTIBOOT_BOOTLOADER_MAGIC || !mapped(multiboot_info_phys, sizeof(struct multiboot_info)))
        return;
    const struct multiboot_info *mbi = phys_to_virt(multiboot_info_phys);
    have_mbi = 1;
    if (mbi->flags & MBI_FLAG_CMDLINE)
        copy_string(cmdline_copy, sizeof cmdline_copy, mbi->cmdline);
    if (mbi->flags & MBI_FLAG_MEM)
        mem_upper_kb = mbi->mem_upper;
    if ((mbi->flags & MBI_FLAG_MMAP) && mapped(mbi->mmap_addr, mbi->mmap_length)) {
        uint32_t off = 0;
        while (off + sizeof(struct multiboot_mmap_entry) <= mbi->mmap_length && nr_mmap < MAX_MMAP) {
            const struct multiboot_mmap_entry *e = phys_to_virt(mbi->mmap_addr + off);
            mmap_copy[nr_mmap].addr = e->addr;
            mmap_copy[nr_mmap].len = e->len;
            mmap_copy[nr_mmap].type = e->type;
            nr_mmap++;
            if (e->size < 20)
                break; /* malformed: would loop or misparse */
            off += e->size + 4;
        }
    }
    if ((mbi->flags & MBI_FLAG_MODS) && mbi->mods_count &&
        mapped(mbi->mods_addr, mbi->mods_count * sizeof(struct multiboot_mod))) {
        const struct multiboot_mod *m = phys_to_virt(mbi->mods_addr);
        for (uint32_t i = 0; i < mbi->mods_count && nr_mods < MAX_MODS; i++) {
            if (m[i].mod_end < m[i].mod_start)
                continue;
            mods_copy[nr_mods].start = m[i].mod_start;
            mods_copy[nr_mods].end = m[i].mod_end;
            nr_mods++;
        }
    }
}

const char *multiboot_cmdline(void) { return options_skip_image_name(cmdline_copy); }

const char *multiboot_banner(void) { return "booting natively"; }

void multiboot_memory_setup(struct memmap *m)
{
    if (nr_mmap) {
        for (unsigned i = 0; i < nr_mmap; i++)
            if (mmap_copy[i].type == 1)
                memmap_add_usable(m, mmap_copy[i].addr, mmap_copy[i].len, LOWMEM_LIMIT_PFN);
    } else if (have_mbi && mem_upper_kb) {
        /* No map: the basic mem_upper field (KB above 1 MB) is all we know. */
        memmap_add_usable(m, 0x100000, (uint64_t)mem_upper_kb << 10, LOWMEM_LIMIT_PFN);
    }
    /* The first megabyte holds real-mode structures, the BIOS and legacy holes. */
    memmap_add_reserved(m, 0, 0x100000);
    memmap_add_reserved(m, virt_to_phys(_text), (uint32_t)(_end - _text));
    for (unsigned i = 0; i < nr_mods; i++)
        memmap_add_reserved(m, mods_copy[i].start, mods_copy[i].end - mods_copy[i].start);
    if (nr_mods && mapped(mods_copy[0].start, mods_copy[0].end - mods_copy[0].start)) {
        boot_initrd = phys_to_virt(mods_copy[0].start);
        boot_initrd_len = mods_copy[0].end - mods_copy[0].start;
    }
}
