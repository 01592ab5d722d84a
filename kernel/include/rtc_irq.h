/* The CMOS RTC's periodic interrupt (drivers/rtc.c), natively routed through the IO-APIC: a
 * low-rate device interrupt for the irq balancer (issue 10). */
#ifndef KERNEL_RTC_IRQ_H
#define KERNEL_RTC_IRQ_H
#include <stdint.h>
#define RTC_IRQ 8
#define RTC_RATE_CODE 12                              /* 32768 >> (12 - 1) = 16 Hz */
#define RTC_HZ (32768u >> (RTC_RATE_CODE - 1))
extern volatile uint32_t rtc_irq_count;               /* periodic interrupts taken */
void rtc_periodic_start(void);    /* handler installed, PIE on (route irq 8 first) */
/* Reads register C: if an interrupt was lost (its edge went to a CPU that parked before
 * taking it), the RTC's line stays raised and no new edge comes until C is read. */
void rtc_rearm(void);
#endif
