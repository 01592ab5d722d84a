/* Native entry in C, reached from head.S on the boot page tables with a kernel stack.
 * Order matters: pv_ops first (everything else uses it), then the console (so problems can be
 * reported), then the boot information copy (before any page is allocated), then traps. */
#include "boot.h"
#include "desc.h"
#include "printk.h"
#include "serial.h"
#include "pv/pvops.h"

void __attribute__((noreturn)) native_start(void)
{
    pv_ops = native_pv_ops;
    serial_init();
    console_set_sink(serial_write);
    multiboot_early_copy();
    desc_init(1);
    kernel_start();
}
