/* Host tests of hv/core/cpuid_policy.c: the hypervisor leaves a PV guest sees (as Xen 4.17) and
 * the feature policy applied to the host's leaves. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xen/xen.h>
#include <xen/arch-x86/cpuid.h>
#include "cpuid_policy.h"

static const struct cpuid_ctx ctx = { .max_mfn_bits = 28, .preserve_ad = 1 };

static void test_signature_leaf(void **s)
{
    struct cpuid_regs r;
    assert_true(cpuid_hypervisor_leaf(0x40000000, 0, &ctx, &r));
    char sig[13];
    memcpy(sig, &r.b, 4);
    memcpy(sig + 4, &r.c, 4);
    memcpy(sig + 8, &r.d, 4);
    sig[12] = 0;
    assert_string_equal(sig, "XenVMMXenVMM");
    assert_int_equal(r.a, XEN_CPUID_FIRST_LEAF + XEN_CPUID_MAX_NUM_LEAVES);
    assert_int_equal(r.b, XEN_CPUID_SIGNATURE_EBX);
}

static void test_version_and_hypercall_leaves(void **s)
{
    struct cpuid_regs r;
    assert_true(cpuid_hypervisor_leaf(0x40000001, 0, &ctx, &r));
    assert_int_equal(r.a, 0x00040011);
    assert_true(cpuid_hypervisor_leaf(0x40000002, 0, &ctx, &r));
    assert_int_equal(r.a, 1);
    assert_int_equal(r.b, 0x40000000);
    assert_int_equal(r.c, XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD);
    struct cpuid_ctx no_ad = { .max_mfn_bits = 28, .preserve_ad = 0 };
    cpuid_hypervisor_leaf(0x40000002, 0, &no_ad, &r);
    assert_int_equal(r.c, 0);
    assert_true(cpuid_hypervisor_leaf(0x40000005, 0, &ctx, &r));
    assert_int_equal(r.b, 28);
    assert_true(cpuid_hypervisor_leaf(0x40000004, 0, &ctx, &r));   /* HVM-only leaf: empty */
    assert_int_equal(r.a | r.b | r.c | r.d, 0);
    assert_true(cpuid_hypervisor_leaf(0x400000ff, 0, &ctx, &r));
    assert_int_equal(r.a | r.b | r.c | r.d, 0);
    assert_false(cpuid_hypervisor_leaf(0x40000100, 0, &ctx, &r));
    assert_false(cpuid_hypervisor_leaf(1, 0, &ctx, &r));
}

static void test_policy_leaf1(void **s)
{
    struct cpuid_regs r = { 0x000806f8, 0x00000800, 0xffffffff, 0xffffffff };
    cpuid_guest_policy(1, 0, &r);
    assert_true(r.c & (1u << 31));            /* hypervisor present */
    assert_false(r.c & (1u << 5));            /* VMX */
    assert_false(r.c & (1u << 3));            /* MONITOR */
    assert_false(r.c & (1u << 21));           /* x2APIC */
    assert_false(r.c & (1u << 27));           /* OSXSAVE */
    assert_false(r.d & (1u << 9));            /* APIC */
    assert_false(r.d & (1u << 22));           /* ACPI */
    assert_false(r.d & (1u << 3));            /* PSE */
    assert_false(r.d & (1u << 13));           /* PGE */
    assert_true(r.d & (1u << 0));             /* FPU kept */
    assert_true(r.d & (1u << 6));             /* PAE kept */
    assert_true(r.d & (1u << 25));            /* SSE kept */
    assert_int_equal(r.a, 0x000806f8);
}

static void test_policy_extended(void **s)
{
    struct cpuid_regs r = { 0, 0, 0xffffffff, 0xffffffff };
    cpuid_guest_policy(0x80000001u, 0, &r);
    assert_false(r.d & (1u << 29));           /* long mode hidden */
    assert_true(r.d & (1u << 20));            /* NX kept */
    assert_false(r.c & (1u << 2));            /* SVM */
}

static void test_prefix_bytes(void **s)
{
    const uint8_t want[] = { 0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x0f, 0xa2 };
    assert_memory_equal(cpuid_prefix, want, sizeof(want));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_leaf),
        cmocka_unit_test(test_version_and_hypercall_leaves),
        cmocka_unit_test(test_policy_leaf1),
        cmocka_unit_test(test_policy_extended),
        cmocka_unit_test(test_prefix_bytes),
    };
    return cmocka_run_group_tests_name("hv_cpuid", tests, NULL, NULL);
}
