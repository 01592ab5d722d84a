/* int $0x80 dispatch (Linux i386 convention: eax = number, arguments in ebx ecx edx esi edi
 * ebp, result in eax with -errno for failures). The table is generated from SYSCALL_LIST
 * (syscalls.h), the single source of truth; bounds are checked before indexing. */
#include <stdint.h>
#include "syscalls.h"
#include "desc.h"
#include "printk.h"
#include "proc.h"
#include "trap.h"
#include "pv/pvops.h"

typedef long (*sys_fn)(SYSARGS);
struct syscall_desc {
    const char *name;
    sys_fn fn;
    uint8_t nargs;
};

#define ENTRY(nr, name, n) [nr] = { #name, sys_##name, n },
static const struct syscall_desc syscall_table[NR_SYSCALLS] = { SYSCALL_LIST(ENTRY) };
#undef ENTRY

/* Numbers below ENOSYS_TRACKED are logged once each; above it (no Linux call has such a
 * number) only the first ENOSYS_BIG distinct ones are, then one line saying the rest are not. */
#define ENOSYS_TRACKED 1024
#define ENOSYS_BIG 8
static uint32_t enosys_logged[ENOSYS_TRACKED / 32];
static uint32_t enosys_big[ENOSYS_BIG];
static int enosys_big_full;

static void log_enosys(uint32_t nr)
{
    if (nr < ENOSYS_TRACKED) {
        if (enosys_logged[nr / 32] & (1u << (nr % 32)))
            return;
        enosys_logged[nr / 32] |= 1u << (nr % 32);
    } else {
        unsigned i;
        for (i = 0; i < ENOSYS_BIG && enosys_big[i]; i++)
            if (enosys_big[i] == nr)
                return;
        if (i == ENOSYS_BIG) {
            if (!enosys_big_full)
                printk(KERN_NOTICE "syscall: further unknown numbers above %u are not logged\n", ENOSYS_TRACKED);
            enosys_big_full = 1;
            return;
        }
        enosys_big[i] = nr;
    }
    printk(KERN_NOTICE "syscall %u not implemented (pid %d, %s): -ENOSYS\n", nr,
           current ? current->pid : 0, current ? current->name : "?");
}

int syscall_dispatch(struct trap_frame *f)
{
    /* int $0x80 arrives through a trap gate with interrupts (events) still on (syscall_init
     * says why): turn them off first, so kernel code keeps running with interrupts off. An
     * interrupt that slips in before this line nests on the kernel stack and returns here;
     * trap_dispatch's iret_prepare turns them back on for the return to user mode. */
    irq_disable();
    if ((f->cs & 3) != 3 || !current)
        return 0; /* int $0x80 from the kernel itself: a bug, let it panic */
    current->tf = f;
    uint32_t nr = f->eax;
    long r;
    if (nr < NR_SYSCALLS && syscall_table[nr].fn) {
        r = syscall_table[nr].fn(f->ebx, f->ecx, f->edx, f->esi, f->edi, f->ebp);
    } else {
        log_enosys(nr);
        r = -ENOSYS;
    }
    f->eax = (uint32_t)r;
    return 1;
}

const char *syscall_name(uint32_t nr)
{
    return nr < NR_SYSCALLS && syscall_table[nr].name ? syscall_table[nr].name : 0;
}

void syscall_init(void)
{
    struct gate g = {
        .offset = (uint32_t)(uintptr_t)syscall_entry,
        .selector = kernel_cs,
        .dpl = 3,      /* user code may raise it */
        /* A trap gate, not an interrupt gate: on Moat and Xen only a trap-gate entry can become
         * the direct ring-3 -> ring-1 gate (masking events on entry is something only the
         * hypervisor can do, so an interrupt gate would send every system call through a #GP
         * in the hypervisor). The kernel still runs with interrupts off: syscall_dispatch
         * turns them off first thing (see proc.h). */
        .irq_gate = 0,
    };
    write_idt_entry(idt_table, 0x80, &g);
    trap_set_handler(0x80, syscall_dispatch);
}
