/* What CPUID says to a guest: the hypervisor leaves 0x40000000-0x400000ff as Xen 4.17 gives a
 * PV guest, and the base/extended leaves of the host filtered by Moat's feature policy.
 * Issue 3 has a simple policy; issue 5 extends it (the same policy serves the trapped cpuid).
 * cpuid_guest_policy() is pure: `host` is the host's answer for the same leaf. */
#ifndef MOAT_CPUID_POLICY_H
#define MOAT_CPUID_POLICY_H
#include <stdint.h>

struct cpuid_regs { uint32_t a, b, c, d; };

struct cpuid_ctx {
    uint32_t max_mfn_bits;      /* machine address width for leaf 0x40000005 */
    int preserve_ad;            /* MMU_PT_UPDATE_PRESERVE_AD implemented (leaf 0x40000002) */
};

/* Hypervisor range: fills *out and returns 1 if leaf is in 0x40000000-0x400000ff, else 0. */
int cpuid_hypervisor_leaf(uint32_t leaf, uint32_t subleaf, const struct cpuid_ctx *c,
                          struct cpuid_regs *out);
/* Base/extended leaves: applies the policy to the host's answer. */
void cpuid_guest_policy(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r);

/* The PV forced-emulation prefix: ud2a; .ascii "xen"; cpuid */
#define CPUID_PREFIX_LEN 7
extern const uint8_t cpuid_prefix[CPUID_PREFIX_LEN];
#endif
