/* The console tty (/dev/console, /dev/tty): a line discipline over the serial console.
 *
 * Input is polled (the scheduler calls tty_poll_input whenever it runs, at least every tick
 * while anything sleeps), which under QEMU loses nothing: the emulated UART holds input back
 * until the guest has read what it has. Supports canonical mode with echo, erase, kill and
 * EOF, non-canonical reads (VMIN), ICRNL, and ISIG (^C -> SIGINT, ^\ -> SIGQUIT to the
 * foreground process group).
 *
 * Invariants: the input ring never overflows (excess input is dropped, with the bell as Unix
 * does); in canonical mode a read returns at most one line, and only a completed one. */
#include <stdint.h>
#include <lib/string.h>
#include "vfs.h"
#include "printk.h"
#include "console.h"
#include "proc.h"
#include "uaccess.h"
#include "pv/pvops.h"

#define TTY_BUF 1024

static struct {
    struct linux_termios t;
    struct linux_winsize ws;
    uint8_t buf[TTY_BUF];
    uint32_t rpos, wpos;  /* ring: committed input is [rpos, commit), the line being edited [commit, wpos) */
    uint32_t commit;
    int eof_pending;      /* lines ended by ^D (count) */
    int pgrp;
} tty;

int tty_foreground_pgrp(void) { return tty.pgrp; }
int tty_set_foreground(int pgrp) { tty.pgrp = pgrp; return 0; }

void tty_init(void)
{
    memset(&tty, 0, sizeof tty);
    tty.t.c_iflag = ICRNL | IXON;
    tty.t.c_oflag = OPOST | ONLCR;
    tty.t.c_cflag = B38400 | CS8 | CREAD;
    tty.t.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
    tty.t.c_cc[VINTR] = 3;
    tty.t.c_cc[VQUIT] = 0x1c;
    tty.t.c_cc[VERASE] = 0x7f;
    tty.t.c_cc[VKILL] = 0x15;
    tty.t.c_cc[VEOF] = 4;
    tty.t.c_cc[VMIN] = 1;
    tty.t.c_cc[VSUSP] = 0x1a;
    tty.t.c_cc[VWERASE] = 0x17;
    tty.ws.ws_row = 24;
    tty.ws.ws_col = 80;
}

static void echo(const char *s, unsigned n)
{
    if (tty.t.c_lflag & ECHO)
        console_write(s, n);
}

static void input_char(uint8_t c)
{
    if ((tty.t.c_iflag & ICRNL) && c == '\r')
        c = '\n';
    if (tty.t.c_lflag & ISIG) {
        int sig = c == tty.t.c_cc[VINTR] ? SIGINT : c == tty.t.c_cc[VQUIT] ? SIGQUIT : 0;
        if (sig && c) {
            echo(c == 3 ? "^C\n" : "^\\\n", 3);
            tty.wpos = tty.commit; /* flush the line being edited */
            if (tty.pgrp > 0)
                kill_pgrp(tty.pgrp, sig);
            return;
        }
    }
    if (tty.t.c_lflag & ICANON) {
        if (c == tty.t.c_cc[VERASE] || c == 8) {
            if (tty.wpos != tty.commit) {
                tty.wpos--;
                echo("\b \b", 3);
            }
            return;
        }
        if (c == tty.t.c_cc[VKILL]) {
            while (tty.wpos != tty.commit) {
                tty.wpos--;
                echo("\b \b", 3);
            }
            return;
        }
        if (c == tty.t.c_cc[VEOF]) {
            tty.commit = tty.wpos;
            tty.eof_pending++;
            wakeup(&tty);
            return;
        }
    }
    if (tty.wpos - tty.rpos >= TTY_BUF - 1) {
        console_write("\a", 1);
        return;
    }
    tty.buf[tty.wpos++ % TTY_BUF] = c;
    if (tty.t.c_lflag & ECHO) {
        char ch = (char)c;
        if (c < 32 && c != '\n' && c != '\t' && (tty.t.c_lflag & ECHOCTL)) {
            char two[2] = { '^', (char)(c + 64) };
            console_write(two, 2);
        } else {
            console_write(&ch, 1);
        }
    }
    if (!(tty.t.c_lflag & ICANON) || c == '\n') {
        tty.commit = tty.wpos;
        wakeup(&tty);
    }
}

