/* usertests --exec-helper MODE ...: the far side of the execve tests. It checks what the
 * kernel built for the new image and reports through its exit code (0 = all as expected,
 * otherwise the number of the first failed check, with a message on stderr).
 *
 *   argv          argv = {usertests, --exec-helper, argv, "hello world", ""}, envp holds
 *                 UT_ENV=42 and UT_EMPTY=, and the auxiliary vector is what a libc needs
 *   fds R W       fd R (opened with O_CLOEXEC by the parent) is closed, fd W is still open
 *   signals       SIGUSR1 was handled in the parent: now SIG_DFL; SIGUSR2 was ignored: still
 *                 ignored; SIGHUP was blocked: still blocked
 *   exit N        exit(N)
 *   print ARG..   write the arguments, one a line, to stdout
 */
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "ut.h"

extern char _start[];   /* the ELF entry point of this static executable */

#define EXPECT(n, cond, ...) do {                                            \
        if (!(cond)) { fprintf(stderr, "exec-helper: " __VA_ARGS__); fputc('\n', stderr); return n; } \
    } while (0)

static int check_argv(int argc, char **argv, char **envp)
{
    EXPECT(10, argc == 5, "argc %d, want 5", argc);
    EXPECT(11, strcmp(argv[3], "hello world") == 0, "argv[3] '%s'", argv[3]);
    EXPECT(12, argv[4][0] == 0, "argv[4] not empty");
    EXPECT(13, argv[5] == NULL, "argv not NULL-terminated");
    EXPECT(14, envp == argv + argc + 1, "envp %p not right after argv", (void *)envp);
    int got_env = 0, got_empty = 0, n = 0;
    for (char **e = envp; *e; e++, n++) {
        got_env |= strcmp(*e, "UT_ENV=42") == 0;
        got_empty |= strcmp(*e, "UT_EMPTY=") == 0;
    }
    EXPECT(15, n == 2 && got_env && got_empty, "envp has %d entries (want UT_ENV=42, UT_EMPTY=)", n);
    EXPECT(16, getenv("UT_ENV") && strcmp(getenv("UT_ENV"), "42") == 0, "getenv(UT_ENV)");

    /* The auxiliary vector sits after envp's NULL. */
    Elf32_auxv_t *aux = (Elf32_auxv_t *)(envp + n + 1);
    unsigned long pagesz = 0, phdr = 0, phnum = 0, phent = 0, entry = 0, random = 0, uid = ~0UL;
    for (; aux->a_type != AT_NULL; aux++) {
        switch (aux->a_type) {
        case AT_PAGESZ: pagesz = aux->a_un.a_val; break;
        case AT_PHDR: phdr = aux->a_un.a_val; break;
        case AT_PHNUM: phnum = aux->a_un.a_val; break;
        case AT_PHENT: phent = aux->a_un.a_val; break;
        case AT_ENTRY: entry = aux->a_un.a_val; break;
        case AT_RANDOM: random = aux->a_un.a_val; break;
        case AT_UID: uid = aux->a_un.a_val; break;
        }
    }
    EXPECT(20, pagesz == 4096, "AT_PAGESZ %lu", pagesz);
    EXPECT(21, entry == (unsigned long)_start, "AT_ENTRY %#lx, _start %p", entry, (void *)_start);
    EXPECT(22, phent == sizeof(Elf32_Phdr) && phnum > 0 && phnum < 64, "AT_PHENT %lu AT_PHNUM %lu",
           phent, phnum);
    EXPECT(23, phdr != 0, "AT_PHDR missing");
    const Elf32_Phdr *ph = (const Elf32_Phdr *)phdr;
    int loads = 0;
    for (unsigned long i = 0; i < phnum; i++)
        loads += ph[i].p_type == PT_LOAD;
    EXPECT(24, loads > 0, "AT_PHDR does not point at program headers with a PT_LOAD");
    EXPECT(25, random != 0, "AT_RANDOM missing");
    EXPECT(26, uid == (unsigned long)getuid(), "AT_UID %lu, getuid %d", uid, (int)getuid());
    EXPECT(27, getauxval(AT_PAGESZ) == 4096, "getauxval(AT_PAGESZ)");
    /* The initial stack pointer is 16-byte aligned per the i386 psABI: argc sits at it. */
    EXPECT(28, ((unsigned long)(argv - 1) & 15) == 0, "initial %%esp %p not 16-aligned",
           (void *)(argv - 1));
    return 0;
}

static int check_fds(char **argv)
{
    int rfd = atoi(argv[3]), wfd = atoi(argv[4]);
    errno = 0;
    EXPECT(30, fcntl(rfd, F_GETFD) == -1 && errno == EBADF, "O_CLOEXEC fd %d survived execve", rfd);
    EXPECT(31, fcntl(wfd, F_GETFD) == 0, "fd %d was not inherited (errno %d)", wfd, errno);
    EXPECT(32, write(wfd, "x", 1) == 1, "inherited fd %d not writable", wfd);
    return 0;
}

static int check_signals(void)
{
    struct sigaction sa;
    EXPECT(40, sigaction(SIGUSR1, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL,
           "handled SIGUSR1 not reset to SIG_DFL by execve");
    EXPECT(41, sigaction(SIGUSR2, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN,
           "ignored SIGUSR2 not kept ignored across execve");
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    EXPECT(42, sigismember(&cur, SIGHUP), "blocked SIGHUP not kept blocked across execve");
    return 0;
}

int ut_exec_helper(int argc, char **argv, char **envp)
{
    if (argc < 3)
        return 2;
    const char *mode = argv[2];
    if (strcmp(mode, "argv") == 0)
        return check_argv(argc, argv, envp);
    if (strcmp(mode, "fds") == 0 && argc == 5)
        return check_fds(argv);
    if (strcmp(mode, "signals") == 0)
        return check_signals();
    if (strcmp(mode, "exit") == 0 && argc == 4)
        return atoi(argv[3]);
    if (strcmp(mode, "print") == 0) {
        for (int i = 3; i < argc; i++)
            printf("%s\n", argv[i]);
        return 0;
    }
    fprintf(stderr, "exec-helper: unknown mode %s\n", mode);
    return 2;
}
