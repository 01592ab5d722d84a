/* Native local APIC self-IPI (drivers/lapic.c): for interrupt tests on bare hardware. */
#ifndef KERNEL_LAPIC_H
#define KERNEL_LAPIC_H
int lapic_open(void);             /* map and software-enable it: 0, or -1 if there is none */
void lapic_self_ipi(unsigned vector);
void lapic_eoi(void);
void lapic_close(void);           /* SVR back as found, page unmapped */
#endif
