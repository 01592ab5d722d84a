/* Native local APIC for SMP (smp/apic.c): per-CPU enable, IPIs, the local timer, and a
 * microsecond delay for the INIT-SIPI protocol. Native only: on PV there is no APIC. */
#ifndef KERNEL_SMP_APIC_H
#define KERNEL_SMP_APIC_H
#include <stdint.h>

#define APIC_TIMER_VECTOR 0xf0
#define APIC_IPI_VECTOR 0xf1      /* wake-up IPI */
#define APIC_SPURIOUS_VECTOR 0xff

int apic_map(uint32_t phys);           /* maps the registers (same page on every CPU): 0 / -1 */
uint32_t apic_read_id(void);           /* this CPU's APIC id */
void apic_cpu_enable(void);            /* software-enable, LINTs of APs masked, TPR 0 */
void apic_eoi_smp(void);
int apic_send_init(uint32_t apic_id);  /* 0, or -1 if the ICR never became idle */
int apic_send_sipi(uint32_t apic_id, unsigned page);
int apic_send_fixed(uint32_t apic_id, unsigned vector);
void apic_timer_periodic(unsigned vector, uint32_t count);
void apic_timer_stop(void);
/* Calibration on the boot CPU against the jiffies clock (interrupts must be on): the local
 * timer's count for one tick of TIMER_HZ, and the free-running count it leaves behind for
 * apic_udelay. */
uint32_t apic_calibrate(void);
void apic_udelay(uint32_t us);
#endif
