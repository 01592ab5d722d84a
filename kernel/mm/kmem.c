/* The kernel's physical page allocator instance, set up from the boot memory map. */
#include <stdint.h>
#include <lib/string.h>
#include "kmem.h"
#include "mm.h"
#include "printk.h"

struct page_alloc phys_pages;
uint32_t lowmem_end_pfn;
static uint32_t storage[PAGE_ALLOC_STORAGE_WORDS(LOWMEM_LIMIT_PFN)];

void mem_init(const struct memmap *m, uint32_t mem_limit)
{
    uint32_t end = memmap_end_pfn(m);
    if (end > LOWMEM_LIMIT_PFN)
        end = LOWMEM_LIMIT_PFN;
    if (mem_limit && (mem_limit >> PAGE_SHIFT) < end)
        end = mem_limit >> PAGE_SHIFT;
    lowmem_end_pfn = end;
    page_alloc_init(&phys_pages, 0, end, storage);
    uint32_t mapped = m->boot_mapped_end_pfn ? m->boot_mapped_end_pfn : end;
    for (unsigned i = 0; i < m->nr_usable; i++)
        page_alloc_add_range(&phys_pages, m->usable[i].start,
                             m->usable[i].end < mapped ? m->usable[i].end : mapped);
    for (unsigned i = 0; i < m->nr_reserved; i++)
        page_alloc_reserve(&phys_pages, m->reserved[i].start, m->reserved[i].end);
    if (m->overflow)
        printk(KERN_WARNING "warning: boot memory map has more than %u ranges; some ignored\n",
               MEMMAP_MAX_RANGES);
}

void mem_add_mapped(const struct memmap *m, uint32_t start_pfn, uint32_t end_pfn)
{
    for (unsigned i = 0; i < m->nr_usable; i++) {
        uint32_t s = m->usable[i].start > start_pfn ? m->usable[i].start : start_pfn;
        uint32_t e = m->usable[i].end < end_pfn ? m->usable[i].end : end_pfn;
        if (s < e)
            page_alloc_add_range(&phys_pages, s, e);
    }
}

int alloc_zeroed_page(uint32_t *pfn)
{
    if (page_alloc_get(&phys_pages, pfn))
        return -1;
    memset(pfn_to_virt(*pfn), 0, PAGE_SIZE);
    return 0;
}

void free_page(uint32_t pfn)
{
    if (page_alloc_put(&phys_pages, pfn))
        printk(KERN_ERR "free_page: pfn 0x%x was not allocated\n", pfn);
}
