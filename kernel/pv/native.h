/* Native instructions a PV backend deliberately reuses: on a PV hypervisor these trap and are
 * emulated (MSRs, port I/O of the initial domain), which is fine where speed does not matter.
 * Keeping them here means the privileged instructions still exist only in pv/native.c. */
#ifndef KERNEL_PV_NATIVE_H
#define KERNEL_PV_NATIVE_H
#include <stdint.h>
uint64_t native_read_msr(uint32_t msr);
void native_write_msr(uint32_t msr, uint64_t v);
uint8_t native_inb(uint16_t p);
uint16_t native_inw(uint16_t p);
uint32_t native_inl(uint16_t p);
void native_outb(uint16_t p, uint8_t v);
void native_outw(uint16_t p, uint16_t v);
void native_outl(uint16_t p, uint32_t v);
uint32_t native_read_cr0(void);
uint32_t native_read_cr4(void);
void native_write_cr4(uint32_t v);
#endif
