/* Which physical CPUs a TLB shootdown must reach (hv/mm/tlb_targets.c: pure, host-tested in
 * tests/unit/test_hv_tlb.c). The IPIs and the waiting are smp.c's; this only decides.
 *
 * Invariants (docs/invariants.md "SMP"):
 *   SMP-TLB1  a frame changing role: every CPU other than the caller whose current (or last)
 *             vcpu belongs to the frame's domain - an idle CPU keeps the TLB of the vcpu it
 *             ran last, so "last" counts, not only "running now";
 *   SMP-FLUSH a guest flush for a set of vcpus: the home CPU of every vcpu in the set that has
 *             an address space (a base), running or not - blocked and descheduled vcpus keep
 *             their global translations in their home CPU's TLB; never the caller's CPU (it
 *             flushes locally) and never a CPU that is not online. */
#ifndef MOAT_TLB_H
#define MOAT_TLB_H
#include <stdint.h>

#define TLB_NO_DOMAIN 0xFFFFu

/* cpu_domain[c]: the domain of CPU c's current/last vcpu, TLB_NO_DOMAIN if it never ran one. */
uint32_t tlb_cpus_of_domain(const uint16_t *cpu_domain, unsigned nr_cpus, uint16_t dom,
                            unsigned self);

struct tlb_vcpu_home {
    uint8_t has_base;   /* the vcpu has an address space (it was initialised / built) */
    uint8_t cpu;        /* its home CPU */
};
uint32_t tlb_cpus_of_vcpus(const struct tlb_vcpu_home *vcpus, unsigned nr_vcpus,
                           uint32_t vcpu_mask, uint32_t online_cpus, unsigned self);
#endif
