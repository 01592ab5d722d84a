/* paravirt-ops: the ONE table through which the kernel performs every privileged operation.
 *
 * Grouped like Linux's paravirt_ops: cpu, irq, mmu, time, lazy, init, machine. The native
 * backend (pv/native.c) fills every slot and is the complete default; the Xen/Moat backend
 * (pv/xen/) is another const table. A backend is installed by ONE structure assignment
 * (`pv_ops = native_pv_ops;`) at the very start of the entry path, before any other C code runs.
 *
 * Invariants:
 *  - Call sites use only the static inline wrappers below, never pv_ops directly and never a
 *    privileged instruction: those live only in pv/native.c and arch/x86_32/<file>.S, which
 *    tools/check-privileged enforces on the built objects.
 *  - Page-table entries passed to and from the mmu ops are in pseudo-physical terms (pfn);
 *    make_pte/pte_val convert to and from what the hardware walks (identity natively, pfn<->mfn
 *    on a PV hypervisor). Generic code never sees a machine frame.
 *  - power_off never returns. */
#ifndef KERNEL_PVOPS_H
#define KERNEL_PVOPS_H
#include <stdint.h>
#include "memmap.h"

typedef uint64_t pte_t; /* level 1 entry (PAE: 64 bits) */
typedef uint64_t pmd_t; /* level 2 entry (page directory) */
typedef uint64_t pud_t; /* level 3 entry (PDPT, 4 per address space) */

struct desc_ptr {
    uint16_t size;    /* limit: bytes - 1 */
    uint32_t address; /* virtual */
} __attribute__((packed));

/* An IDT gate in decoded form: backends encode it (native: hardware gate; Xen: trap_info). */
struct gate {
    uint32_t offset;
    uint16_t selector;
    uint8_t dpl;       /* lowest ring allowed to raise it with int n */
    uint8_t irq_gate;  /* 1: interrupts masked on entry (interrupt gate), 0: trap gate */
};

#define GDT_TLS_ENTRIES 3

struct pv_cpu_ops {
    void (*cpuid)(uint32_t leaf, uint32_t subleaf, uint32_t *eax, uint32_t *ebx,
                  uint32_t *ecx, uint32_t *edx);
    void (*load_gdt)(const struct desc_ptr *gdt);
    void (*write_gdt_entry)(uint64_t *gdt, unsigned index, uint64_t desc);
    void (*load_idt)(const struct desc_ptr *idt);
    void (*write_idt_entry)(uint64_t *idt, unsigned vector, const struct gate *g);
    void (*load_tr)(unsigned selector);
    void (*load_tls)(uint64_t *gdt, unsigned first_index, const uint64_t tls[GDT_TLS_ENTRIES]);
    /* The LDT: `entries` descriptors at virtual `base` (page-aligned; on PV its pages must be
     * mapped read-only), or none with entries == 0. */
    void (*load_ldt)(uint32_t base, unsigned entries);
    void (*load_esp0)(uint32_t ss0, uint32_t esp0);
    void (*set_iopl_mask)(uint32_t iopl_bits); /* EFLAGS.IOPL bits (0 or 0x3000) */
    uint32_t (*read_cr0)(void);
    void (*write_cr0)(uint32_t v);
    uint32_t (*read_cr2)(void);
    uint32_t (*read_cr4)(void);
    void (*write_cr4)(uint32_t v);
    void (*wbinvd)(void);
    uint64_t (*read_msr)(uint32_t msr);
    void (*write_msr)(uint32_t msr, uint64_t v);
    void (*io_delay)(void);
    uint8_t (*inb)(uint16_t port);
    uint16_t (*inw)(uint16_t port);
    uint32_t (*inl)(uint16_t port);
    void (*outb)(uint16_t port, uint8_t v);
    void (*outw)(uint16_t port, uint16_t v);
    void (*outl)(uint16_t port, uint32_t v);
    /* Called by the trap path right before iret with the interrupted context's EFLAGS.
     * Native: nothing (iret restores IF). PV: iret cannot restore the virtual IF, so the
     * backend unmasks events here if the interrupted context had them on. */
    void (*iret_prepare)(uint32_t saved_eflags);
};

struct pv_irq_ops {
    unsigned long (*save_fl)(void);      /* returns the interrupt-enable state (X86_EFLAGS_IF or 0) */
    void (*restore_fl)(unsigned long f); /* restores a value from save_fl */
    void (*irq_disable)(void);
    void (*irq_enable)(void);
    void (*safe_halt)(void);             /* enable interrupts and wait for one, atomically */
    void (*halt)(void);                  /* wait for an interrupt, state unchanged */
};

