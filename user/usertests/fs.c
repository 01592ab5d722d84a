/* usertests: files and directories. open/openat/close/lseek/_llseek, stat64/lstat64/fstat64
 * (raw, with the kernel's struct stat64), getdents64, fcntl64, dup/dup2, chdir/getcwd.
 * Scratch files live under ut_path() and are removed again. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ut.h"

/* The i386 kernel's struct stat64 (96 bytes; 64-bit members are 4-aligned on i386). */
struct kstat64 {
    uint64_t st_dev;
    uint32_t pad0, st_ino32, st_mode, st_nlink, st_uid, st_gid;
    uint64_t st_rdev;
    uint32_t pad3;
    int64_t st_size;
    uint32_t st_blksize;
    uint64_t st_blocks;
    uint32_t st_atime_, st_atime_nsec, st_mtime_, st_mtime_nsec, st_ctime_, st_ctime_nsec;
    uint64_t st_ino;
};
_Static_assert(sizeof(struct kstat64) == 96, "struct stat64 is 96 bytes on i386");

struct kdirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static int make_file(const char *path, const char *content)
{
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0)
        return ut_fail("create %s errno %d", path, errno);
    size_t n = strlen(content);
    if (write(fd, content, n) != (ssize_t)n)
        return ut_fail("write %s errno %d", path, errno);
    close(fd);
    return 0;
}

int t_open_close(void)
{
    const char *path = ut_path("oc");
    unlink(path);
    int fd = (int)syscall(SYS_open, path, O_CREAT | O_EXCL | O_RDWR, 0600);
    CHECK(fd >= 0, "open O_CREAT|O_EXCL errno %d", errno);
    CHECK_ERRNO(syscall(SYS_open, path, O_CREAT | O_EXCL | O_RDWR, 0600), EEXIST);
    CHECK(write(fd, "0123456789", 10) == 10, "write");
    CHECK(syscall(SYS_close, fd) == 0, "close");
    CHECK_ERRNO(syscall(SYS_close, fd), EBADF);
    /* O_APPEND writes land at the end whatever the offset. */
    fd = open(path, O_WRONLY | O_APPEND);
    CHECK(fd >= 0, "open O_APPEND");
    lseek(fd, 0, SEEK_SET);
    CHECK(write(fd, "ab", 2) == 2, "append write");
    close(fd);
    char buf[32] = { 0 };
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0 && read(fd, buf, sizeof buf) == 12 && strcmp(buf, "0123456789ab") == 0,
          "after O_APPEND: '%s'", buf);
    CHECK_ERRNO(write(fd, "x", 1), EBADF);      /* O_RDONLY */
    close(fd);
    /* O_TRUNC empties it. */
    fd = open(path, O_WRONLY | O_TRUNC);
    CHECK(fd >= 0, "open O_TRUNC");
    close(fd);
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size == 0, "size after O_TRUNC %lld", (long long)st.st_size);
    /* The lowest free descriptor is allocated: every one below it is in use. */
    int a = open(path, O_RDONLY), b = open(path, O_RDONLY), c = open(path, O_RDONLY);
    CHECK(a >= 0 && b > a && c > b, "fds %d %d %d", a, b, c);
    for (int i = 0; i < c; i++)
        CHECK(i == a || i == b || fcntl(i, F_GETFD) >= 0, "open returned %d %d %d but %d was free",
              a, b, c, i);
    close(b);
    int d = open(path, O_RDONLY);
    CHECK(d == b, "reopen got fd %d, want the freed %d", d, b);
    close(a);
    close(c);
    close(d);
    /* Wrong kinds of path. */
    CHECK_ERRNO(open("/", O_WRONLY), EISDIR);
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/below", path);
    CHECK_ERRNO(open(sub, O_RDONLY), ENOTDIR);
    CHECK_ERRNO(open("", O_RDONLY), ENOENT);
    CHECK_ERRNO(open(path, O_RDONLY | O_DIRECTORY), ENOTDIR);
    fd = open("/", O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0, "open / O_DIRECTORY errno %d", errno);
    close(fd);
    unlink(path);
    return 0;
}

