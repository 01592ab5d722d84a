/* ev-console: console input for the initial domain through VIRQ_CONSOLE.
 * Binds VIRQ_CONSOLE, stops the periodic tick, unmasks, and blocks (SCHEDOP_block) with no
 * timer armed: only console input can wake it. On each upcall for the console port it reads
 * what arrived with CONSOLEIO_read and echoes it as "ev-console: got '...'"; a newline ends
 * the test (poweroff). With no input it sleeps forever - the system test uses that too: Moat
 * must say it is idle with nothing armed, not hang silently. Waking on VIRQ_CONSOLE is the
 * "block wakes on an event" case (the timer case is in ev-timer). */
#include "ev-lib.h"

#define CHECK(expr, want, what) MM_EXPECT(expr, want, what)

unsigned int guest_main(void)
{
    char line[128];
    unsigned len = 0;
    ev_init("ev-console");
    int c = ev_bind_virq(VIRQ_CONSOLE, 0);
    mm_check(c > 0, "bind VIRQ_CONSOLE", c);
    CHECK(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, 0), 0, "stop the periodic tick");
    print("ev-console: waiting for input\n");
    unsigned wakes = 0, seen = 0;
    for (;;) {
        CHECK(ev_block(), 0, "block");
        wakes++;
        if (ev_port_count[c] == seen)
            continue;
        seen = ev_port_count[c];
        for (;;) {
            char buf[32];
            long n = HYPERVISOR_console_io(CONSOLEIO_read, sizeof(buf), buf);
            if (n <= 0)
                break;
            for (long i = 0; i < n && len < sizeof(line) - 1; i++)
                line[len++] = buf[i];
        }
        line[len] = 0;
        for (unsigned i = 0; i < len; i++) {
            if (line[i] == '\n' || line[i] == '\r') {
                line[i] = 0;
                print("ev-console: got '%s' after %u wake-ups, %u console events\n", line, wakes, seen);
                mm_check(wakes >= 1 && seen >= 1, "woken by VIRQ_CONSOLE", wakes);
                return mm_finish("ev-console");
            }
        }
    }
}
