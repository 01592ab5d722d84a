/* bench: runner. `bench` runs every operation in order, `bench NAME...` the named ones, `-l`
 * lists them. See bench.h for the output contract. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

const char *bench_true_path = "/bin/bench-true";
static char error_text[256];

int64_t bench_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error_text, sizeof error_text, fmt, ap);
    va_end(ap);
    return -1;
}

int64_t bench_loop(void (*fn)(void), int iterations)
{
    fn();   /* warm-up: first-touch faults, cache fills */
    uint64_t t0 = rdtsc();
    for (int i = 0; i < iterations; i++)
        fn();
    uint64_t t1 = rdtsc();
    return (int64_t)((t1 - t0) / (uint64_t)iterations);
}

/* bench-true lives next to this program: build/user/ on the host, /bin in the guest. */
static void find_helper(const char *argv0)
{
    static char path[PATH_MAX];
    const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
    if (!slash)
        return;
    size_t dir = (size_t)(slash - argv0);
    if (dir + sizeof "/bench-true" > sizeof path)
        return;
    memcpy(path, argv0, dir);
    strcpy(path + dir, "/bench-true");
    bench_true_path = path;
}

static int run(const struct bench_op *op)
{
    error_text[0] = 0;
    fflush(stdout);
    int64_t ticks = op->measure(op->iterations);
    if (ticks < 0) {
        printf("bench: error %s: %s\n", op->name, error_text[0] ? error_text : "failed");
        return 0;
    }
    printf("bench: %s %d %lld\n", op->name, op->iterations, (long long)ticks);
    return 1;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    find_helper(argv[0]);
    int ok = 1;
    if (argc >= 2 && strcmp(argv[1], "-l") == 0) {
        for (int i = 0; i < bench_nops; i++)
            printf("%s %d\n", bench_ops[i].name, bench_ops[i].iterations);
        return 0;
    }
    if (argc >= 2) {
        for (int a = 1; a < argc; a++) {
            int found = 0;
            for (int i = 0; i < bench_nops; i++)
                if (strcmp(bench_ops[i].name, argv[a]) == 0) {
                    found = 1;
                    ok &= run(&bench_ops[i]);
                }
            if (!found) {
                printf("bench: error %s: no such operation\n", argv[a]);
                ok = 0;
            }
        }
    } else {
        for (int i = 0; i < bench_nops; i++)
            ok &= run(&bench_ops[i]);
    }
    printf("bench: done\n");
    return ok ? 0 : 1;
}
