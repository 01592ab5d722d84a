/* Command-line tokenizer (see lib/cmdline.h). Pure: used by Moat for its own and the guest's
 * options, by the guest kernel, and by the host unit tests. */
#include "lib/cmdline.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Appends c to dst (capacity cap incl. NUL) at *len, noting truncation. */
static void append(char *dst, unsigned cap, unsigned *len, char c, int *truncated)
{
    if (*len + 1 < cap)
        dst[(*len)++] = c;
    else
        *truncated = 1;
}

int cmdline_next(const char **pos, struct cmdline_word *w)
{
    const char *p = *pos;
    unsigned klen = 0, vlen = 0;
    int quoted = 0;

    w->key[0] = w->value[0] = '\0';
    w->has_value = 0;
    w->truncated = 0;
    if (!p)
        return 0;
    while (is_space(*p))
        p++;
    if (!*p) {
        *pos = p;
        return 0;
    }
    while (*p && !is_space(*p) && *p != '=')
        append(w->key, sizeof w->key, &klen, *p++, &w->truncated);
    w->key[klen] = '\0';
    if (*p == '=') {
        p++;
        w->has_value = 1;
        while (*p && (quoted || !is_space(*p))) {
            if (*p == '"') {
                quoted = !quoted;
                p++;
                continue;
            }
            append(w->value, sizeof w->value, &vlen, *p++, &w->truncated);
        }
        w->value[vlen] = '\0';
    }
    *pos = p;
    return 1;
}

int cmdline_parse_u32(const char *text, unsigned int *out)
{
    unsigned long long v = 0;
    unsigned base = 10;
    const char *p = text;

    if (!p || !*p)
        return -1;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
        if (!*p)
            return -1;
    }
    for (; *p; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9') d = *p - '0';
        else if (base == 16 && *p >= 'a' && *p <= 'f') d = *p - 'a' + 10;
        else if (base == 16 && *p >= 'A' && *p <= 'F') d = *p - 'A' + 10;
        else break;
        v = v * base + d;
        if (v > 0xFFFFFFFFull)
            return -1;
    }
    if (*p) {
        unsigned shift;
        switch (*p) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        default: return -1;
        }
        if (p[1])
            return -1;
        v <<= shift;
        if (v > 0xFFFFFFFFull)
            return -1;
    }
    *out = (unsigned int)v;
    return 0;
}
