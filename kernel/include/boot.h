/* Entry-path interfaces: what the backends' boot code and the generic kernel provide each other. */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H
#include <stdint.h>
#include "memmap.h"

#define KERNEL_VERSION "0.1"
#define TIMER_HZ 100

/* Generic kernel entry, called by every backend's entry once pv_ops is installed and a
 * console sink is set. Never returns. */
void __attribute__((noreturn)) kernel_start(void);

/* Native (multiboot) boot information, saved by head.S before paging is switched on. */
extern uint32_t multiboot_magic, multiboot_info_phys;
void multiboot_early_copy(void); /* copies cmdline and memory map out before anything is allocated */
const char *multiboot_banner(void);
void multiboot_memory_setup(struct memmap *m);
const char *multiboot_cmdline(void);

/* The initial ram disk (first multiboot module natively, start_info.mod_start on PV), kernel
 * virtual address and length; set by the backend's memory_setup, len 0 if none. Its pages are
 * reserved in the boot memory map. */
extern const void *boot_initrd;
extern uint32_t boot_initrd_len;

/* Timekeeping. */
extern volatile uint32_t jiffies;
extern int timer_running; /* set by the backend's timer_init once ticks are really on */
void timer_tick(void);             /* called by every backend's timer interrupt */
uint64_t jiffies_sched_clock(void);
void pit_timer_init(unsigned hz);
uint32_t rtc_get_wallclock(void);

/* Pure: seconds since the epoch for a UTC calendar date (host-tested). */
uint32_t rtc_mktime(unsigned year, unsigned mon, unsigned day, unsigned hour, unsigned min, unsigned sec);

/* Native entry in C (core/native_start.c), reached from head.S. */
void __attribute__((noreturn)) native_start(void);

#endif
