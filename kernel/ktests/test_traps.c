/* Exceptions that a handler takes care of must resume the interrupted code. */
#include "ktest.h"
#include "trap.h"
#include "pv/pvops.h"

static volatile uint32_t ud_count, bp_count, ud_eip;

static int skip_ud2(struct trap_frame *f)
{
    ud_count++;
    ud_eip = f->eip;
    f->eip += 2; /* ud2 is two bytes */
    return 1;
}

static int count_bp(struct trap_frame *f)
{
    bp_count++; /* int3 is a trap: eip already points after it */
    return 1;
}

KERNEL_TEST(invalid_opcode_round_trip)
{
    KT_ASSERT(traps_installed);
    ud_count = 0;
    trap_handler_fn old = trap_set_handler(6, skip_ud2);
    uint32_t marker = 0;
    asm volatile("movl $1f, %0\n\tud2\n1:" : "=r"(marker));
    asm volatile("ud2");
    trap_set_handler(6, old);
    KT_ASSERT_EQ(ud_count, 2);
    KT_ASSERT(marker != 0);
}

KERNEL_TEST(breakpoint_round_trip)
{
    KT_ASSERT(traps_installed);
    bp_count = 0;
    trap_handler_fn old = trap_set_handler(3, count_bp);
    volatile uint32_t before = 11;
    asm volatile("int3");
    volatile uint32_t after = before + 1;
    trap_set_handler(3, old);
    KT_ASSERT_EQ(bp_count, 1);
    KT_ASSERT_EQ(after, 12);
}

KERNEL_TEST(cpuid_through_pvops)
{
    uint32_t a, b, c, d;
    cpuid(0, &a, &b, &c, &d);
    KT_ASSERT(a >= 1);
    KT_ASSERT(b != 0 && c != 0 && d != 0); /* a vendor string */
    cpuid(1, &a, &b, &c, &d);
    KT_ASSERT(d & (1u << 6)); /* PAE: the kernel runs with it */
}
