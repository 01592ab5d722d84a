/* Debug keys on the serial console: Ctrl-] then a key (hv/core/debug_keys.c has the list). */
#ifndef MOAT_DEBUG_KEYS_H
#define MOAT_DEBUG_KEYS_H

struct debug_key {
    int key;                   /* 0 ends the table */
    void (*fn)(int key);
    const char *help;
};
extern const struct debug_key debug_keys[];

/* Every byte read from the serial line goes through this first: 1 if Moat consumed it (the
 * Ctrl-] prefix and the key after it), 0 if it belongs to the guest. */
int debug_key_filter(int ch);
/* Runs the handler of `key` (1), or says it is unknown (0). */
int debug_key_dispatch(int key);
#endif
