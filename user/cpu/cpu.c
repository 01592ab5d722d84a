/* cpu: CPU hotplug from the shell (issue 10 item 4), over the Linux-style sysfs files the
 * kernel provides (kernel/fs/sysfs.c):
 *
 *   cpu [status]      one line per CPU: its number, online/offline, and its counters
 *                     (the text of /sys/devices/system/cpu/cpuN/stat)
 *   cpu offline N     writes 0 to /sys/devices/system/cpu/cpuN/online
 *   cpu online N      writes 1 to it
 *
 * Exit status: 0 done, 1 the kernel refused (the message names the errno: EINVAL for cpu0 or a
 * CPU that does not exist, EBUSY for one in the middle of a change, ...), 2 usage.
 *
 * cpu0 has no online file (the boot CPU never goes offline), so a missing online file is
 * reported as EINVAL, the answer Linux gives for a CPU that cannot be hotplugged. Success is
 * silent, so a shell loop of a thousand changes prints nothing but errors. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CPU_DIR "/sys/devices/system/cpu"

static int usage(void)
{
    fprintf(stderr, "usage: cpu [status] | cpu offline N | cpu online N\n");
    return 2;
}

/* Reads a small sysfs file into b (NUL-terminated, trailing newline removed); -1 with errno. */
static int read_small(const char *path, char *b, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, b, size - 1);
    int saved = errno;
    close(fd);
    if (n < 0) {
        errno = saved;
        return -1;
    }
    b[n] = 0;
    if (n > 0 && b[n - 1] == '\n')
        b[n - 1] = 0;
    return 0;
}

static int status(void)
{
    char path[64], stat[160], online[8];
    for (unsigned cpu = 0;; cpu++) {
        snprintf(path, sizeof path, CPU_DIR "/cpu%u/stat", cpu);
        if (read_small(path, stat, sizeof stat) < 0) {
            if (errno == ENOENT && cpu > 0)
                return 0;  /* past the last CPU */
            fprintf(stderr, "cpu: %s: %s\n", path, strerror(errno));
            return 1;
        }
        snprintf(path, sizeof path, CPU_DIR "/cpu%u/online", cpu);
        int up = 1;  /* cpu0 (no online file) is always online */
        if (read_small(path, online, sizeof online) == 0)
            up = strcmp(online, "1") == 0;
        else if (errno != ENOENT) {
            fprintf(stderr, "cpu: %s: %s\n", path, strerror(errno));
            return 1;
        }
        printf("cpu%u %-7s %s\n", cpu, up ? "online" : "offline", stat);
    }
}

/* A CPU number: decimal digits only, so "1x" or "-1" is a usage error, not cpu 1. */
static int parse_cpu(const char *s, unsigned *cpu)
{
    if (!*s || strlen(s) > 4)
        return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    *cpu = (unsigned)atoi(s);
    return 0;
}

static int set_online(unsigned cpu, int on)
{
    const char *what = on ? "online" : "offline";
    char path[64];
    snprintf(path, sizeof path, CPU_DIR "/cpu%u/online", cpu);
    int fd = open(path, O_WRONLY);
    if (fd < 0) {
        int e = errno == ENOENT ? EINVAL : errno;
        fprintf(stderr, "cpu: %s %u: %s%s\n", what, cpu, strerror(e),
                errno == ENOENT ? (cpu == 0 ? " (cpu0 cannot be taken offline or online)"
                                            : " (no such CPU)") : "");
        return 1;
    }
    ssize_t n = write(fd, on ? "1" : "0", 1);
    int e = errno;
    close(fd);
    if (n != 1) {
        fprintf(stderr, "cpu: %s %u: %s\n", what, cpu, n < 0 ? strerror(e) : "short write");
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 1 || (argc == 2 && strcmp(argv[1], "status") == 0))
        return status();
    unsigned cpu;
    if (argc == 3 && parse_cpu(argv[2], &cpu) == 0) {
        if (strcmp(argv[1], "offline") == 0)
            return set_online(cpu, 0);
        if (strcmp(argv[1], "online") == 0)
            return set_online(cpu, 1);
    }
    return usage();
}
