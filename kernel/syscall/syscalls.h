/* The system-call table: the ONE list of the Linux i386 numbers this kernel implements, with
 * each handler's name and argument count. table.c builds the dispatch table and the handler
 * prototypes from it; a number not listed returns -ENOSYS (logged once per number).
 * Handlers receive the raw argument registers (ebx, ecx, edx, esi, edi, ebp) as uint32_t. */
#ifndef KERNEL_SYSCALLS_H
#define KERNEL_SYSCALLS_H
#include <stdint.h>

#define SYSCALL_LIST(X) \
    X(1, exit, 1) X(2, fork, 0) X(3, read, 3) X(4, write, 3) X(5, open, 3) X(6, close, 1) \
    X(7, waitpid, 3) X(8, creat, 2) X(9, link, 2) X(10, unlink, 1) X(11, execve, 3) \
    X(12, chdir, 1) X(13, time, 1) X(14, mknod, 3) X(15, chmod, 2) X(19, lseek, 3) \
    X(20, getpid, 0) X(24, getuid, 0) X(27, alarm, 1) X(29, pause, 0) X(33, access, 2) \
    X(36, sync, 0) X(37, kill, 2) X(38, rename, 2) X(39, mkdir, 2) X(40, rmdir, 1) \
    X(41, dup, 1) X(42, pipe, 1) X(43, times, 1) X(45, brk, 1) X(47, getgid, 0) \
    X(49, geteuid, 0) X(50, getegid, 0) X(54, ioctl, 3) X(55, fcntl, 3) X(57, setpgid, 2) \
    X(60, umask, 1) X(63, dup2, 2) X(64, getppid, 0) X(65, getpgrp, 0) X(66, setsid, 0) \
    X(74, sethostname, 2) X(75, setrlimit, 2) X(76, getrlimit, 2) X(77, getrusage, 2) \
    X(78, gettimeofday, 2) X(83, symlink, 2) X(85, readlink, 3) X(88, reboot, 4) \
    X(90, old_mmap, 1) X(91, munmap, 2) X(92, truncate, 2) X(93, ftruncate, 2) \
    X(94, fchmod, 2) X(113, vm86old, 1) X(114, wait4, 4) X(116, sysinfo, 1) X(118, fsync, 1) \
    X(119, sigreturn, 0) X(120, clone, 5) X(122, uname, 1) X(125, mprotect, 3) \
    X(132, getpgid, 1) X(133, fchdir, 1) X(140, _llseek, 5) X(141, getdents, 3) \
    X(142, _newselect, 5) X(144, msync, 3) X(145, readv, 3) X(146, writev, 3) \
    X(147, getsid, 1) X(148, fdatasync, 1) X(158, sched_yield, 0) X(162, nanosleep, 2) X(166, vm86, 2) \
    X(168, poll, 3) X(172, prctl, 5) X(173, rt_sigreturn, 0) X(174, rt_sigaction, 4) \
    X(175, rt_sigprocmask, 4) X(176, rt_sigpending, 2) X(179, rt_sigsuspend, 2) \
    X(180, pread64, 5) X(181, pwrite64, 5) X(183, getcwd, 2) X(186, sigaltstack, 2) X(187, sendfile, 4) \
    X(190, vfork, 0) X(191, ugetrlimit, 2) X(192, mmap2, 6) X(193, truncate64, 3) \
    X(194, ftruncate64, 3) X(195, stat64, 2) X(196, lstat64, 2) X(197, fstat64, 2) \
    X(199, getuid32, 0) X(200, getgid32, 0) X(201, geteuid32, 0) X(202, getegid32, 0) \
    X(203, setreuid32, 2) X(204, setregid32, 2) X(205, getgroups32, 2) X(206, setgroups32, 2) \
    X(207, fchown32, 3) X(208, setresuid32, 3) X(209, getresuid32, 3) X(210, setresgid32, 3) \
    X(211, getresgid32, 3) X(212, chown32, 3) X(213, setuid32, 1) X(214, setgid32, 1) \
    X(219, madvise, 3) X(220, getdents64, 3) X(221, fcntl64, 3) X(224, gettid, 0) \
    X(238, tkill, 2) X(239, sendfile64, 4) X(243, set_thread_area, 1) X(244, get_thread_area, 1) \
    X(252, exit_group, 1) X(258, set_tid_address, 1) X(265, clock_gettime, 2) \
    X(266, clock_getres, 2) X(267, clock_nanosleep, 4) X(270, tgkill, 3) \
    X(295, openat, 4) X(296, mkdirat, 3) X(298, fchownat, 5) X(300, fstatat64, 4) \
    X(301, unlinkat, 3) X(302, renameat, 4) X(303, linkat, 5) X(304, symlinkat, 3) \
    X(305, readlinkat, 4) X(306, fchmodat, 3) X(307, faccessat, 3) X(308, pselect6, 6) \
    X(309, ppoll, 5) X(311, set_robust_list, 2) X(320, utimensat, 4) X(330, dup3, 3) \
    X(331, pipe2, 2) X(340, prlimit64, 4) X(355, getrandom, 3) X(383, statx, 5) \
    X(403, clock_gettime64, 2) X(406, clock_getres_time64, 2) X(407, clock_nanosleep_time64, 4) \
    X(439, faccessat2, 4)

#define NR_SYSCALLS 440

#define DECLARE_SYS(nr, name, nargs) \
    long sys_##name(uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5);
SYSCALL_LIST(DECLARE_SYS)
#undef DECLARE_SYS

#define SYSARGS uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5
#define SYSCALL(name) long sys_##name(SYSARGS)
#endif
