/* Console input, the same API on every backend (the tty reads through it).
 *
 *   int console_getc(void)   the next input byte (0..255), or -1 when none is waiting.
 *                            Never blocks, never sleeps, may be called with interrupts off.
 *
 * Natively: COM1's 16550 receive register, polled. On Xen/Moat: CONSOLEIO_read for the initial
 * domain, run when VIRQ_CONSOLE says input arrived (or on every tick where the hypervisor has
 * no VIRQ_CONSOLE), into a ring that console_getc drains; a full ring drops input, never
 * overwrites it. A backend installs its reader with console_set_input() at boot. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

typedef int (*console_getc_fn)(void);
int console_getc(void);
void console_set_input(console_getc_fn fn);

#endif
