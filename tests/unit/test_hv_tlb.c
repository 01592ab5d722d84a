/* Host tests of hv/mm/tlb_targets.c: which CPUs a shootdown must reach (rules SMP-TLB1 and
 * SMP-FLUSH of hv/include/tlb.h). The SMP-FLUSH case "a vcpu that is not running" cannot be
 * shown under QEMU TCG (it drops every TLB entry on a CR3 write, global ones included), so it
 * is pinned down here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "tlb.h"

static void domain_cpus_exclude_self_and_others(void **state)
{
    (void)state;
    uint16_t dom[4] = { 0, 0, 1, 0 };
    assert_int_equal(tlb_cpus_of_domain(dom, 4, 0, 0), 0x2 | 0x8);
    assert_int_equal(tlb_cpus_of_domain(dom, 4, 0, 1), 0x1 | 0x8);
    assert_int_equal(tlb_cpus_of_domain(dom, 4, 1, 0), 0x4);
    assert_int_equal(tlb_cpus_of_domain(dom, 4, 2, 0), 0);
}

static void domain_cpus_never_ran_and_bounds(void **state)
{
    (void)state;
    uint16_t dom[3] = { TLB_NO_DOMAIN, 0, TLB_NO_DOMAIN };
    assert_int_equal(tlb_cpus_of_domain(dom, 3, 0, 0), 0x2);
    /* asking for "no domain" never matches the CPUs that never ran a vcpu */
    assert_int_equal(tlb_cpus_of_domain(dom, 3, TLB_NO_DOMAIN, 1), 0);
    assert_int_equal(tlb_cpus_of_domain(dom, 1, 0, 0), 0);   /* only nr_cpus entries read */
}

static void vcpus_running_or_not_reach_their_home(void **state)
{
    (void)state;
    /* 4 vcpus on 2 CPUs, vcpu n on CPU n % 2; whether a vcpu runs is not an input at all */
    struct tlb_vcpu_home h[4] = { { 1, 0 }, { 1, 1 }, { 1, 0 }, { 1, 1 } };
    assert_int_equal(tlb_cpus_of_vcpus(h, 4, 0x2, 0x3, 0), 0x2);   /* vcpu 1 -> CPU 1 */
    assert_int_equal(tlb_cpus_of_vcpus(h, 4, 0x8, 0x3, 0), 0x2);   /* vcpu 3 (not running) */
    assert_int_equal(tlb_cpus_of_vcpus(h, 4, 0x4, 0x3, 0), 0);     /* vcpu 2: our own CPU */
    assert_int_equal(tlb_cpus_of_vcpus(h, 4, 0xF, 0x3, 1), 0x1);
}

static void vcpus_without_base_offline_cpus_and_ghost_bits(void **state)
{
    (void)state;
    struct tlb_vcpu_home h[3] = { { 1, 0 }, { 0, 1 }, { 1, 2 } };
    assert_int_equal(tlb_cpus_of_vcpus(h, 3, 0x2, 0x7, 0), 0);     /* never initialised */
    assert_int_equal(tlb_cpus_of_vcpus(h, 3, 0x4, 0x3, 0), 0);     /* CPU 2 not online */
    assert_int_equal(tlb_cpus_of_vcpus(h, 3, 0xFFFFFFF8u, 0x7, 0), 0);   /* vcpus that do not exist */
    assert_int_equal(tlb_cpus_of_vcpus(h, 3, 0xFFFFFFFFu, 0x7, 0), 0x4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(domain_cpus_exclude_self_and_others),
        cmocka_unit_test(domain_cpus_never_ran_and_bounds),
        cmocka_unit_test(vcpus_running_or_not_reach_their_home),
        cmocka_unit_test(vcpus_without_base_offline_cpus_and_ghost_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
