/* HYPERVISOR_console_io(cmd, count, buffer).
 *
 *   CONSOLEIO_write: any domain; the bytes go to the serial console (raw for the initial
 *     domain, as Xen prints dom0's output). Returns 0, or -EFAULT if the buffer is not
 *     readable guest memory (the part before the bad byte has been printed, as on Xen).
 *     At most CONSOLE_WRITE_PER_TRAP bytes per trap: a longer write continues itself
 *     (hypercall_continue), so a huge count never holds Moat for long.
 *   CONSOLEIO_read: the initial domain only (-EPERM otherwise, as Xen's default policy);
 *     non-blocking, returns the number of bytes copied (0 if none waiting); count > INT_MAX
 *     is -E2BIG as on Xen.
 *   anything else: -ENOSYS. */
#include <stdint.h>
#include <xen/xen.h>
#include "hypercall.h"
#include "uaccess.h"
#include "console.h"
#include "moat_errno.h"

#define CONSOLE_WRITE_PER_TRAP 4096u

static long console_write_guest(uint32_t count, uint32_t buffer)
{
    char chunk[128];
    uint32_t done = 0;
    while (done < count) {
        if (done == CONSOLE_WRITE_PER_TRAP) {
            uint32_t args[6] = { CONSOLEIO_write, count - done, buffer + done, 0, 0, 0 };
            return hypercall_continue(__HYPERVISOR_console_io, args);
        }
        uint32_t n = count - done;
        if (n > sizeof(chunk))
            n = sizeof(chunk);
        if (copy_from_guest(chunk, buffer + done, n))
            return -EFAULT;
        console_write(chunk, n);
        done += n;
    }
    return 0;
}

static long console_read_guest(uint32_t count, uint32_t buffer)
{
    if (count > 0x7FFFFFFFu)
        return -E2BIG;
    char chunk[64];
    uint32_t done = 0;
    while (done < count) {
        uint32_t n = 0;
        while (n < sizeof(chunk) && done + n < count) {
            int ch = serial_getc_nonblock();
            if (ch < 0)
                break;
            chunk[n++] = (char)ch;
        }
        if (n == 0)
            break;
        if (copy_to_guest(buffer + done, chunk, n))
            return -EFAULT;
        done += n;
    }
    return done;
}

long do_console_io(uint32_t cmd, uint32_t count, uint32_t buffer)
{
    switch (cmd) {
    case CONSOLEIO_write:
        return console_write_guest(count, buffer);
    case CONSOLEIO_read:
        if (!current_domain()->is_initial)
            return -EPERM;
        return console_read_guest(count, buffer);
    default:
        return -ENOSYS;
    }
}
