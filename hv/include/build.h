/* The domain builder (hv/core/build.c). */
#ifndef MOAT_BUILD_H
#define MOAT_BUILD_H
struct boot_info;
struct vcpu;
/* Builds domain 0 from the multiboot modules and returns its vcpu 0, ready to run. On any
 * refusal prints "moat: domain builder: <why>" and exits with MOAT_EXIT_FAIL. */
struct vcpu *domain_build_initial(const struct boot_info *bi);
#endif
