/* Kernel heap: power-of-two size classes carved from single pages (see kheap.h). */
#include <stdint.h>
#include <lib/string.h>
#include "kheap.h"
#include "kmem.h"
#include "mm.h"
#include "printk.h"

#define NCLASSES 7 /* 32 64 128 256 512 1024 2048 */
#define HDR 8u

struct free_obj { struct free_obj *next; };
static struct free_obj *free_list[NCLASSES];

static int size_class(size_t n)
{
    size_t need = n + HDR;
    for (int c = 0; c < NCLASSES; c++)
        if (need <= (32u << c))
            return c;
    return -1;
}

void *kmalloc(size_t n)
{
    int c = size_class(n);
    if (c < 0)
        return 0;
    if (!free_list[c]) {
        uint32_t pfn;
        if (alloc_zeroed_page(&pfn))
            return 0;
        uint8_t *page = pfn_to_virt(pfn);
        uint32_t sz = 32u << c;
        for (uint32_t off = 0; off + sz <= PAGE_SIZE; off += sz) {
            struct free_obj *o = (struct free_obj *)(page + off);
            o->next = free_list[c];
            free_list[c] = o;
        }
    }
    struct free_obj *o = free_list[c];
    free_list[c] = o->next;
    uint32_t *hdr = (uint32_t *)o;
    memset(hdr, 0, 32u << c);
    hdr[0] = 0x6b6d0000u | (uint32_t)c; /* class + a tag that catches bad frees */
    return (uint8_t *)o + HDR;
}

void kfree(void *p)
{
    if (!p)
        return;
    uint32_t *hdr = (uint32_t *)((uint8_t *)p - HDR);
    uint32_t c = hdr[0] & 0xffff;
    if ((hdr[0] & 0xffff0000u) != 0x6b6d0000u || c >= NCLASSES) {
        printk(KERN_ERR "kfree: bad pointer %p\n", p);
        return;
    }
    hdr[0] = 0;
    struct free_obj *o = (struct free_obj *)hdr;
    o->next = free_list[c];
    free_list[c] = o;
}
