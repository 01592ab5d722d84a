/* Host tests of exec's ELF32 checks (kernel/proc/elf.c): a normal static executable passes
 * with the values exec uses; every field a hostile binary could use to map memory where it
 * must not, or to make exec read outside the file, is refused with -ENOEXEC. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "elf_load.h"
#include "uapi.h"
#include "vm.h"

#define TOP 0xB8000000u
#define FILE_SIZE 0x20000u

static uint8_t eh[52], ph[2 * 32];

static void w32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void w16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

static void phdr(int i, uint32_t type, uint32_t off, uint32_t vaddr, uint32_t filesz, uint32_t memsz, uint32_t flags)
{
    uint8_t *p = ph + 32 * i;
    memset(p, 0, 32);
    w32(p, type);
    w32(p + 4, off);
    w32(p + 8, vaddr);
    w32(p + 12, vaddr);
    w32(p + 16, filesz);
    w32(p + 20, memsz);
    w32(p + 24, flags);
    w32(p + 28, 0x1000);
}

static void good(void)
{
    memset(eh, 0, sizeof eh);
    memcpy(eh, "\177ELF\1\1\1", 7);
    w16(eh + 16, 2);          /* ET_EXEC */
    w16(eh + 18, 3);          /* EM_386 */
    w32(eh + 20, 1);
    w32(eh + 24, 0x08049000); /* entry */
    w32(eh + 28, 52);         /* phoff */
    w16(eh + 42, 32);
    w16(eh + 44, 2);
    phdr(0, 1, 0, 0x08048000, 0x2000, 0x2000, 5);           /* text R E, maps the headers */
    phdr(1, 1, 0x3f00, 0x0804bf00, 0x100, 0x3000, 6);       /* data RW + bss */
}

static int check(void)
{
    struct elf_info info;
    int r = elf_check_header(eh, sizeof eh, FILE_SIZE, &info);
    if (r)
        return r;
    return elf_check_phdrs(ph, FILE_SIZE, TOP, &info);
}

static void accepts_a_static_executable(void **s)
{
    good();
    struct elf_info info;
    assert_int_equal(elf_check_header(eh, sizeof eh, FILE_SIZE, &info), 0);
    assert_int_equal(elf_check_phdrs(ph, FILE_SIZE, TOP, &info), 0);
    assert_int_equal(info.entry, 0x08049000);
    assert_int_equal(info.nload, 2);
    assert_int_equal(info.phdr_vaddr, 0x08048000 + 52);
    assert_int_equal(info.end, 0x0804bf00 + 0x3000);
    assert_int_equal(info.load[0].prot, VMA_READ | VMA_EXEC);
    assert_int_equal(info.load[1].prot, VMA_READ | VMA_WRITE);
}

static void refuses_bad_headers(void **s)
{
    good(); eh[0] = 0;                  assert_int_equal(check(), -ENOEXEC);
    good(); eh[4] = 2;                  assert_int_equal(check(), -ENOEXEC); /* ELF64 */
    good(); eh[5] = 2;                  assert_int_equal(check(), -ENOEXEC); /* big endian */
    good(); w16(eh + 16, 3);            assert_int_equal(check(), -ENOEXEC); /* ET_DYN */
    good(); w16(eh + 18, 62);           assert_int_equal(check(), -ENOEXEC); /* x86-64 */
    good(); w16(eh + 42, 56);           assert_int_equal(check(), -ENOEXEC);
    good(); w16(eh + 44, 0);            assert_int_equal(check(), -ENOEXEC);
    good(); w16(eh + 44, 65);           assert_int_equal(check(), -ENOEXEC);
    good(); w32(eh + 28, FILE_SIZE - 40); assert_int_equal(check(), -ENOEXEC); /* table past EOF */
    good(); w32(eh + 28, 0xffffffe0u);  assert_int_equal(check(), -ENOEXEC);
    good(); w32(eh + 24, 0xC0001000u);  assert_int_equal(check(), -ENOEXEC); /* entry in the kernel */
    good();
    struct elf_info info;
    assert_int_equal(elf_check_header(eh, 51, FILE_SIZE, &info), -ENOEXEC); /* short read */
}

static void refuses_bad_segments(void **s)
{
    good(); phdr(1, 3, 0, 0, 10, 10, 4);                                  /* PT_INTERP */
    assert_int_equal(check(), -ENOEXEC);
    good(); phdr(1, 1, 0x3f00, 0x0804bf00, 0x4000, 0x3000, 6);            /* filesz > memsz */
    assert_int_equal(check(), -ENOEXEC);
    good(); phdr(1, 1, FILE_SIZE - 0x10, 0x0804bff0, 0x100, 0x100, 6);    /* data past EOF */
    assert_int_equal(check(), -ENOEXEC);
    good(); phdr(1, 1, 0x3f00, TOP - 0x100, 0x100, 0x1000, 6);            /* reaches the top */
    assert_int_equal(check(), -ENOEXEC);
    good(); phdr(1, 1, 0x3f00, 0xC0000f00u, 0x100, 0x100, 6);             /* kernel address */
    assert_int_equal(check(), -ENOEXEC);
    good(); phdr(1, 1, 0x3f00, 0xfffffff0u, 0x100, 0x100, 6);             /* wraps */
    assert_int_equal(check(), -ENOEXEC);
    good(); phdr(1, 1, 0x3f00, 0x0804b000, 0x100, 0x100, 6);              /* offset/vaddr mismatch */
    assert_int_equal(check(), -ENOEXEC);
    good(); phdr(1, 1, 0x1f00, 0x08049f00, 0x100, 0x100, 6);              /* shares a page with text */
    assert_int_equal(check(), -ENOEXEC);
    good(); phdr(1, 1, 0x3f00, 0x0804bf00, 0, 0, 6);                      /* empty */
    assert_int_equal(check(), -ENOEXEC);
    good(); phdr(0, 1, 0, 0x00000000, 0x2000, 0x2000, 5);                 /* page 0 */
    assert_int_equal(check(), -ENOEXEC);
    good(); phdr(0, 4, 0, 0, 0, 0, 4); phdr(1, 4, 0, 0, 0, 0, 4);         /* no PT_LOAD */
    assert_int_equal(check(), -ENOEXEC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_a_static_executable),
        cmocka_unit_test(refuses_bad_headers),
        cmocka_unit_test(refuses_bad_segments),
    };
    return cmocka_run_group_tests_name("kernel_elf_load", tests, NULL, NULL);
}
