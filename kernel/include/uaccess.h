/* Copies between kernel and user memory. Every user pointer a system call receives goes
 * through these: the range is checked against the process's regions first (unmapped, PROT_NONE
 * or read-only for a write -> -EFAULT), then copied by arch/x86_32/user_entry.S routines whose
 * page faults are either resolved (demand paging, copy-on-write) or turned into -EFAULT by the
 * #PF handler's fixup. No user pointer is ever dereferenced directly. */
#ifndef KERNEL_UACCESS_H
#define KERNEL_UACCESS_H
#include <stdint.h>
#include <stddef.h>

#define USER_TOP 0xC0000000u

int copy_from_user(void *dst, uint32_t usrc, size_t n); /* 0 or -EFAULT */
int copy_to_user(uint32_t udst, const void *src, size_t n);
int clear_user(uint32_t udst, size_t n);
/* Copies a NUL-terminated string of at most max-1 chars: its length, -EFAULT, or
 * -ENAMETOOLONG when no NUL is found within max bytes. */
int strncpy_from_user(char *dst, uint32_t usrc, size_t max);

/* Low-level (user_entry.S): return 0, or nonzero after a fault that could not be resolved. */
int __copy_user(void *dst, const void *src, size_t n);
int __clear_user(void *dst, size_t n);
/* Returns the string length (excluding NUL) copied, max if no NUL in max bytes, -1 on fault. */
int __strncpy_user(char *dst, const char *src, size_t max);
extern char __uaccess_start[], __uaccess_end[], __uaccess_fixup[];
#endif
