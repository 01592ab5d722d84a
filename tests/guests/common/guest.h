/* A minimal runtime for the Moat test guests: third-party-style Xen x86_32 PAE PV guests that
 * use nothing but Xen's public headers (no Moat code), so that what they observe is the Xen
 * ABI and nothing else. Each guest has its own ELF notes (notes-*.S) and hypercall page. */
#ifndef TEST_GUEST_H
#define TEST_GUEST_H
#include <stdint.h>
#include <stddef.h>
#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/version.h>
#include <xen/errno.h>

extern char hypercall_page[4096];
extern start_info_t *start_info;

/* Calls through the hypercall page, as a Xen guest does: entry nr is at hypercall_page + nr*32.
 * Argument registers are outputs too: a debug Xen clobbers them. */
#define HCALL_ENTRY(nr) "call hypercall_page + " #nr " * 32"
#define hypercall2(nr, a1, a2) ({                                                        \
    long r_; unsigned long b_ = (unsigned long)(a1), c_ = (unsigned long)(a2);           \
    asm volatile(HCALL_ENTRY(nr) : "=a"(r_), "+b"(b_), "+c"(c_) : : "memory", "edx");    \
    r_; })
#define hypercall3(nr, a1, a2, a3) ({                                                    \
    long r_; unsigned long b_ = (unsigned long)(a1), c_ = (unsigned long)(a2),           \
        d_ = (unsigned long)(a3);                                                        \
    asm volatile(HCALL_ENTRY(nr) : "=a"(r_), "+b"(b_), "+c"(c_), "+d"(d_) : : "memory"); \
    r_; })

/* The numbers are spelled out because the asm string needs a literal; static asserts in
 * guest.c tie them to the headers. */
#define HYPERVISOR_console_io(cmd, n, p) hypercall3(18, cmd, n, p)
#define HYPERVISOR_xen_version(cmd, arg) hypercall2(17, cmd, arg)
#define HYPERVISOR_vm_assist(cmd, type) hypercall2(21, cmd, type)
#define HYPERVISOR_sched_op(cmd, arg) hypercall2(29, cmd, arg)

/* A hypercall by number, straight through the trap gate (for numbers with no page entry). */
static inline long hypercall_raw(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3)
{
    long r;
    asm volatile("int $0x82" : "=a"(r), "+b"(a1), "+c"(a2), "+d"(a3) : "0"(nr) : "memory",
                 "esi", "edi");
    return r;
}

/* Xen's forced-emulation prefix: ud2; .ascii "xen"; cpuid -> the hypervisor's CPUID view. */
static inline void pv_cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    asm volatile(".byte 0x0f, 0x0b; .ascii \"xen\"; cpuid"
                 : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "0"(leaf), "2"(0));
}

/* printf subset: %s %c %d %u %x, 0 flag, width. Not format-checked: on i386 int and long are
 * the same size and every integer is read as a 32-bit value. */
void print(const char *fmt, ...);
size_t str_len(const char *s);
int str_eq(const char *a, const char *b);
int mem_eq(const void *a, const void *b, size_t n);
void shutdown(unsigned int reason) __attribute__((noreturn));

/* Each guest's main; returns the shutdown reason. */
unsigned int guest_main(void);

#endif