int t_openat(void)
{
    const char *dir = ut_path("atdir");
    CHECK(mkdir(dir, 0700) == 0, "mkdir %s errno %d", dir, errno);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0, "open dir errno %d", errno);
    int fd = (int)syscall(SYS_openat, dfd, "f", O_CREAT | O_WRONLY, 0600);
    CHECK(fd >= 0, "openat(dirfd, \"f\") errno %d", errno);
    CHECK(write(fd, "at", 2) == 2, "write");
    close(fd);
    char full[PATH_MAX];
    snprintf(full, sizeof full, "%s/f", dir);
    char buf[4] = { 0 };
    fd = (int)syscall(SYS_openat, AT_FDCWD, full, O_RDONLY);
    CHECK(fd >= 0 && read(fd, buf, 3) == 2 && strcmp(buf, "at") == 0,
          "openat(AT_FDCWD, absolute) did not find the file made relative to dirfd");
    close(fd);
    /* An absolute path ignores dirfd, even a bad one. */
    fd = (int)syscall(SYS_openat, 12345, full, O_RDONLY);
    CHECK(fd >= 0, "openat(bad dirfd, absolute path) errno %d", errno);
    close(fd);
    CHECK_ERRNO(syscall(SYS_openat, 12345, "f", O_RDONLY), EBADF);
    /* dirfd that is not a directory. */
    fd = open(full, O_RDONLY);
    CHECK_ERRNO(syscall(SYS_openat, fd, "f", O_RDONLY), ENOTDIR);
    close(fd);
    CHECK_ERRNO(syscall(SYS_openat, dfd, "missing", O_RDONLY), ENOENT);
    close(dfd);
    unlink(full);
    CHECK(rmdir(dir) == 0, "rmdir errno %d", errno);
    return 0;
}

int t_lseek(void)
{
    const char *path = ut_path("seek");
    if (make_file(path, "abcdefghij"))
        return -1;
    int fd = open(path, O_RDWR);
    CHECK(fd >= 0, "open");
    CHECK(syscall(SYS_lseek, fd, 3, SEEK_SET) == 3, "SEEK_SET 3");
    char c;
    CHECK(read(fd, &c, 1) == 1 && c == 'd', "read after seek: '%c'", c);
    CHECK(syscall(SYS_lseek, fd, 2, SEEK_CUR) == 6, "SEEK_CUR +2");
    CHECK(syscall(SYS_lseek, fd, -1, SEEK_END) == 9, "SEEK_END -1");
    CHECK(read(fd, &c, 1) == 1 && c == 'j', "last byte '%c'", c);
    CHECK(read(fd, &c, 1) == 0, "read at EOF");
    CHECK_ERRNO(syscall(SYS_lseek, fd, -20, SEEK_CUR), EINVAL);
    CHECK_ERRNO(syscall(SYS_lseek, fd, 0, 99), EINVAL);
    /* Past the end, then write: the gap reads as zeros. */
    CHECK(syscall(SYS_lseek, fd, 20, SEEK_SET) == 20, "seek past EOF");
    CHECK(write(fd, "Z", 1) == 1, "write past EOF");
    char buf[32];
    CHECK(pread(fd, buf, sizeof buf, 0) == 21, "size after hole");
    for (int i = 10; i < 20; i++)
        CHECK(buf[i] == 0, "hole byte %d is %#x", i, buf[i]);
    CHECK(buf[20] == 'Z', "byte after the hole");
    /* _llseek: 64-bit result through a pointer. */
    long long res = -1;
    CHECK(syscall(SYS__llseek, fd, 0, 5, &res, SEEK_SET) == 0 && res == 5,
          "_llseek to 5: result %lld errno %d", res, errno);
    CHECK(syscall(SYS__llseek, fd, 0, 0, &res, SEEK_END) == 0 && res == 21, "_llseek END %lld", res);
    CHECK(read(fd, &c, 1) == 0, "read at EOF after _llseek");
    close(fd);
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERRNO(syscall(SYS_lseek, p[0], 0, SEEK_SET), ESPIPE);
    CHECK_ERRNO(syscall(SYS__llseek, p[0], 0, 0, &res, SEEK_SET), ESPIPE);
    close(p[0]);
    close(p[1]);
    unlink(path);
    return 0;
}

