/* Kernel command-line options (pure: host-tested in tests/unit/test_kernel_options.c).
 * Unknown or malformed options produce a warning and are otherwise ignored: boot continues. */
#include <lib/cmdline.h>
#include <lib/format.h>
#include <lib/string.h>
#include "options.h"

static void warn(struct kernel_options *opt, const char *fmt, const char *word)
{
    if (opt->nr_warnings < OPTIONS_MAX_WARNINGS)
        snprintf(opt->warnings[opt->nr_warnings++], sizeof opt->warnings[0], fmt, word);
}

void options_parse(const char *cmdline, struct kernel_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->mode = BOOT_NORMAL;
    opt->fault = FAULT_NONE;
    opt->loglevel = DEFAULT_LOGLEVEL;
    if (!cmdline)
        return;

    const char *pos = cmdline;
    struct cmdline_word w;
    while (cmdline_next(&pos, &w)) {
        unsigned int n;
        if (w.truncated) {
            warn(opt, "warning: kernel option '%s' too long, ignored", w.key);
        } else if (!strcmp(w.key, "test") && !w.has_value) {
            opt->mode = BOOT_TEST;
        } else if (!strcmp(w.key, "bench") && !w.has_value) {
            opt->mode = BOOT_BENCH;
        } else if (!strcmp(w.key, "loglevel") && w.has_value) {
            if (cmdline_parse_u32(w.value, &n) == 0 && n <= 8)
                opt->loglevel = (int)n;
            else
                warn(opt, "warning: bad value for kernel option 'loglevel=%s'", w.value);
        } else if (!strcmp(w.key, "mem") && w.has_value) {
            if (cmdline_parse_u32(w.value, &n) == 0 && n >= (4u << 20))
                opt->mem_limit = n;
            else
                warn(opt, "warning: bad value for kernel option 'mem=%s' (need >= 4M)", w.value);
        } else if (!strcmp(w.key, "fault") && w.has_value) {
            if (!strcmp(w.value, "pf"))
                opt->fault = FAULT_PF;
            else if (!strcmp(w.value, "gp"))
                opt->fault = FAULT_GP;
            else if (!strcmp(w.value, "ud"))
                opt->fault = FAULT_UD;
            else if (!strcmp(w.value, "de"))
                opt->fault = FAULT_DE;
            else
                warn(opt, "warning: bad value for kernel option 'fault=%s'", w.value);
        } else if (!strcmp(w.key, "vcpus") && w.has_value) {
            /* H15: for the domain builder (Moat reads it from this command line); the kernel
             * counts its vcpus itself (VCPUOP_is_up), so only the syntax is checked here. */
            if (cmdline_parse_u32(w.value, &n) != 0 || n < 1)
                warn(opt, "warning: bad value for kernel option 'vcpus=%s'", w.value);
        } else {
            warn(opt, "warning: unknown kernel option '%s'", w.key);
        }
    }
}

static int is_known_key(const char *key)
{
    static const char *const known[] = { "test", "bench", "loglevel", "mem", "fault", "vcpus" };
    for (unsigned i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(key, known[i]))
            return 1;
    return 0;
}

const char *options_skip_image_name(const char *cmdline)
{
    const char *pos = cmdline;
    struct cmdline_word w;
    if (!cmdline || !cmdline_next(&pos, &w))
        return cmdline ? cmdline : "";
    if (w.has_value || is_known_key(w.key))
        return cmdline;
    while (*pos == ' ' || *pos == '\t')
        pos++;
    return pos;
}
