/* printk: formatted kernel messages with Linux-style log levels.
 * A message may start with a level prefix (KERN_ERR ...: "\001" + digit); it is printed only if
 * its level is below the console log level (`loglevel=N`, default 7). The prefix itself is not
 * printed: the console shows exactly the message text. */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H
#include <stdarg.h>

#define KERN_SOH "\001"
#define KERN_EMERG KERN_SOH "0"
#define KERN_ALERT KERN_SOH "1"
#define KERN_CRIT KERN_SOH "2"
#define KERN_ERR KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE KERN_SOH "5"
#define KERN_INFO KERN_SOH "6"
#define KERN_DEBUG KERN_SOH "7"
#define DEFAULT_MESSAGE_LOGLEVEL 6 /* messages without a prefix are KERN_INFO */

int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintk(const char *fmt, va_list ap);
void printk_set_loglevel(int level);
int printk_get_loglevel(void);
/* Returns the level a message would get and where its text starts (pure, host-tested). */
int printk_level(const char *fmt, const char **text);

/* Console sink: where printk output goes (serial natively, console_io on Xen/Moat). */
typedef void (*console_write_fn)(const char *s, unsigned len);
void console_set_sink(console_write_fn fn);
void console_write(const char *s, unsigned len);

#endif
