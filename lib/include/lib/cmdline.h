/* Command-line tokenizer shared by Moat (its own and the guest's options) and the guest kernel.
 * Pure, host-testable.
 *
 * A command line is a sequence of words separated by spaces or tabs. A word is either
 * `key` or `key=value`; a value may be double-quoted to contain spaces ("a b"), the quotes
 * are removed. Keys and values longer than the caller's buffers are truncated and reported. */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H
#include <stddef.h>

struct cmdline_word {
    char key[32];
    char value[128];
    int has_value;   /* 1 for key=value (even if value is empty), 0 for a bare key */
    int truncated;   /* 1 if key or value did not fit */
};

/* Parses the next word starting at *pos and advances *pos past it.
 * Returns 1 when a word was produced, 0 at the end of the line. */
int cmdline_next(const char **pos, struct cmdline_word *w);

/* Convenience: parses an unsigned number with optional 0x prefix and optional K/M/G suffix.
 * Returns 0 on success, -1 if the text is not a number or overflows 32 bits. */
int cmdline_parse_u32(const char *text, unsigned int *out);

#endif