int t_stat64(void)
{
    const char *path = ut_path("st");
    if (make_file(path, "12345"))
        return -1;
    struct kstat64 s, l, f;
    memset(&s, 0xff, sizeof s);
    CHECK(syscall(SYS_stat64, path, &s) == 0, "stat64 errno %d", errno);
    CHECK(S_ISREG(s.st_mode) && s.st_size == 5, "stat64 mode %#o size %lld", s.st_mode,
          (long long)s.st_size);
    CHECK((s.st_mode & 0777) == (0644 & ~0022 & 0777) || (s.st_mode & 0777) == 0644,
          "permission bits %#o", s.st_mode & 0777);
    CHECK(s.st_nlink == 1 && s.st_uid == (uint32_t)getuid(), "nlink %u uid %u", s.st_nlink, s.st_uid);
    CHECK(s.st_ino != 0 && (uint32_t)s.st_ino == s.st_ino32, "st_ino %llu vs __st_ino %u",
          (unsigned long long)s.st_ino, s.st_ino32);
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0, "open");
    CHECK(syscall(SYS_fstat64, fd, &f) == 0, "fstat64 errno %d", errno);
    CHECK(f.st_ino == s.st_ino && f.st_dev == s.st_dev && f.st_size == 5, "fstat64 disagrees");
    close(fd);
    CHECK(syscall(SYS_stat64, "/", &s) == 0 && S_ISDIR(s.st_mode), "stat64 / not a directory");
    int p[2];
    CHECK_OK(pipe(p));
    CHECK(syscall(SYS_fstat64, p[0], &f) == 0 && S_ISFIFO(f.st_mode), "pipe not S_ISFIFO");
    close(p[0]);
    close(p[1]);
    CHECK(syscall(SYS_stat64, "/dev/null", &s) == 0 && S_ISCHR(s.st_mode), "/dev/null not a char device");
    /* lstat64 sees the link, stat64 what it points to. */
    const char *link = ut_path("stlink");
    unlink(link);
    const char *target = path;
    int made = symlink(path, link) == 0;
    if (!made) {
        link = "/bin/sh";  /* a symlink to busybox in the guest, to dash on Debian */
        target = "/bin/sh";
        ut_note("symlink() failed (errno %d), using /bin/sh", errno);
    }
    CHECK(syscall(SYS_lstat64, link, &l) == 0, "lstat64 %s errno %d", link, errno);
    CHECK(S_ISLNK(l.st_mode), "lstat64 of %s: mode %#o is not a link", link, l.st_mode);
    CHECK(syscall(SYS_stat64, target, &s) == 0 && S_ISREG(s.st_mode), "stat64 through the link");
    if (made) {
        CHECK(l.st_size == (int64_t)strlen(path), "link size %lld, want %zu", (long long)l.st_size,
              strlen(path));
        unlink(link);
    }
    /* libc stat (statx or stat64 underneath) agrees. */
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size == 5 && S_ISREG(st.st_mode), "libc stat");
    CHECK_ERRNO(syscall(SYS_stat64, "/nonexistent-ut", &s), ENOENT);
    CHECK_ERRNO(syscall(SYS_fstat64, 9999, &s), EBADF);
    unlink(path);
    return 0;
}

/* Reads a directory with raw getdents64 through a deliberately small buffer (several calls). */
static int list_dir(const char *dir, char names[][16], unsigned char *types, int max, int *count)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return ut_fail("open %s errno %d", dir, errno);
    *count = 0;
    char buf[64] __attribute__((aligned(8)));
    long n;
    int calls = 0;
    while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
        calls++;
        for (long off = 0; off < n;) {
            struct kdirent64 *d = (struct kdirent64 *)(buf + off);
            if (d->d_reclen == 0 || off + d->d_reclen > n || (d->d_reclen & 7))
                return ut_fail("bad d_reclen %u at %ld of %ld", d->d_reclen, off, n);
            if (*count >= max)
                return ut_fail("more than %d entries", max);
            snprintf(names[*count], 16, "%s", d->d_name);
            types[(*count)++] = d->d_type;
            off += d->d_reclen;
        }
        if (calls > 100)
            return ut_fail("getdents64 never reaches the end");
    }
    if (n < 0)
        return ut_fail("getdents64 errno %d", errno);
    if (calls < 2)
        return ut_fail("%d entries came in %d call(s) of a 64-byte buffer", *count, calls);
    /* At the end it keeps returning 0. */
    if (syscall(SYS_getdents64, fd, buf, sizeof buf) != 0)
        return ut_fail("getdents64 after the end did not return 0");
    /* A buffer too small for one entry is EINVAL. */
    lseek(fd, 0, SEEK_SET);
    errno = 0;
    if (syscall(SYS_getdents64, fd, buf, 8) != -1 || errno != EINVAL)
        return ut_fail("getdents64 with an 8-byte buffer: errno %d, want EINVAL", errno);
    close(fd);
    return 0;
}

