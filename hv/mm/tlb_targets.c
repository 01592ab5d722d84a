/* The CPUs a TLB shootdown must reach (tlb.h has the rules and why). Pure: host-tested. */
#include <stdint.h>
#include "tlb.h"

uint32_t tlb_cpus_of_domain(const uint16_t *cpu_domain, unsigned nr_cpus, uint16_t dom,
                            unsigned self)
{
    uint32_t m = 0;
    for (unsigned c = 0; c < nr_cpus && c < 32; c++)
        if (c != self && cpu_domain[c] == dom && dom != TLB_NO_DOMAIN)
            m |= 1u << c;
    return m;
}

uint32_t tlb_cpus_of_vcpus(const struct tlb_vcpu_home *vcpus, unsigned nr_vcpus,
                           uint32_t vcpu_mask, uint32_t online_cpus, unsigned self)
{
    uint32_t m = 0;
    for (unsigned i = 0; i < nr_vcpus && i < 32; i++)
        if ((vcpu_mask & (1u << i)) && vcpus[i].has_base && vcpus[i].cpu < 32)
            m |= 1u << vcpus[i].cpu;
    return m & online_cpus & ~(self < 32 ? 1u << self : 0u);
}
