/* printk and formatting as the kernel uses them. */
#include <lib/format.h>
#include <lib/string.h>
#include "ktest.h"
#include "printk.h"

KERNEL_TEST(format_basics)
{
    char buf[64];
    KT_ASSERT_EQ(snprintf(buf, sizeof buf, "%08x|%d|%s|%c", 0xbeefu, -42, "moat", 'k'), 19);
    KT_ASSERT(!strcmp(buf, "0000beef|-42|moat|k"));
    KT_ASSERT_EQ(snprintf(buf, 6, "%u", 1234567890u), 10); /* C99 length on truncation */
    KT_ASSERT(!strcmp(buf, "12345"));
    KT_ASSERT_EQ(snprintf(buf, sizeof buf, "%llx", 0x123456789abcdefull), 15);
    KT_ASSERT(!strcmp(buf, "123456789abcdef"));
}

KERNEL_TEST(printk_levels)
{
    const char *text;
    KT_ASSERT_EQ(printk_level(KERN_ERR "x", &text), 3);
    KT_ASSERT(!strcmp(text, "x"));
    KT_ASSERT_EQ(printk_level("plain", &text), DEFAULT_MESSAGE_LOGLEVEL);
    int saved = printk_get_loglevel();
    printk_set_loglevel(4);
    int hidden = printk(KERN_INFO "this line must not appear\n");
    int shown = printk(KERN_ERR "# printk_levels: an error-level line is shown\n");
    printk_set_loglevel(saved);
    KT_ASSERT_EQ(hidden, 0);
    KT_ASSERT(shown > 0);
}
