/* isa-debug-exit: QEMU exits with (code << 1) | 1. Without the device (real hardware, or a
 * QEMU started without it) the write is ignored and Moat halts with interrupts off. */
#include "exit.h"
#include "x86.h"

void moat_exit(int code)
{
    asm volatile("cli");
    outb(MOAT_DEBUG_EXIT_PORT, (uint8_t)code);
    halt_forever();
}
