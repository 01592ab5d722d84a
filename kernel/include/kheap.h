/* A small kernel heap for objects up to KHEAP_MAX bytes (inodes, files, vmas, names).
 *
 * Invariants:
 *  - Every object carries its size class in an 8-byte header, so kfree needs no size.
 *  - Pages are taken from the physical page allocator one at a time and never returned (the
 *    classes keep their free lists); kmalloc returns 0 when memory is exhausted, never panics. */
#ifndef KERNEL_KHEAP_H
#define KERNEL_KHEAP_H
#include <stddef.h>
#define KHEAP_MAX 2040
void *kmalloc(size_t n);  /* zeroed; 0 if n > KHEAP_MAX or out of memory */
void kfree(void *p);
#endif
