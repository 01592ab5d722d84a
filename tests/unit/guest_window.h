/* The simulated guest of the hv host tests: guest addresses [GWIN, GWIN + gwin_size) are mapped
 * onto the test's gmem[]; every other guest address faults, as an unmapped page does in Moat.
 * guest_window.c fakes raw_copy over it (the real one is assembly with an exception-table
 * fixup). Each test defines gmem[] and gwin_size with the window size it needs. */
#ifndef MOAT_TEST_GUEST_WINDOW_H
#define MOAT_TEST_GUEST_WINDOW_H
#include <stdint.h>

#define GWIN 0x00400000u
extern uint8_t gmem[];
extern const uint32_t gwin_size;

#endif
