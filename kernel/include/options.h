/* Kernel command-line options. Pure logic (host-tested): parse fills a struct and collects
 * warnings; boot code prints the warnings and acts on the options. */
#ifndef KERNEL_OPTIONS_H
#define KERNEL_OPTIONS_H
#include <stdint.h>

enum boot_mode { BOOT_NORMAL, BOOT_TEST, BOOT_BENCH };
enum boot_fault { FAULT_NONE, FAULT_PF, FAULT_GP, FAULT_UD, FAULT_DE };

#define OPTIONS_MAX_WARNINGS 8

struct kernel_options {
    enum boot_mode mode;
    enum boot_fault fault;
    int loglevel;          /* messages with level < loglevel are printed (Linux semantics) */
    uint32_t mem_limit;    /* bytes, 0 = no limit */
    unsigned nr_warnings;
    char warnings[OPTIONS_MAX_WARNINGS][96];
};

/* everything except KERN_DEBUG; with CONFIG_DEBUG (config/default.config) KERN_DEBUG too */
#define DEFAULT_LOGLEVEL (CONFIG_DEBUG ? 8 : 7)

/* Multiboot loaders (GRUB, QEMU) put the image path first on the command line. Returns the line
 * after that first word, unless the first word looks like an option (a known option name or
 * key=value), in which case the loader did not prepend a path and the line is returned whole. */
const char *options_skip_image_name(const char *cmdline);

void options_parse(const char *cmdline, struct kernel_options *opt);

#endif
