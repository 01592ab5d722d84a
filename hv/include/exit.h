/* Leaving QEMU (include/moat/exit.h is the contract): MOAT_EXIT_PASS when the last domain
 * powered off, MOAT_EXIT_FAIL for a crash, a refused image or a Moat panic. */
#ifndef MOAT_HV_EXIT_H
#define MOAT_HV_EXIT_H
#include <moat/exit.h>
void moat_exit(int code) __attribute__((noreturn));
#endif
