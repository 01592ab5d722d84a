/* The register frame every exception/interrupt stub (arch/x86_32/entry.S) builds. */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H
#include <stdint.h>

struct trap_frame {
    uint32_t edi, esi, ebp, esp_at_pusha, ebx, edx, ecx, eax; /* pushal */
    uint32_t gs, fs, es, ds;
    uint32_t vector, error;
    uint32_t eip, cs, eflags;
    uint32_t user_esp, user_ss; /* only present when the trap came from another ring */
};

#define NR_EXCEPTIONS 32
#define IRQ_BASE 32
#define NR_LEGACY_IRQS 16

/* A handler returns 1 if it handled the trap (execution resumes with the frame), 0 to let the
 * default action (register dump + power off with failure) happen. */
typedef int (*trap_handler_fn)(struct trap_frame *f);

/* Set by the backend once exceptions really reach trap_dispatch (IDT loaded, or the
 * hypervisor accepted the trap table). Tests that raise exceptions check it first, so a missing
 * trap table is a test failure, not a crash of the whole run. */
extern int traps_installed;

/* Installs a handler for a vector; returns the previous one (tests restore it). */
trap_handler_fn trap_set_handler(unsigned vector, trap_handler_fn fn);
void trap_dispatch(struct trap_frame *f);
const char *exception_name(unsigned vector); /* "#PF", ... */
/* Prints the dump and powers off with failure. */
void __attribute__((noreturn)) trap_panic(struct trap_frame *f);

/* The stub addresses (entry.S), vectors 0..47. */
extern const uint32_t trap_entry_table[NR_EXCEPTIONS + NR_LEGACY_IRQS];

/* Prints `KERNEL PANIC: <message>` and powers off with failure. */
void __attribute__((noreturn)) panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