int t_getdents64(void)
{
    const char *dir = ut_path("gd");
    CHECK(mkdir(dir, 0700) == 0, "mkdir errno %d", errno);
    char path[PATH_MAX];
    static const char *files[] = { "alpha", "beta", "gamma", "delta-long-name" };
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if (make_file(path, "x"))
            return -1;
    }
    snprintf(path, sizeof path, "%s/sub", dir);
    CHECK(mkdir(path, 0700) == 0, "mkdir sub");
    char names[16][16];
    unsigned char types[16];
    int count = 0;
    if (list_dir(dir, names, types, 16, &count))
        return -1;
    CHECK(count == 7, "%d entries, want 7 (., .., 4 files, sub)", count);
    int seen = 0;
    for (int i = 0; i < count; i++) {
        int bit = -1;
        for (int f = 0; f < 4; f++)
            if (strcmp(names[i], files[f]) == 0)
                bit = f;
        if (strcmp(names[i], ".") == 0) bit = 4;
        if (strcmp(names[i], "..") == 0) bit = 5;
        if (strcmp(names[i], "sub") == 0) bit = 6;
        CHECK(bit >= 0, "unexpected entry '%s'", names[i]);
        CHECK(!(seen & 1 << bit), "entry '%s' twice", names[i]);
        seen |= 1 << bit;
        CHECK(types[i] == (bit < 4 ? DT_REG : DT_DIR), "'%s' d_type %u", names[i], types[i]);
    }
    /* libc readdir agrees on the count. */
    DIR *d = opendir(dir);
    CHECK(d != NULL, "opendir");
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    CHECK(n == 7, "readdir saw %d entries", n);
    /* Not a directory / not a descriptor. */
    snprintf(path, sizeof path, "%s/alpha", dir);
    int fd = open(path, O_RDONLY);
    char buf[64];
    CHECK_ERRNO(syscall(SYS_getdents64, fd, buf, sizeof buf), ENOTDIR);
    close(fd);
    CHECK_ERRNO(syscall(SYS_getdents64, 9999, buf, sizeof buf), EBADF);
    /* Clean up; rmdir of a non-empty directory fails first. */
    CHECK_ERRNO(rmdir(dir), ENOTEMPTY);
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/sub", dir);
    rmdir(path);
    CHECK(rmdir(dir) == 0, "rmdir errno %d", errno);
    return 0;
}

