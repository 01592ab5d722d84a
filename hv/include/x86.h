/* Thin wrappers around the privileged x86 instructions Moat uses (ring 0 only). */
#ifndef MOAT_X86_H
#define MOAT_X86_H
#include <stdint.h>

#define X86_CR0_PE 0x00000001u
#define X86_CR0_MP 0x00000002u
#define X86_CR0_EM 0x00000004u
#define X86_CR0_TS 0x00000008u
#define X86_CR0_NE 0x00000020u
#define X86_CR0_WP 0x00010000u
#define X86_CR0_PG 0x80000000u
#define X86_CR4_PSE 0x00000010u
#define X86_CR4_PAE 0x00000020u
#define X86_CR4_PGE 0x00000080u
#define X86_CR4_OSFXSR 0x00000200u
#define X86_CR4_OSXMMEXCPT 0x00000400u
#define X86_EFLAGS_IF 0x00000200u
#define X86_EFLAGS_IOPL 0x00003000u
#define X86_EFLAGS_NT 0x00004000u
#define X86_EFLAGS_VM 0x00020000u
#define MSR_EFER 0xC0000080u
#define EFER_NXE (1u << 11)


static inline uint32_t read_cr0(void) { uint32_t v; asm volatile("mov %%cr0,%0" : "=r"(v)); return v; }
static inline uint32_t read_cr2(void) { uint32_t v; asm volatile("mov %%cr2,%0" : "=r"(v)); return v; }
static inline uint32_t read_cr3(void) { uint32_t v; asm volatile("mov %%cr3,%0" : "=r"(v)); return v; }
static inline uint32_t read_cr4(void) { uint32_t v; asm volatile("mov %%cr4,%0" : "=r"(v)); return v; }
static inline void write_cr0(uint32_t v) { asm volatile("mov %0,%%cr0" :: "r"(v) : "memory"); }
static inline void write_cr3(uint32_t v) { asm volatile("mov %0,%%cr3" :: "r"(v) : "memory"); }
static inline void write_cr4(uint32_t v) { asm volatile("mov %0,%%cr4" :: "r"(v) : "memory"); }
static inline void invlpg(const void *va) { asm volatile("invlpg (%0)" :: "r"(va) : "memory"); }

/* Flushes every TLB entry including global ones (toggle CR4.PGE). */
static inline void flush_tlb_all(void)
{
    uint32_t cr4 = read_cr4();
    if (cr4 & X86_CR4_PGE) {
        write_cr4(cr4 & ~X86_CR4_PGE);
        write_cr4(cr4);
    } else {
        write_cr3(read_cr3());
    }
}

static inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0,%1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; asm volatile("inb %1,%0" : "=a"(v) : "Nd"(port)); return v; }

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    asm volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
                               uint32_t *c, uint32_t *d)
{
    asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline void __attribute__((noreturn)) halt_forever(void) { for (;;) asm volatile("cli; hlt"); }

/* Pseudo-descriptor for lgdt/lidt. */
struct __attribute__((packed)) desc_ptr {
    uint16_t limit;
    uint32_t base;
};
static inline void lgdt(const struct desc_ptr *p) { asm volatile("lgdt %0" :: "m"(*p)); }
static inline void lidt(const struct desc_ptr *p) { asm volatile("lidt %0" :: "m"(*p)); }
static inline void ltr(uint16_t sel) { asm volatile("ltr %0" :: "r"(sel)); }
#endif
