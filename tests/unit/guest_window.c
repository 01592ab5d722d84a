/* raw_copy over the simulated guest window (guest_window.h). Invariant: a byte is copied only
 * when its guest-side address lies inside the window; the first one outside ends the copy with
 * the count not copied, which is what the real raw_copy returns after a fault. */
#include "guest_window.h"

#include "uaccess.h"

static int in_win(uint32_t a) { return a >= GWIN && a - GWIN < gwin_size; }

uint32_t raw_copy(void *dst, const void *src, uint32_t n)
{
    uint32_t d = (uint32_t)(uintptr_t)dst, s = (uint32_t)(uintptr_t)src;
    for (uint32_t i = 0; i < n; i++) {
        if (in_win(d)) {
            /* copy_to_guest */
            if (!in_win(d + i))
                return n - i;
            gmem[d + i - GWIN] = ((const uint8_t *)src)[i];
        } else if (in_win(s)) {
            if (!in_win(s + i))
                return n - i;
            ((uint8_t *)dst)[i] = gmem[s + i - GWIN];
        } else {
            return n - i;   /* neither side is mapped guest memory: a fault */
        }
    }
    return 0;
}
