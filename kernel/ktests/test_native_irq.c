/* The interrupt-masking rules natively, with a real interrupt: a local-APIC self-IPI on vector
 * 46 (a PIC slot that is masked at the PIC, so only the APIC raises it). The PV versions with
 * event channels are in test_events.c; both check the same two facts. */
#include <stdint.h>
#include <lib/string.h>
#include "ktest.h"
#include "lapic.h"
#include "printk.h"
#include "trap.h"
#include "pv/pvops.h"

#define TEST_VECTOR 46

static volatile unsigned ipis;
static int count_ipi(struct trap_frame *f)
{
    ipis++;
    lapic_eoi();
    return 1;
}

KERNEL_TEST(native_interrupt_sent_while_masked_arrives_once)
{
    if (strcmp(pv_backend_name(), "native") != 0) {
        printk("# skipped on PV: the event-channel version is event_sent_while_masked_arrives_once\n");
        return;
    }
    KT_ASSERT_EQ(lapic_open(), 0);
    trap_handler_fn old = trap_set_handler(TEST_VECTOR, count_ipi);
    ipis = 0;
    irq_disable();
    lapic_self_ipi(TEST_VECTOR);
    lapic_self_ipi(TEST_VECTOR); /* the APIC's IRR holds one per vector: it coalesces */
    for (volatile int i = 0; i < 100000; i++)
        ;
    unsigned during = ipis;
    irq_enable();
    unsigned right_after = ipis; /* sti's shadow is one instruction: delivered before this read */
    for (int i = 0; i < 3; i++)
        safe_halt();
    unsigned later = ipis;
    trap_set_handler(TEST_VECTOR, old);
    lapic_close();
    KT_ASSERT_EQ(during, 0);
    KT_ASSERT_EQ(right_after, 1);
    KT_ASSERT_EQ(later, 1);
}
