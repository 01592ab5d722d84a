/* ELF32 checks for exec (see elf_load.h). Every field that exec later trusts to map memory is
 * validated here: a hostile binary gets -ENOEXEC, never a mapping over the kernel. */
#include <stdint.h>
#include <lib/string.h>
#include "elf_load.h"
#include "uapi.h"
#include "vm.h"

#define PT_LOAD 1
#define PT_INTERP 3
#define PT_PHDR 6
#define PF_X 1
#define PF_W 2
#define PF_R 4

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

int elf_check_header(const uint8_t *h, uint32_t len, uint32_t file_size, struct elf_info *info)
{
    memset(info, 0, sizeof *info);
    if (len < 52 || memcmp(h, "\177ELF", 4))
        return -ENOEXEC;
    if (h[4] != 1 /* ELFCLASS32 */ || h[5] != 1 /* little endian */ || h[6] != 1)
        return -ENOEXEC;
    uint16_t type = rd16(h + 16), machine = rd16(h + 18);
    if (type != 2 /* ET_EXEC */ || machine != 3 /* EM_386 */)
        return -ENOEXEC;
    uint32_t phoff = rd32(h + 28);
    uint16_t phentsize = rd16(h + 42), phnum = rd16(h + 44);
    if (phentsize != 32 || phnum == 0 || phnum > ELF_MAX_PHNUM)
        return -ENOEXEC;
    if (phoff > file_size || (uint32_t)phnum * 32 > file_size - phoff)
        return -ENOEXEC;
    info->entry = rd32(h + 24);
    info->phoff = phoff;
    info->phnum = phnum;
    return 0;
}

int elf_check_phdrs(const uint8_t *ph, uint32_t file_size, uint32_t user_top, struct elf_info *info)
{
    uint32_t prev_end = 0;
    for (uint32_t i = 0; i < info->phnum; i++) {
        const uint8_t *p = ph + 32 * i;
        uint32_t type = rd32(p), off = rd32(p + 4), vaddr = rd32(p + 8), filesz = rd32(p + 16);
        uint32_t memsz = rd32(p + 20), flags = rd32(p + 24);
        if (type == PT_INTERP)
            return -ENOEXEC;
        if (type == PT_PHDR)
            info->phdr_vaddr = vaddr;
        if (type != PT_LOAD)
            continue;
        if (info->nload >= ELF_MAX_LOADS || memsz == 0 || filesz > memsz)
            return -ENOEXEC;
        if (off > file_size || filesz > file_size - off)
            return -ENOEXEC;
        if (vaddr < USER_MIN || vaddr >= user_top || memsz > user_top - vaddr)
            return -ENOEXEC;
        if ((vaddr & 0xfff) != (off & 0xfff))
            return -ENOEXEC;
        uint32_t start = vaddr & ~0xfffu;
        if (start < prev_end) /* sorted and not sharing a page with the previous segment */
            return -ENOEXEC;
        prev_end = (vaddr + memsz + 0xfff) & ~0xfffu;
        if (prev_end == 0 || prev_end > user_top)
            return -ENOEXEC;
        struct elf_segment *s = &info->load[info->nload++];
        s->vaddr = vaddr;
        s->memsz = memsz;
        s->filesz = filesz;
        s->offset = off;
        s->prot = (flags & PF_R ? VMA_READ : 0) | (flags & PF_W ? VMA_WRITE : 0) | (flags & PF_X ? VMA_EXEC : 0);
        if (vaddr + memsz > info->end)
            info->end = vaddr + memsz;
        /* AT_PHDR when there is no PT_PHDR: the segment that maps the header table. */
        if (!info->phdr_vaddr && info->phoff >= off && info->phoff - off < filesz)
            info->phdr_vaddr = vaddr + (info->phoff - off);
    }
    if (!info->nload)
        return -ENOEXEC;
    if (info->entry < USER_MIN || info->entry >= user_top)
        return -ENOEXEC;
    return 0;
}
