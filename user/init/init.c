/* /init: the first user program. Prints a banner and runs the shell on the console.
 * Built static with musl for i386 (the Linux i386 system-call ABI the guest kernel speaks). */
#include <stdio.h>
#include <unistd.h>
#include <sys/utsname.h>

int main(int argc, char **argv, char **envp)
{
    (void)argc;
    (void)argv;
    struct utsname u;
    if (uname(&u) == 0)
        printf("init: %s %s on %s\n", u.sysname, u.release, u.machine);
    /* The end point of `make bench`'s boot measure (tools/bench): under QEMU -icount the TSC
     * counts every instruction executed since reset, hypervisor included. */
    unsigned int lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    printf("init: boot_tsc %llu shell\n", ((unsigned long long)hi << 32) | lo);
    printf("init: starting /bin/sh\n");
    fflush(stdout);
    char *sh_argv[] = { "sh", NULL };
    execve("/bin/sh", sh_argv, envp);
    perror("init: execve /bin/sh");
    return 1;
}
