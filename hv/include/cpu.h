/* Per-physical-CPU state. Each CPU runs on its own MOAT_STACK_SIZE stack from cpu_stacks[],
 * aligned to its size, so this_cpu() is found from %esp without any segment trick. The top 68
 * bytes of that stack are the frame slot a guest entry lands in (TSS.esp0 = top - 16). */
#ifndef MOAT_CPU_H
#define MOAT_CPU_H
#include <stdint.h>
#include <xen/xen.h>
#include "memlayout.h"

struct vcpu;

struct tss32 {
    uint16_t link, _r0;
    uint32_t esp0; uint16_t ss0, _r1;
    uint32_t esp1; uint16_t ss1, _r2;
    uint32_t esp2; uint16_t ss2, _r3;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint16_t es, _r4, cs, _r5, ss, _r6, ds, _r7, fs, _r8, gs, _r9, ldt, _r10;
    uint16_t trap, iomap_base;
} __attribute__((packed));

struct cpu {
    uint32_t id;
    struct vcpu *current;          /* the vcpu whose address space and frame are live */
    struct tss32 tss;
    uint64_t *gdt_reserved;        /* this CPU's 1024 reserved GDT entries (2 frames) */
    uint32_t mapcache_depth;       /* frame_map() slots in use (strictly nested) */
    /* hypercall in progress: set by the dispatcher, read by hypercall_continue() */
    struct cpu_user_regs *hc_regs;
    int hc_continued;
};

extern struct cpu cpus[MOAT_MAX_CPUS];
extern uint8_t cpu_stacks[MOAT_MAX_CPUS][MOAT_STACK_SIZE];

#ifndef MOAT_HOST_TEST
static inline struct cpu *this_cpu(void)
{
    uint32_t esp;
    asm volatile("movl %%esp, %0" : "=r"(esp));
    return &cpus[(esp - (uint32_t)cpu_stacks) / MOAT_STACK_SIZE];
}
#else
extern struct cpu *host_test_cpu;   /* host unit tests: the simulated current CPU */
static inline struct cpu *this_cpu(void) { return host_test_cpu; }
#endif

/* Where a ring-1/ring-3 entry's frame lands on CPU c (and where enter_frame() leaves from). */
static inline struct cpu_user_regs *cpu_guest_frame(struct cpu *c)
{
    return (struct cpu_user_regs *)(cpu_stacks[c->id] + MOAT_STACK_SIZE - sizeof(struct cpu_user_regs));
}

static inline int guest_mode(const struct cpu_user_regs *r) { return (r->cs & 3) != 0; }

void cpu_init_boot(void);                 /* struct cpu for the boot CPU */
void gdt_init_cpu(struct cpu *c);         /* GDT reserved entries, TSS, lgdt/ltr */
void idt_init(void);
void idt_load(void);
void pic_init(void);
void enter_frame(struct cpu_user_regs *frame) __attribute__((noreturn));
#endif
