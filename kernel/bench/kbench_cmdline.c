/* `bench.only=NAME` (kbench.h). Pure: no hardware, host-compilable. */
#include <stdint.h>
#include "bench/kbench.h"

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

int kbench_only_op(const char *cmdline, char *buf, unsigned len)
{
    static const char key[] = "bench.only=";
    const unsigned klen = sizeof key - 1;
    if (!cmdline || !buf || len < 2)
        return 0;
    for (const char *p = cmdline; *p; p++) {
        if (p != cmdline && p[-1] != ' ')
            continue; /* tokens start after a space */
        unsigned k = 0;
        while (k < klen && p[k] == key[k])
            k++;
        if (k != klen)
            continue;
        const char *v = p + klen;
        unsigned n = 0;
        while (is_name_char(v[n]))
            n++;
        if (n == 0 || n >= len || (v[n] && v[n] != ' '))
            return 0; /* empty, too long, or a character no op name has */
        for (unsigned i = 0; i < n; i++)
            buf[i] = v[i];
        buf[n] = 0;
        return 1;
    }
    return 0;
}
