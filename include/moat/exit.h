/* How Moat and the native guest kernel leave QEMU (shared contract with tools/moat-qemu).
 *
 * QEMU's isa-debug-exit device (iobase 0xf4) makes QEMU exit with status (value << 1) | 1.
 * A triple fault with -no-reboot exits QEMU with status 0, so 0 must never mean success:
 * tools/moat-qemu treats only (MOAT_EXIT_PASS << 1) | 1 = 33 as a clean power-off. */
#ifndef MOAT_EXIT_H
#define MOAT_EXIT_H

#define MOAT_DEBUG_EXIT_PORT 0xf4
#define MOAT_EXIT_PASS 0x10 /* clean power-off: QEMU exits 33, moat-qemu exits 0 */
#define MOAT_EXIT_FAIL 0x11 /* crash, panic or failed tests: QEMU exits 35, moat-qemu exits 1 */

#endif