void tty_poll_input(void)
{
    int c, n = 0;
    while (n++ < 64 && (c = console_getc()) >= 0)
        input_char((uint8_t)c);
}

static int tty_readable(void)
{
    if (tty.t.c_lflag & ICANON)
        return tty.commit != tty.rpos || tty.eof_pending;
    uint32_t vmin = tty.t.c_cc[VMIN];
    return tty.commit - tty.rpos >= (vmin ? vmin : 1);
}

static long tty_read(struct file *f, uint32_t ubuf, uint32_t n)
{
    if (!n)
        return 0;
    /* Non-canonical with VMIN = 0: return what is there, possibly nothing. */
    int vmin0 = !(tty.t.c_lflag & ICANON) && tty.t.c_cc[VMIN] == 0;
    tty_poll_input();
    while (!tty_readable()) {
        if (vmin0)
            return 0;
        if (f->flags & O_NONBLOCK)
            return -EAGAIN;
        if (sleep_on(&tty, 1))
            return -EINTR;
        tty_poll_input();
    }
    uint32_t done = 0;
    while (done < n && tty.rpos != tty.commit) {
        uint8_t c = tty.buf[tty.rpos % TTY_BUF];
        if (copy_to_user(ubuf + done, &c, 1))
            return done ? (long)done : -EFAULT;
        tty.rpos++;
        done++;
        if ((tty.t.c_lflag & ICANON) && c == '\n')
            break;
    }
    if ((tty.t.c_lflag & ICANON) && tty.eof_pending && (done == 0 || tty.rpos == tty.commit))
        tty.eof_pending--; /* ^D: ends this read (an empty read means end of file) */
    return done;
}

static long tty_write(struct file *f, uint32_t ubuf, uint32_t n)
{
    char chunk[128];
    uint32_t done = 0;
    while (done < n) {
        uint32_t c = n - done < sizeof chunk ? n - done : sizeof chunk;
        if (copy_from_user(chunk, ubuf + done, c))
            return done ? (long)done : -EFAULT;
        console_write(chunk, c);
        done += c;
    }
    return done;
}

static long tty_ioctl(struct file *f, uint32_t cmd, uint32_t arg)
{
    switch (cmd) {
    case TCGETS:
        return copy_to_user(arg, &tty.t, sizeof tty.t);
    case TCSETS:
    case TCSETSW:
    case TCSETSF: {
        struct linux_termios t;
        if (copy_from_user(&t, arg, sizeof t))
            return -EFAULT;
        tty.t = t;
        if (cmd == TCSETSF)
            tty.rpos = tty.commit = tty.wpos;
        if (!(t.c_lflag & ICANON)) {
            tty.commit = tty.wpos; /* what was typed becomes readable */
            wakeup(&tty);
        }
        return 0;
    }
    case TIOCGWINSZ:
        return copy_to_user(arg, &tty.ws, sizeof tty.ws);
    case TIOCSWINSZ:
        return copy_from_user(&tty.ws, arg, sizeof tty.ws);
    case TIOCGPGRP: {
        int32_t pg = tty.pgrp;
        return copy_to_user(arg, &pg, 4);
    }
    case TIOCSPGRP: {
        int32_t pg;
        if (copy_from_user(&pg, arg, 4))
            return -EFAULT;
        if (pg <= 0)
            return -EINVAL;
        tty.pgrp = pg;
        return 0;
    }
    case TIOCSCTTY:
        tty.pgrp = current->pgid;
        return 0;
    case TIOCNOTTY:
        return 0;
    case FIONREAD: {
        int32_t avail = (int32_t)(tty.commit - tty.rpos);
        return copy_to_user(arg, &avail, 4);
    }
    case FIONBIO: {
        int32_t on;
        if (copy_from_user(&on, arg, 4))
            return -EFAULT;
        f->flags = on ? (f->flags | O_NONBLOCK) : (f->flags & ~O_NONBLOCK);
        return 0;
    }
    }
    return -EINVAL;
}

static int tty_poll(struct file *f)
{
    tty_poll_input();
    return (tty_readable() ? POLLIN : 0) | POLLOUT;
}

const struct file_ops tty_ops = { .read = tty_read, .write = tty_write, .ioctl = tty_ioctl, .poll = tty_poll };