int t_fcntl64(void)
{
    int p[2];
    CHECK_OK(pipe(p));
    CHECK(syscall(SYS_fcntl64, p[0], F_GETFD) == 0, "fresh fd has flags %ld",
          syscall(SYS_fcntl64, p[0], F_GETFD));
    CHECK(syscall(SYS_fcntl64, p[0], F_SETFD, FD_CLOEXEC) == 0, "F_SETFD");
    CHECK(syscall(SYS_fcntl64, p[0], F_GETFD) == FD_CLOEXEC, "FD_CLOEXEC not kept");
    long fl = syscall(SYS_fcntl64, p[0], F_GETFL);
    CHECK(fl >= 0 && (fl & O_ACCMODE) == O_RDONLY, "F_GETFL %#lx on a read end", fl);
    CHECK((syscall(SYS_fcntl64, p[1], F_GETFL) & O_ACCMODE) == O_WRONLY, "write end not O_WRONLY");
    CHECK(syscall(SYS_fcntl64, p[0], F_SETFL, fl | O_NONBLOCK) == 0, "F_SETFL O_NONBLOCK");
    CHECK(syscall(SYS_fcntl64, p[0], F_GETFL) & O_NONBLOCK, "O_NONBLOCK not kept");
    char c;
    CHECK_ERRNO(read(p[0], &c, 1), EAGAIN);
    long d = syscall(SYS_fcntl64, p[1], F_DUPFD, 20);
    CHECK(d >= 20, "F_DUPFD >= 20 returned %ld", d);
    CHECK(syscall(SYS_fcntl64, d, F_GETFD) == 0, "F_DUPFD copy has FD_CLOEXEC");
    long e = syscall(SYS_fcntl64, p[1], F_DUPFD_CLOEXEC, 20);
    CHECK(e > d, "F_DUPFD_CLOEXEC returned %ld (after %ld)", e, d);
    CHECK(syscall(SYS_fcntl64, e, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC copy lacks FD_CLOEXEC");
    CHECK(write(d, "k", 1) == 1 && read(p[0], &c, 1) == 1 && c == 'k', "the dup is the same pipe");
    /* File status flags belong to the open file: the dup sees O_NONBLOCK set through p[1]. */
    CHECK(syscall(SYS_fcntl64, p[1], F_SETFL, O_NONBLOCK) == 0, "F_SETFL on write end");
    CHECK(syscall(SYS_fcntl64, d, F_GETFL) & O_NONBLOCK, "status flags not shared with the dup");
    CHECK_ERRNO(syscall(SYS_fcntl64, 9999, F_GETFD), EBADF);
    CHECK_ERRNO(syscall(SYS_fcntl64, p[0], 0x7fff), EINVAL);
    close(d);
    close(e);
    close(p[0]);
    close(p[1]);
    return 0;
}

int t_dup_dup2(void)
{
    const char *path = ut_path("dup");
    if (make_file(path, "abcdef"))
        return -1;
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0, "open");
    int d = (int)syscall(SYS_dup, fd);
    CHECK(d > fd, "dup returned %d", d);
    char c;
    CHECK(read(fd, &c, 1) == 1 && c == 'a', "read");
    CHECK(read(d, &c, 1) == 1 && c == 'b', "dup does not share the offset ('%c')", c);
    /* dup2 onto an open descriptor closes it first; onto itself is a no-op returning it. */
    int other = open("/dev/null", O_RDONLY);
    CHECK(other >= 0, "open /dev/null");
    CHECK(syscall(SYS_dup2, fd, other) == other, "dup2 onto open fd");
    CHECK(read(other, &c, 1) == 1 && c == 'c', "dup2 target is not the file ('%c')", c);
    CHECK(syscall(SYS_dup2, fd, fd) == fd, "dup2(fd, fd)");
    CHECK(syscall(SYS_dup2, fd, 50) == 50, "dup2 to 50");
    CHECK(read(50, &c, 1) == 1 && c == 'd', "fd 50");
    close(fd);
    CHECK(read(d, &c, 1) == 1 && c == 'e', "dup survives closing the original");
    CHECK_ERRNO(syscall(SYS_dup, 9999), EBADF);
    CHECK_ERRNO(syscall(SYS_dup2, 9999, 60), EBADF);
    CHECK_ERRNO(syscall(SYS_dup2, fd, 61), EBADF);    /* fd is closed now */
    CHECK_ERRNO(syscall(SYS_dup2, d, 1 << 20), EBADF); /* beyond the descriptor limit */
    CHECK_ERRNO(syscall(SYS_dup2, d, -1), EBADF);
    close(d);
    close(other);
    close(50);
    unlink(path);
    return 0;
}

int t_chdir_getcwd(void)
{
    char start[PATH_MAX], buf[PATH_MAX];
    long n = syscall(SYS_getcwd, start, sizeof start);
    CHECK(n > 0 && start[0] == '/' && n == (long)strlen(start) + 1,
          "raw getcwd returned %ld for '%s' (want strlen+1)", n, start);
    const char *dir = ut_path("cwd");
    CHECK(mkdir(dir, 0700) == 0, "mkdir errno %d", errno);
    CHECK(syscall(SYS_chdir, dir) == 0, "chdir %s errno %d", dir, errno);
    CHECK(getcwd(buf, sizeof buf) && strcmp(buf, dir) == 0, "getcwd '%s', want '%s'", buf, dir);
    /* Relative paths resolve against the new cwd. */
    if (make_file("rel", "r"))
        return -1;
    char full[PATH_MAX];
    snprintf(full, sizeof full, "%s/rel", dir);
    CHECK(access(full, F_OK) == 0, "relative create did not land in the cwd");
    CHECK(syscall(SYS_chdir, "..") == 0, "chdir ..");
    CHECK(getcwd(buf, sizeof buf) && strncmp(buf, dir, strlen(buf)) == 0 &&
          dir[strlen(buf)] == '/', "after chdir .. getcwd '%s'", buf);
    CHECK(syscall(SYS_chdir, "/") == 0 && getcwd(buf, sizeof buf) && strcmp(buf, "/") == 0,
          "chdir / then getcwd '%s'", buf);
    CHECK_ERRNO(syscall(SYS_chdir, "/nonexistent-ut"), ENOENT);
    CHECK_ERRNO(syscall(SYS_chdir, full), ENOTDIR);
    CHECK_ERRNO(syscall(SYS_getcwd, buf, 1), ERANGE);
    /* A child's cwd is its own. */
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0)
        _exit(chdir(dir) == 0 ? 0 : 1);
    if (ut_expect_exit(ut_wait(pid), 0, "child chdir"))
        return -1;
    CHECK(getcwd(buf, sizeof buf) && strcmp(buf, "/") == 0, "child's chdir moved the parent");
    unlink(full);
    rmdir(dir);
    CHECK(chdir(start) == 0, "back to start");
    return 0;
}
