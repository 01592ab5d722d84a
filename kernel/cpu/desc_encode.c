/* Segment descriptor encoding and decoding: pure bit layout (host-tested), no hardware. */
#include <stdint.h>
#include "desc.h"

uint64_t make_seg_desc(uint32_t base, uint32_t limit_pages, unsigned type, unsigned dpl)
{
    uint32_t limit = limit_pages - 1; /* in 4 KB units: the last page covered */
    uint32_t lo = (limit & 0xffffu) | ((base & 0xffffu) << 16);
    uint32_t hi = ((base >> 16) & 0xffu) | ((type & 0xfu) << 8) | (1u << 12) /* code/data */ |
                  ((dpl & 3u) << 13) | (1u << 15) /* present */ | (limit & 0xf0000u) |
                  (1u << 22) /* 32-bit */ | (1u << 23) /* 4 KB granularity */ | (base & 0xff000000u);
    return ((uint64_t)hi << 32) | lo;
}

/* A system descriptor (S = 0) of `type`, byte granular, dpl 0, present. */
static uint64_t make_sys_desc(uint32_t base, uint32_t limit, unsigned type)
{
    uint32_t lo = (limit & 0xffffu) | ((base & 0xffffu) << 16);
    uint32_t hi = ((base >> 16) & 0xffu) | ((type & 0xfu) << 8) | (1u << 15) |
                  (limit & 0xf0000u) | (base & 0xff000000u);
    return ((uint64_t)hi << 32) | lo;
}

uint64_t make_tss_desc(uint32_t base, uint32_t limit) { return make_sys_desc(base, limit, 0x9); /* available 32-bit TSS */ }
uint64_t make_ldt_desc(uint32_t base, uint32_t limit) { return make_sys_desc(base, limit, 0x2); /* LDT */ }

uint32_t desc_base(uint64_t d)
{
    uint32_t lo = (uint32_t)d, hi = (uint32_t)(d >> 32);
    return (lo >> 16) | ((hi & 0xffu) << 16) | (hi & 0xff000000u);
}

uint64_t desc_end(uint64_t d)
{
    uint32_t lo = (uint32_t)d, hi = (uint32_t)(d >> 32);
    uint64_t limit = (lo & 0xffffu) | (hi & 0xf0000u);
    if (hi & (1u << 23))
        limit = (limit << 12) | 0xfffu;
    return (uint64_t)desc_base(d) + limit;
}

unsigned desc_dpl(uint64_t d) { return (unsigned)((d >> 45) & 3u); }
