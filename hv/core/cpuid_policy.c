/* The guest's CPUID (cpuid_policy.h). Pure: host-tested.
 *
 * Policy now (issue 5 refines it): leaf 1 hides what a ring-1 PV guest cannot use or must not
 * drive itself: VMX/SMX, MONITOR/MWAIT, x2APIC, TSC-deadline, XSAVE/OSXSAVE/AVX (Moat does not
 * manage extended state), PCID, thermal/power (EST, TM, TM2, ACPI), debug store, the APIC,
 * MCE/MCA, MTRR, PSE/PSE36 and PGE (PV guests map 4 KB pages and cannot set CR4); it sets the
 * "hypervisor present" bit. Leaf 0x80000001 hides long mode (a 32-bit PV guest cannot use it).
 * Issue 5: SEP (sysenter) and SYSCALL are hidden too. Moat accepts the sysenter/syscall32
 * callbacks as Xen 4.17 does, but has no fast path behind them (the guest's int $0x80 gate is
 * the system-call path); a guest that checks the CPU feature before registering (Linux does)
 * then never executes a sysenter Moat would only turn into a #GP.
 * Leaf 7 keeps only FSGSBASE-free bits the guest can use in ring 1/3: everything that needs
 * CR4 or XSAVE support (SMEP, SMAP, AVX2, AVX-512, PKU, ...) is hidden by clearing all but a
 * small allow-list. */
#include <stdint.h>
#include "cpuid_policy.h"

const uint8_t cpuid_prefix[CPUID_PREFIX_LEN] = { 0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2 };

#define XEN_MAJOR 4
#define XEN_MINOR 17
#define HV_BASE   0x40000000u
#define HV_LIMIT  5u    /* XEN_CPUID_MAX_NUM_LEAVES */

int cpuid_hypervisor_leaf(uint32_t leaf, uint32_t subleaf, const struct cpuid_ctx *c,
                          struct cpuid_regs *out)
{
    if (leaf < HV_BASE || leaf > HV_BASE + 0xFF)
        return 0;
    *out = (struct cpuid_regs){0, 0, 0, 0};
    switch (leaf - HV_BASE) {
    case 0:
        out->a = HV_BASE + HV_LIMIT;
        out->b = 0x566e6558u;   /* "XenV" */
        out->c = 0x65584d4du;   /* "MMXe" */
        out->d = 0x4d4d566eu;   /* "nVMM" */
        break;
    case 1:
        out->a = (XEN_MAJOR << 16) | XEN_MINOR;
        break;
    case 2:
        out->a = 1;             /* one hypercall page */
        out->b = HV_BASE;       /* base of the Xen MSRs (Moat has none: writes fault) */
        if (c->preserve_ad)
            out->c = 1u << 0;   /* XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD */
        break;
    case 5:                     /* PV-specific: machine address width */
        if (subleaf == 0)
            out->b = c->max_mfn_bits & 0xFF;
        break;
    default:                    /* 3: time (Moat emulates no TSC), 4: HVM only, > 5: none */
        break;
    }
    return 1;
}

void cpuid_guest_policy(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
    (void)subleaf;
    switch (leaf) {
    case 1:
        r->c &= ~((1u << 3) |   /* MONITOR */
                  (1u << 4) |   /* DS-CPL */
                  (1u << 5) |   /* VMX */
                  (1u << 6) |   /* SMX */
                  (1u << 7) |   /* EST */
                  (1u << 8) |   /* TM2 */
                  (1u << 17) |  /* PCID */
                  (1u << 18) |  /* DCA */
                  (1u << 21) |  /* x2APIC */
                  (1u << 24) |  /* TSC deadline */
                  (1u << 26) |  /* XSAVE */
                  (1u << 27) |  /* OSXSAVE */
                  (1u << 28));  /* AVX */
        r->c |= 1u << 31;       /* running on a hypervisor */
        r->d &= ~((1u << 3) |   /* PSE */
                  (1u << 7) |   /* MCE */
                  (1u << 9) |   /* APIC */
                  (1u << 11) |  /* SEP: no sysenter fast path */
                  (1u << 12) |  /* MTRR */
                  (1u << 13) |  /* PGE */
                  (1u << 14) |  /* MCA */
                  (1u << 17) |  /* PSE36 */
                  (1u << 21) |  /* DS */
                  (1u << 22) |  /* ACPI */
                  (1u << 29) |  /* TM */
                  (1u << 31));  /* PBE */
        break;
    case 5:                     /* MONITOR/MWAIT leaf: hidden with the feature */
    case 6:                     /* thermal and power management */
        *r = (struct cpuid_regs){0, 0, 0, 0};
        break;
    case 7:
        if (subleaf == 0) {
            /* keep: BMI1(3) ERMS(9) BMI2(8) ADX(19) CLFLUSHOPT(23) SHA(29); the rest needs
             * CR4/XSAVE support or is a privileged facility */
            r->b &= (1u << 3) | (1u << 8) | (1u << 9) | (1u << 19) | (1u << 23) | (1u << 29);
            r->c = 0;
            r->d = 0;
            r->a = 0;
        } else {
            *r = (struct cpuid_regs){0, 0, 0, 0};
        }
        break;
    case 0xD:                   /* XSAVE state: hidden */
        *r = (struct cpuid_regs){0, 0, 0, 0};
        break;
    case 0x80000001u:
        r->d &= ~((1u << 29) |  /* LM */
                  (1u << 11) |  /* SYSCALL: no syscall fast path */
                  (1u << 27) |  /* RDTSCP: TSC_AUX is not virtualised */
                  (1u << 26));  /* 1 GB pages */
        r->c &= ~((1u << 2) |   /* SVM */
                  (1u << 3));   /* extended APIC space */
        break;
    default:
        break;
    }
}
