/* mc-keys: reads its console input (CONSOLEIO_read, polled) until it sees 'q', then prints
 * every byte it received in hex. The system test types Moat's debug keys (Ctrl-] then a key)
 * in between ordinary bytes: Moat must answer each key on the console and the guest must get
 * exactly the other bytes, in order, with "Ctrl-] Ctrl-]" arriving as one Ctrl-]. Leading '!'
 * bytes are dropped (see below). */
#include "mc-lib.h"

static char got[256];

unsigned int guest_main(void)
{
    uint32_t n = 0;
    print("mc-keys: reading console input until 'q'\n");
    for (uint32_t spins = 0; spins < 2000000 && n < sizeof(got); spins++) {
        long r = HYPERVISOR_console_io(CONSOLEIO_read, sizeof(got) - n, got + n);
        if (r < 0) {
            print("mc-keys: CONSOLEIO_read returned %d\n", r);
            return SHUTDOWN_crash;
        }
        n += (uint32_t)r;
        /* Leading '!' bytes are padding: input typed before Moat initialised the UART can
         * lose its first byte (the FIFO reset), so the test sends a few of these first. */
        while (n && got[0] == '!') {
            for (uint32_t i = 1; i < n; i++)
                got[i - 1] = got[i];
            n--;
        }
        if (n && got[n - 1] == 'q')
            break;
        HYPERVISOR_sched_op(SCHEDOP_yield, 0);
    }
    print("mc-keys: got %u bytes:", n);
    for (uint32_t i = 0; i < n; i++)
        print(" %02x", (unsigned)(unsigned char)got[i]);
    print("\n");
    return n && got[n - 1] == 'q' ? SHUTDOWN_poweroff : SHUTDOWN_crash;
}
