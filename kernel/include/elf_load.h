/* Checks of static ELF32 i386 executables before exec maps them (pure, host-tested). */
#ifndef KERNEL_ELF_LOAD_H
#define KERNEL_ELF_LOAD_H
#include <stdint.h>

#define ELF_MAX_LOADS 8
#define ELF_MAX_PHNUM 64

struct elf_segment {
    uint32_t vaddr, memsz, filesz, offset;
    uint32_t prot; /* VMA_READ/WRITE/EXEC */
};

struct elf_info {
    uint32_t entry;
    uint32_t phoff, phnum;
    uint32_t phdr_vaddr;  /* where the program headers are in memory (AT_PHDR), 0 if not */
    uint32_t nload;
    struct elf_segment load[ELF_MAX_LOADS];
    uint32_t end;         /* highest vaddr + memsz: the initial program break */
};

/* Step 1: the 52-byte header. 0, or -ENOEXEC (not an ELF32 i386 executable, or the program
 * header table is not inside the file). Fills entry, phoff, phnum. */
int elf_check_header(const uint8_t *ehdr, uint32_t len, uint32_t file_size, struct elf_info *info);
/* Step 2: the program headers (phnum * 32 bytes). 0, or -ENOEXEC for: a PT_INTERP (dynamic
 * programs are not supported), no PT_LOAD, too many, filesz > memsz, data beyond the file,
 * a segment reaching user_top or wrapping, misaligned offset/vaddr, overlapping pages. */
int elf_check_phdrs(const uint8_t *ph, uint32_t file_size, uint32_t user_top, struct elf_info *info);
#endif