struct pv_mmu_ops {
    void (*set_pte)(pte_t *ptep, pte_t pte);
    void (*set_pmd)(pmd_t *pmdp, pmd_t pmd);
    void (*set_pud)(pud_t *pudp, pud_t pud);
    void (*pte_clear)(pte_t *ptep);
    uint64_t (*make_pte)(uint64_t pfn_entry); /* pfn-based entry -> hardware entry */
    uint64_t (*pte_val)(uint64_t hw_entry);   /* hardware entry -> pfn-based entry */
    /* A fresh page becomes (alloc) or stops being (release) a page table of `level`
     * (1 = PT, 2 = PD, 3 = PDPT). Native: nothing to do; PV: make it read-only. */
    void (*alloc_pt)(uint32_t pfn, int level);
    void (*release_pt)(uint32_t pfn, int level);
    /* A complete address space (its PDPT) is about to be / no longer is used as cr3. */
    void (*pin_pgd)(uint32_t pfn);
    void (*unpin_pgd)(uint32_t pfn);
    void (*flush_tlb_user)(void);
    void (*flush_tlb_kernel)(void);
    void (*flush_tlb_single)(uint32_t va);
    uint32_t (*read_cr3)(void);   /* pseudo-physical address of the current PDPT */
    void (*write_cr3)(uint32_t pa);
};

struct pv_time_ops {
    uint64_t (*sched_clock)(void);   /* nanoseconds since boot */
    uint32_t (*get_wallclock)(void); /* seconds since 1970-01-01 UTC */
    void (*timer_init)(unsigned hz); /* start the periodic tick that calls timer_tick() */
};

struct pv_lazy_ops {
    void (*enter_lazy_cpu)(void);
    void (*leave_lazy_cpu)(void);
    void (*enter_lazy_mmu)(void);
    void (*leave_lazy_mmu)(void);
    void (*flush)(void); /* issue whatever is batched now, staying in the current mode */
};

struct pv_init_ops {
    const char *(*banner)(void);              /* e.g. "booting natively" */
    void (*memory_setup)(struct memmap *m);   /* usable and reserved RAM of this boot */
    const char *(*cmdline)(void);             /* kernel command line ("" if none) */
};

struct pv_machine_ops {
    void (*power_off)(int status) __attribute__((noreturn)); /* 0 = clean, else failure */
};

struct pv_ops {
    const char *name;
    struct pv_cpu_ops cpu;
    struct pv_irq_ops irq;
    struct pv_mmu_ops mmu;
    struct pv_time_ops time;
    struct pv_lazy_ops lazy;
    struct pv_init_ops init;
    struct pv_machine_ops machine;
};

extern struct pv_ops pv_ops;             /* the installed backend */
extern const struct pv_ops native_pv_ops;

#define X86_EFLAGS_IF 0x200u

/* ---- wrappers: the only way call sites reach the table ---- */
static inline const char *pv_backend_name(void) { return pv_ops.name; }
static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
                               uint32_t *c, uint32_t *d) { pv_ops.cpu.cpuid(leaf, sub, a, b, c, d); }
static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{ pv_ops.cpu.cpuid(leaf, 0, a, b, c, d); }
static inline void load_gdt(const struct desc_ptr *p) { pv_ops.cpu.load_gdt(p); }
static inline void write_gdt_entry(uint64_t *gdt, unsigned i, uint64_t d) { pv_ops.cpu.write_gdt_entry(gdt, i, d); }
static inline void load_idt(const struct desc_ptr *p) { pv_ops.cpu.load_idt(p); }
static inline void write_idt_entry(uint64_t *idt, unsigned v, const struct gate *g) { pv_ops.cpu.write_idt_entry(idt, v, g); }
static inline void load_tr(unsigned sel) { pv_ops.cpu.load_tr(sel); }
static inline void load_tls(uint64_t *gdt, unsigned first, const uint64_t tls[GDT_TLS_ENTRIES]) { pv_ops.cpu.load_tls(gdt, first, tls); }
static inline void load_ldt(uint32_t base, unsigned entries) { pv_ops.cpu.load_ldt(base, entries); }
static inline void load_esp0(uint32_t ss0, uint32_t esp0) { pv_ops.cpu.load_esp0(ss0, esp0); }
static inline void set_iopl_mask(uint32_t m) { pv_ops.cpu.set_iopl_mask(m); }
static inline uint32_t read_cr0(void) { return pv_ops.cpu.read_cr0(); }
static inline void write_cr0(uint32_t v) { pv_ops.cpu.write_cr0(v); }
static inline uint32_t read_cr2(void) { return pv_ops.cpu.read_cr2(); }
static inline uint32_t read_cr4(void) { return pv_ops.cpu.read_cr4(); }
static inline void write_cr4(uint32_t v) { pv_ops.cpu.write_cr4(v); }
static inline void wbinvd(void) { pv_ops.cpu.wbinvd(); }
static inline uint64_t read_msr(uint32_t m) { return pv_ops.cpu.read_msr(m); }
static inline void write_msr(uint32_t m, uint64_t v) { pv_ops.cpu.write_msr(m, v); }
static inline void io_delay(void) { pv_ops.cpu.io_delay(); }
static inline uint8_t inb(uint16_t p) { return pv_ops.cpu.inb(p); }
static inline uint16_t inw(uint16_t p) { return pv_ops.cpu.inw(p); }
static inline uint32_t inl(uint16_t p) { return pv_ops.cpu.inl(p); }
static inline void outb(uint16_t p, uint8_t v) { pv_ops.cpu.outb(p, v); }
static inline void outw(uint16_t p, uint16_t v) { pv_ops.cpu.outw(p, v); }
static inline void outl(uint16_t p, uint32_t v) { pv_ops.cpu.outl(p, v); }
static inline void iret_prepare(uint32_t eflags) { pv_ops.cpu.iret_prepare(eflags); }

