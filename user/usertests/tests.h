/* usertests: the list of tests, in run order. X(name, optional): optional tests run only when
 * named on the command line or with -a (pthread needs futex and CLONE_THREAD, which issue 8
 * does not require of the guest kernel). Each name has a function `int t_<name>(void)`. */
#define UT_TESTS(X)                                                                            \
    /* processes: proc.c */                                                                    \
    X(fork_basic, 0) X(fork_cow, 0) X(fork_shared_fd, 0) X(vfork_shares_memory, 0)             \
    X(posix_spawn, 0) X(execve_argv_envp_auxv, 0) X(execve_fds_and_signals, 0)                 \
    X(execve_errors, 0) X(exit_status, 0) X(wait4, 0) X(getpid_getppid, 0) X(orphan_reparent, 0)\
    X(tls_set_thread_area, 0) X(pthread_tls, 1)                                                \
    /* memory: mem.c */                                                                        \
    X(brk, 0) X(mmap_anon, 0) X(mmap_file_private, 0) X(mprotect, 0) X(prot_none_segv, 0)      \
    X(bad_address_segv, 0)                                                                     \
    /* files and pipes: io.c, fs.c */                                                          \
    X(pipe_rw, 0) X(pipe_capacity, 0) X(pipe_across_fork, 0) X(readv_writev, 0)                \
    X(dev_null_zero, 0) X(open_close, 0) X(openat, 0) X(lseek, 0) X(stat64, 0)                 \
    X(getdents64, 0) X(fcntl64, 0) X(dup_dup2, 0) X(chdir_getcwd, 0)                            \
    /* tty, uname, ids, time: misc.c */                                                        \
    X(tty_ioctls, 0) X(uname, 0) X(uid_gid, 0) X(time_monotonic, 0) X(nanosleep, 0)            \
    X(sched_yield, 0)                                                                          \
    /* signals: sig.c */                                                                       \
    X(sig_handler, 0) X(sig_siginfo, 0) X(sig_mask, 0) X(sig_fpu_preserved, 0) X(sig_eintr, 0)  \
    X(sig_default_actions, 0) X(sig_kill, 0)                                                   \
    /* poll/select: poll.c */                                                                  \
    X(poll_pipe, 0) X(poll_wakeup, 0) X(select_pipe, 0) X(poll_tty, 0)                         \
    /* several CPUs: smp.c */                                                                  \
    X(smp_hotplug_under_load, 0)                                                               \
    /* hostile arguments and limits: err.c, limits.c, hostile.c */                                        \
    X(efault, 0) X(ebadf, 0) X(enoent, 0) X(enosys, 0) X(fork_bomb, 0) X(out_of_memory, 0)  \
    X(sigreturn_hostile, 0) X(tls_hostile, 0) X(syscall_fuzz, 0)
