#ifndef KERNEL_SERIAL_H
#define KERNEL_SERIAL_H
#include <stdint.h>
#define SERIAL_IRQ 4                       /* COM1 */
void serial_init(void);
void serial_write(const char *s, unsigned len);
/* drivers/console_input.c: COM1's receive interrupt into the console ring (native, once the
 * IO-APIC routes irq 4); polling keeps working without it. */
void serial_rx_irq_start(void);
extern volatile uint32_t serial_rx_irqs, serial_rx_bytes;
#endif
