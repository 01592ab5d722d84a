/* Reads the multiboot v1 information into struct boot_info (multiboot.h).
 *
 * Everything the loader gives is read through the direct map after a bounds check, strings
 * are copied with a length limit, and the memory map is reduced to sorted, page-trimmed,
 * non-overlapping RAM ranges. The loader's own structures are not trusted to stay put. */
#include <stdint.h>
#include <lib/string.h>
#include "multiboot.h"
#include "memlayout.h"
#include "console.h"

static const void *phys(uint64_t pa, uint64_t len, const char *what)
{
    if (!dm_reachable(pa, len))
        panic("multiboot %s at %#llx (+%llu) is outside the direct map", what,
              (unsigned long long)pa, (unsigned long long)len);
    return dm_va((uint32_t)pa);
}

static void copy_string(char *dst, uint32_t size, uint32_t pa, const char *what)
{
    dst[0] = 0;
    if (!pa)
        return;
    const char *s = phys(pa, 1, what);
    uint32_t i = 0;
    while (i + 1 < size && dm_reachable(pa + i, 1) && s[i]) {
        dst[i] = s[i];
        i++;
    }
    dst[i] = 0;
}

static void add_ram(struct boot_info *bi, uint64_t start, uint64_t len)
{
    uint64_t s = (start + 0xFFF) & ~0xFFFull, e = (start + len) & ~0xFFFull;
    if (start + len < start || e <= s)
        return;
    if (bi->nr_ram == BOOT_MAX_RANGES) {
        log_warn("memory map: more than %u RAM ranges, ignoring %#llx-%#llx\n", BOOT_MAX_RANGES,
                 (unsigned long long)s, (unsigned long long)e);
        return;
    }
    /* insert sorted, then merge overlaps */
    uint32_t i = bi->nr_ram++;
    while (i > 0 && bi->ram[i - 1].start > s) {
        bi->ram[i] = bi->ram[i - 1];
        i--;
    }
    bi->ram[i] = (struct boot_range){s, e};
    uint32_t out = 0;
    for (uint32_t k = 0; k < bi->nr_ram; k++) {
        if (out && bi->ram[k].start <= bi->ram[out - 1].end) {
            if (bi->ram[k].end > bi->ram[out - 1].end)
                bi->ram[out - 1].end = bi->ram[k].end;
        } else {
            bi->ram[out++] = bi->ram[k];
        }
    }
    bi->nr_ram = out;
}

void multiboot_read(uint32_t magic, uint32_t mbi_pa, struct boot_info *bi)
{
    memset(bi, 0, sizeof(*bi));
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
        panic("not started by a multiboot loader (magic %#x)", magic);
    const struct multiboot_info *mbi = phys(mbi_pa, sizeof(*mbi), "information");

    if (mbi->flags & MBI_FLAG_CMDLINE)
        copy_string(bi->cmdline, sizeof(bi->cmdline), mbi->cmdline, "command line");

    if (mbi->flags & MBI_FLAG_MMAP) {
        uint32_t off = 0;
        while (off + 4 <= mbi->mmap_length) {
            const struct multiboot_mmap_entry *e = phys((uint64_t)mbi->mmap_addr + off,
                                                        sizeof(*e), "memory map");
            if (e->size < 20)
                break;
            if (e->type == 1)
                add_ram(bi, e->addr, e->len);
            off += e->size + 4;
        }
    } else if (mbi->flags & MBI_FLAG_MEM) {
        add_ram(bi, 0, (uint64_t)mbi->mem_lower << 10);
        add_ram(bi, 0x100000, (uint64_t)mbi->mem_upper << 10);
    }
    if (bi->nr_ram == 0)
        panic("the loader reported no usable RAM");

    if (mbi->flags & MBI_FLAG_MODS) {
        uint32_t n = mbi->mods_count;
        if (n > BOOT_MAX_MODS) {
            log_warn("%u multiboot modules, using the first %u\n", n, BOOT_MAX_MODS);
            n = BOOT_MAX_MODS;
        }
        const struct multiboot_mod *m = phys(mbi->mods_addr, (uint64_t)n * sizeof(*m), "modules");
        for (uint32_t i = 0; i < n; i++) {
            if (m[i].mod_end < m[i].mod_start)
                panic("multiboot module %u ends before it starts", i);
            bi->mods[i].start = m[i].mod_start;
            bi->mods[i].end = m[i].mod_end;
            copy_string(bi->mods[i].string, sizeof(bi->mods[i].string), m[i].string, "module string");
        }
        bi->nr_mods = n;
    }
}
