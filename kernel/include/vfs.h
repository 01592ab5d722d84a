/* The in-memory filesystem (tmpfs semantics) and open files.
 *
 * Everything lives in RAM: the initrd (cpio newc) is unpacked into it at boot, and it is
 * writable. Regular file data is kept in whole pages (a two-level index), which user mappings
 * share copy-on-write (see vm.h). Devices (/dev/console, /dev/null, /dev/zero) and /proc files
 * are inodes with their own file operations.
 *
 * Invariants:
 *  - An inode is freed when it has no directory entry (nlink == 0) and no reference (refs == 0:
 *    open files, working directories, mappings, lookups in progress hold references).
 *  - A directory's entries have unique names, never "." or ".." (those are resolved by lookup
 *    from `parent`); the root is its own parent.
 *  - Directory positions (getdents) are per-entry sequence numbers, so removing entries while
 *    a directory is being read never makes the reader skip one (rm -r relies on this).
 *  - File operations take USER pointers and copy with uaccess (-EFAULT, never a crash). */
#ifndef KERNEL_VFS_H
#define KERNEL_VFS_H
#include <stdint.h>
#include "uapi.h"

#define NAME_MAX 255
#define PATH_MAX 4096
#define FILE_INDEX_ENTRIES 1024 /* page pointers per index page */

struct file;
struct inode;

struct file_ops {
    long (*read)(struct file *f, uint32_t ubuf, uint32_t n);
    long (*write)(struct file *f, uint32_t ubuf, uint32_t n);
    long (*ioctl)(struct file *f, uint32_t cmd, uint32_t arg);
    int (*poll)(struct file *f);          /* POLLIN/POLLOUT/POLLHUP now ready */
    void (*release)(struct file *f);      /* last close */
};

/* Directories whose contents are generated (/proc). */
struct dir_ops {
    struct inode *(*lookup)(struct inode *dir, const char *name); /* referenced, or 0 */
    /* The first entry at or after position pos (0, 1, ...): 0 past the end, else k > 0 with
     * name/ino/type filled, the next position being pos + k. */
    int (*readdir)(struct inode *dir, uint32_t pos, char *name, uint32_t *ino, uint8_t *type);
};

struct dirent {
    struct dirent *next;
    struct inode *inode;
    uint32_t seq;     /* its readdir position: increasing along the list, never reused */
    uint16_t len;
    char name[];
};

struct inode {
    uint32_t ino;
    uint32_t mode;    /* S_IF* | permissions */
    uint32_t nlink;
    int refs;
    uint32_t uid, gid, rdev;
    uint32_t atime, mtime, ctime;
    uint64_t size;
    void ***pages;                 /* regular: index of index pages (lazily allocated) */
    struct dirent *entries;        /* directory, in creation order */
    uint32_t next_seq;             /* directory: seq of the next entry made (starts at 2) */
    struct inode *parent;          /* directory */
    const struct dir_ops *dops;    /* generated directory, or 0 */
    char *target;                  /* symlink */
    const struct file_ops *fops;   /* device or generated file; 0 = regular tmpfs data */
    int (*generate)(struct inode *ip, char *buf, uint32_t size); /* /proc file contents */
    uint32_t priv;                 /* generator argument (a pid) */
};

struct file {
    int refs;
    struct inode *ip;
    uint32_t flags;  /* O_* given to open (access mode, O_APPEND, O_NONBLOCK) */
    uint64_t pos;
    const struct file_ops *ops;
    void *priv;      /* pipe, generated contents */
    uint32_t priv_len;
};

extern struct inode *vfs_root;

/* inodes */
struct inode *inode_new(uint32_t mode);
void iget(struct inode *ip);
void iput(struct inode *ip);
/* Pure path helper: the next component of *p (skipping slashes) copied into name (NAME_MAX+1);
 * its length, 0 at the end, or -ENAMETOOLONG. */
int path_next(const char **p, char *name);

/* directories */
struct inode *dir_lookup(struct inode *dir, const char *name); /* referenced, or 0 */
int dir_link(struct inode *dir, const char *name, struct inode *ip);
int dir_unlink(struct inode *dir, const char *name, int want_dir);
int dir_empty(struct inode *dir);

/* name resolution relative to base (0 = cwd; absolute paths start at the root). */
#define LOOKUP_FOLLOW 1
int namei(struct inode *base, const char *path, int flags, struct inode **out);
/* The directory that would hold path's last component, and that component. */
int nameiparent(struct inode *base, const char *path, struct inode **dir, char *name);
int vfs_create(struct inode *base, const char *path, uint32_t mode, int excl, struct inode **out);

/* regular file data */
long tmpfs_read(struct inode *ip, uint64_t off, void *kbuf, uint32_t n);           /* kernel buffer */
long tmpfs_read_user(struct inode *ip, uint64_t off, uint32_t ubuf, uint32_t n);
long tmpfs_write(struct inode *ip, uint64_t off, const void *kbuf, uint32_t n, int user);
int tmpfs_truncate(struct inode *ip, uint64_t size);
void *tmpfs_page(struct inode *ip, uint32_t index, int create); /* kernel address or 0 */
void tmpfs_set_limit(uint32_t pages); /* most pages file data may hold (0 = no limit) */
uint32_t tmpfs_pages_used(void);

/* open files */
struct file *file_open_inode(struct inode *ip, uint32_t flags); /* takes its own ref on ip */
void file_get(struct file *f);
void file_put(struct file *f);
long file_read(struct file *f, uint32_t ubuf, uint32_t n);
long file_write(struct file *f, uint32_t ubuf, uint32_t n);
int file_poll(struct file *f);
void stat_fill(struct inode *ip, struct linux_stat64 *st);

/* pipes */
int pipe_create(struct file **rd, struct file **wr);

/* devices, /proc, tty */
void devfs_init(void);
void procfs_init(void);
void tty_init(void);
void tty_poll_input(void);          /* called by the scheduler: moves console input in */
extern const struct file_ops tty_ops;
uint32_t kernel_random(void);
long random_to_user(uint32_t ubuf, uint32_t n);  /* n random bytes; short on a fault */
int tty_foreground_pgrp(void);

/* cpio newc (pure, host-tested) */
struct cpio_entry {
    const char *name;    /* not NUL-terminated necessarily: name_len bytes */
    uint32_t name_len;   /* without the NUL */
    uint32_t mode;
    const uint8_t *data;
    uint32_t size;
    uint32_t mtime;
};
/* The entry at *off: 1 (and *off advanced), 0 at the trailer, -1 when malformed. */
int cpio_next(const uint8_t *buf, uint32_t len, uint32_t *off, struct cpio_entry *e);
/* Unpacks an archive into the root filesystem. Returns files unpacked or -errno. */
int initrd_unpack(const void *buf, uint32_t len);
void vfs_init(void);
#endif