static inline unsigned long irq_save(void) { unsigned long f = pv_ops.irq.save_fl(); pv_ops.irq.irq_disable(); return f; }
static inline unsigned long save_fl(void) { return pv_ops.irq.save_fl(); }
static inline void restore_fl(unsigned long f) { pv_ops.irq.restore_fl(f); }
static inline void irq_disable(void) { pv_ops.irq.irq_disable(); }
static inline void irq_enable(void) { pv_ops.irq.irq_enable(); }
static inline void safe_halt(void) { pv_ops.irq.safe_halt(); }
static inline void halt(void) { pv_ops.irq.halt(); }

static inline void set_pte(pte_t *p, pte_t v) { pv_ops.mmu.set_pte(p, v); }
static inline void set_pmd(pmd_t *p, pmd_t v) { pv_ops.mmu.set_pmd(p, v); }
static inline void set_pud(pud_t *p, pud_t v) { pv_ops.mmu.set_pud(p, v); }
static inline void pte_clear(pte_t *p) { pv_ops.mmu.pte_clear(p); }
static inline uint64_t make_pte(uint64_t e) { return pv_ops.mmu.make_pte(e); }
static inline uint64_t pte_val(uint64_t e) { return pv_ops.mmu.pte_val(e); }
static inline void alloc_pt(uint32_t pfn, int level) { pv_ops.mmu.alloc_pt(pfn, level); }
static inline void release_pt(uint32_t pfn, int level) { pv_ops.mmu.release_pt(pfn, level); }
static inline void pin_pgd(uint32_t pfn) { pv_ops.mmu.pin_pgd(pfn); }
static inline void unpin_pgd(uint32_t pfn) { pv_ops.mmu.unpin_pgd(pfn); }
static inline void flush_tlb_user(void) { pv_ops.mmu.flush_tlb_user(); }
static inline void flush_tlb_kernel(void) { pv_ops.mmu.flush_tlb_kernel(); }
static inline void flush_tlb_single(uint32_t va) { pv_ops.mmu.flush_tlb_single(va); }
static inline uint32_t read_cr3(void) { return pv_ops.mmu.read_cr3(); }
static inline void write_cr3(uint32_t pa) { pv_ops.mmu.write_cr3(pa); }

static inline uint64_t sched_clock(void) { return pv_ops.time.sched_clock(); }
static inline uint32_t get_wallclock(void) { return pv_ops.time.get_wallclock(); }
static inline void timer_init(unsigned hz) { pv_ops.time.timer_init(hz); }

static inline void enter_lazy_cpu(void) { pv_ops.lazy.enter_lazy_cpu(); }
static inline void leave_lazy_cpu(void) { pv_ops.lazy.leave_lazy_cpu(); }
static inline void enter_lazy_mmu(void) { pv_ops.lazy.enter_lazy_mmu(); }
static inline void leave_lazy_mmu(void) { pv_ops.lazy.leave_lazy_mmu(); }
static inline void lazy_flush(void) { pv_ops.lazy.flush(); }

static inline const char *pv_banner(void) { return pv_ops.init.banner(); }
static inline void memory_setup(struct memmap *m) { pv_ops.init.memory_setup(m); }
static inline const char *boot_cmdline(void) { return pv_ops.init.cmdline(); }

static inline __attribute__((noreturn)) void power_off(int status) { pv_ops.machine.power_off(status); }

#endif
