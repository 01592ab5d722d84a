/* Host tests of kernel/irq: the affinity/balancer/hotplug-fixup logic (balance.c) and the
 * early chipset-quirk table against a simulated PCI configuration space (quirks.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "irq_balance.h"
#include "pci_quirks.h"

/* ---- simulated PCI configuration space (bus 0) ---------------------------------------- */
struct sim_fn { int present; uint8_t cfg[256]; };
struct sim_pci {
    struct sim_fn f[32][8];
    int dev8_hidden_by_mch;     /* device 8 answers only while MCH 0xf4 bit 1 is set */
    unsigned writes;
};
static struct sim_pci sim;

static int visible(unsigned dev, unsigned fn)
{
    if (!sim.f[dev][fn].present)
        return 0;
    if (dev == 8 && sim.dev8_hidden_by_mch && !(sim.f[0][0].cfg[0xf4] & 2))
        return 0;
    return 1;
}

static uint32_t sim_read(void *ctx, unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned w)
{
    if (bus != 0 || dev >= 32 || fn >= 8 || !visible(dev, fn))
        return w == 1 ? 0xff : w == 2 ? 0xffff : 0xffffffffu;
    uint32_t v = 0;
    for (unsigned i = 0; i < w; i++)
        v |= (uint32_t)sim.f[dev][fn].cfg[(off + i) & 0xff] << (8 * i);
    return v;
}

static void sim_write(void *ctx, unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned w,
                      uint32_t val)
{
    sim.writes++;
    if (bus != 0 || dev >= 32 || fn >= 8 || !visible(dev, fn))
        return;
    for (unsigned i = 0; i < w; i++)
        sim.f[dev][fn].cfg[(off + i) & 0xff] = (uint8_t)(val >> (8 * i));
}

static const struct pci_conf_ops sim_ops = { sim_read, sim_write, &sim };

static void sim_dev(unsigned dev, unsigned fn, uint16_t vendor, uint16_t device, uint8_t rev)
{
    struct sim_fn *f = &sim.f[dev][fn];
    f->present = 1;
    memset(f->cfg, 0, sizeof(f->cfg));
    f->cfg[0] = (uint8_t)vendor; f->cfg[1] = (uint8_t)(vendor >> 8);
    f->cfg[2] = (uint8_t)device; f->cfg[3] = (uint8_t)(device >> 8);
    f->cfg[8] = rev;
}

/* An E7x20 machine: MCH at 0:0.0, device 8 hidden, xTPR word with bit 13 = !hw_balancing. */
static void sim_e7520(uint16_t device, uint8_t rev, int hw_balancing)
{
    memset(&sim, 0, sizeof(sim));
    sim_dev(0, 0, PCI_VENDOR_INTEL, device, rev);
    sim_dev(8, 0, PCI_VENDOR_INTEL, 0x359b, 0);
    sim.f[8][0].cfg[0x4d] = hw_balancing ? 0x00 : 0x20;    /* bit 13 of the word at 0x4c */
    sim.f[8][0].cfg[0x4c] = 0x11;                          /* other bits: noise */
    sim.dev8_hidden_by_mch = 1;
    sim_dev(1, 0, 0x8086, 0x100e, 3);                      /* an e1000 */
}

static void sim_qemu_pc(void)
{
    memset(&sim, 0, sizeof(sim));
    sim_dev(0, 0, 0x8086, 0x1237, 2);      /* i440FX host bridge */
    sim_dev(1, 0, 0x8086, 0x7000, 0);      /* PIIX3, multi-function */
    sim.f[1][0].cfg[0x0e] = 0x80;
    sim_dev(1, 1, 0x8086, 0x7010, 0);
    sim_dev(1, 3, 0x8086, 0x7113, 3);
    sim_dev(2, 0, 0x1234, 0x1111, 2);
}

static struct irq_balance_decision dec;
static char line[128];

static void decide(enum apic_routing r, unsigned cpus)
{
    pci_early_quirks(&sim_ops, r, cpus, &dec);
    irq_balance_decision_line(&dec, line, sizeof(line));
}

static void quirk_e7520_physical_is_off(void **s)
{
    sim_e7520(PCI_DEV_INTEL_E7520_MCH, 0x09, 1);
    decide(APIC_ROUTING_PHYSICAL, 4);
    assert_int_equal(dec.allowed, 0);
    assert_string_equal(line, "irq balancing: off (Intel E7520 erratum, APIC routing not flat)");
    assert_int_equal(dec.device, 0x3590);
    assert_int_equal(dec.revision, 9);
    /* the hide byte was put back: device 8 hidden again, 0xf4 unchanged */
    assert_int_equal(sim.f[0][0].cfg[0xf4], 0);
    assert_int_equal(sim.writes, 2);
    decide(APIC_ROUTING_CLUSTER, 4);
    assert_int_equal(dec.allowed, 0);
}

static void quirk_e7520_flat_is_on(void **s)
{
    sim_e7520(PCI_DEV_INTEL_E7520_MCH, 0x04, 1);
    decide(APIC_ROUTING_FLAT, 4);
    assert_int_equal(dec.allowed, 1);
    assert_string_equal(line, "irq balancing: on (Intel E7520 erratum, APIC routing flat)");
}

static void quirk_e7320_and_e7525(void **s)
{
    sim_e7520(PCI_DEV_INTEL_E7320_MCH, 0x00, 1);
    decide(APIC_ROUTING_PHYSICAL, 2);
    assert_string_equal(line, "irq balancing: off (Intel E7320 erratum, APIC routing not flat)");
    sim_e7520(PCI_DEV_INTEL_E7525_MCH, 0x09, 1);
    decide(APIC_ROUTING_PHYSICAL, 2);
    assert_string_equal(line, "irq balancing: off (Intel E7525 erratum, APIC routing not flat)");
    /* 0x3591 (the E7520 error-reporting function) is not the MCH: no quirk */
    sim_e7520(0x3591, 0x00, 1);
    decide(APIC_ROUTING_PHYSICAL, 2);
    assert_int_equal(dec.allowed, 1);
    assert_null(dec.quirk);
}

static void quirk_fixed_revision_or_bios_off(void **s)
{
    sim_e7520(PCI_DEV_INTEL_E7520_MCH, 0x0a, 1);        /* stepping with the fix */
    decide(APIC_ROUTING_PHYSICAL, 4);
    assert_int_equal(dec.allowed, 1);
    assert_null(dec.quirk);
    assert_int_equal(sim.writes, 0);                   /* did not even touch 0xf4 */
    assert_string_equal(line, "irq balancing: on (4 CPUs, APIC routing physical)");
    sim_e7520(PCI_DEV_INTEL_E7520_MCH, 0x09, 0);        /* BIOS left redirection off */
    decide(APIC_ROUTING_PHYSICAL, 4);
    assert_int_equal(dec.allowed, 1);
    assert_null(dec.quirk);
}

static void quirk_restores_visible_device(void **s)
{
    sim_e7520(PCI_DEV_INTEL_E7520_MCH, 0x09, 1);
    sim.f[0][0].cfg[0xf4] = 0x02 | 0x40;                /* BIOS left device 8 visible */
    decide(APIC_ROUTING_PHYSICAL, 2);
    assert_int_equal(dec.allowed, 0);
    assert_int_equal(sim.f[0][0].cfg[0xf4], 0x42);
    assert_int_equal(sim.writes, 1);                    /* no restore write needed */
}

static void quirk_hidden_device_never_appears(void **s)
{
    /* device 8 absent altogether: reads all ones, bit 13 set -> no erratum assumed */
    sim_e7520(PCI_DEV_INTEL_E7520_MCH, 0x09, 1);
    sim.f[8][0].present = 0;
    decide(APIC_ROUTING_PHYSICAL, 2);
    assert_int_equal(dec.allowed, 1);
}

static void quirk_plain_pc_and_one_cpu(void **s)
{
    sim_qemu_pc();
    int seen = pci_early_quirks(&sim_ops, APIC_ROUTING_PHYSICAL, 2, &dec);
    assert_int_equal(seen, 5);          /* 0:0.0, 1.0, 1.1, 1.3, 2.0 */
    assert_int_equal(dec.allowed, 1);
    decide(APIC_ROUTING_PHYSICAL, 1);
    assert_int_equal(dec.allowed, 0);
    assert_string_equal(line, "irq balancing: off (1 CPU online)");
    decide(APIC_ROUTING_EVTCHN, 4);
    assert_string_equal(line, "irq balancing: on (4 CPUs, APIC routing event channels)");
    /* single-function device: functions 1..7 are not probed even if they would answer */
    sim.f[2][5].present = 1;
    sim_dev(2, 5, PCI_VENDOR_INTEL, PCI_DEV_INTEL_E7520_MCH, 0);
    assert_int_equal(pci_early_quirks(&sim_ops, APIC_ROUTING_PHYSICAL, 2, &dec), 5);
    assert_null(dec.quirk);
    /* no config access at all (no ops): only the CPU count decides */
    assert_int_equal(pci_early_quirks(NULL, APIC_ROUTING_FLAT, 3, &dec), 0);
    assert_int_equal(dec.allowed, 1);
}

static void quirk_on_a_multifunction_slot(void **s)
{
    sim_qemu_pc();
    sim_dev(1, 4, PCI_VENDOR_INTEL, PCI_DEV_INTEL_E7525_MCH, 0x02);
    sim.dev8_hidden_by_mch = 0;
    sim_dev(8, 0, PCI_VENDOR_INTEL, 0x359b, 0);      /* xTPR word 0: redirection on */
    decide(APIC_ROUTING_PHYSICAL, 2);
    assert_int_equal(dec.allowed, 0);
    assert_int_equal(dec.dev, 1);
    assert_int_equal(dec.fn, 4);
}

/* ---- affinity, balancer, hotplug fixup ------------------------------------------------ */
static struct irq_table t;

static void affinity_rules(void **s)
{
    irqtab_init(&t, 0x3);
    assert_int_equal(irqtab_enable(&t, 4, 0, -1), -22);
    assert_int_equal(irqtab_enable(&t, IRQ_MAX, 1, -1), -22);
    assert_int_equal(irqtab_enable(&t, 4, 0x4, -1), -22);            /* CPU 2 offline */
    assert_int_equal(irqtab_enable(&t, 4, 0x6, -1), 0);
    assert_int_equal(t.irq[4].target, 1);
    assert_int_equal(irqtab_set_affinity(&t, 4, 0x1), 0);
    assert_int_equal(t.irq[4].target, 0);                         /* retargeted at once */
    assert_int_equal(irqtab_set_affinity(&t, 4, 0x8), -22);
    assert_int_equal(irqtab_set_affinity(&t, 4, 0), -22);
    assert_int_equal(irqtab_enable(&t, 0, 0, 1), 0);                 /* pinned timer of CPU 1 */
    assert_int_equal(t.irq[0].target, 1);
    assert_int_equal(irqtab_set_affinity(&t, 0, 0x1), -22);
    assert_int_equal(irqtab_enable(&t, 1, 0xff, 5), -22);            /* pinned to offline CPU */
    t.balance_allowed = 0;
    assert_int_equal(irqtab_set_affinity(&t, 4, 0x3), -1);           /* quirk: no affinity */
}

static void balance_spreads_by_load(void **s)
{
    irqtab_init(&t, 0xf);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(irqtab_enable(&t, 16 + i, 0xf, -1), 0);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(t.irq[16 + i].target, 0);                /* all start on CPU 0 */
    /* loads 800,700,...,100 */
    for (unsigned i = 0; i < 8; i++)
        for (unsigned n = 0; n < 100 * (8 - i); n++)
            irqtab_account(&t, 16 + i);
    int moved = irqtab_balance(&t);
    /* LPT: 800->0 700->1 600->2 500->3 400->3 300->2 200->1 100->0 : every CPU 900(+2) */
    const int want[8] = { 0, 1, 2, 3, 3, 2, 1, 0 };
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(t.irq[16 + i].target, want[i]);
    assert_int_equal(moved, 6);
    for (unsigned c = 0; c < 4; c++)
        assert_int_equal(irqtab_count_on_cpu(&t, c), 2);
    assert_int_equal(t.irq[16].count, 0);                         /* counts cleared */
    /* no load at all: still spread, round robin by irq number */
    irqtab_balance(&t);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(t.irq[16 + i].target, (int)(i % 4));
}

static void balance_respects_masks_and_pins(void **s)
{
    irqtab_init(&t, 0x7);
    irqtab_enable(&t, 0, 0, 0);              /* pinned to CPU 0 with a heavy load */
    irqtab_enable(&t, 1, 0, 1);
    irqtab_enable(&t, 10, 0x1, -1);          /* may only go to CPU 0 */
    irqtab_enable(&t, 11, 0x7, -1);
    irqtab_enable(&t, 12, 0x7, -1);
    for (int n = 0; n < 1000; n++) irqtab_account(&t, 0);
    for (int n = 0; n < 10; n++) { irqtab_account(&t, 11); irqtab_account(&t, 12); }
    irqtab_balance(&t);
    assert_int_equal(t.irq[0].target, 0);
    assert_int_equal(t.irq[1].target, 1);
    assert_int_equal(t.irq[10].target, 0);
    /* 11 and 12 avoid the CPU loaded by the pinned timer */
    assert_int_equal(t.irq[11].target, 1);
    assert_int_equal(t.irq[12].target, 2);
}

static void balance_off_cases(void **s)
{
    irqtab_init(&t, 0x1);
    irqtab_enable(&t, 5, 0xff, -1);
    irqtab_enable(&t, 6, 0xff, -1);
    assert_int_equal(irqtab_balance(&t), 0);
    irqtab_init(&t, 0xf);
    irqtab_enable(&t, 5, 0xff, -1);
    irqtab_enable(&t, 6, 0xff, -1);
    t.balance_allowed = 0;                /* the quirk said no */
    assert_int_equal(irqtab_balance(&t), 0);
    assert_int_equal(irqtab_count_on_cpu(&t, 0), 2);
    t.balance_allowed = 1;
    assert_int_equal(irqtab_balance(&t), 1);
    assert_int_equal(t.irq[6].target, 1);
}

static void hotplug_fixup(void **s)
{
    irqtab_init(&t, 0xf);
    irqtab_enable(&t, 0, 0, 1);              /* CPU 1's timer */
    irqtab_enable(&t, 20, 0xf, -1);
    irqtab_enable(&t, 21, 0x2, -1);          /* only CPU 1: broken affinity on offline */
    irqtab_enable(&t, 22, 0x6, -1);
    assert_int_equal(irqtab_set_affinity(&t, 20, 0x2), 0);
    assert_int_equal(irqtab_set_affinity(&t, 20, 0xf), 0);   /* stays on CPU 1 (still allowed) */
    assert_int_equal(t.irq[20].target, 1);
    assert_int_equal(irqtab_count_on_cpu(&t, 1), 4);
    int moved = irqtab_cpu_offline(&t, 1);
    assert_int_equal(moved, 3);
    assert_int_equal(irqtab_count_on_cpu(&t, 1), 0);
    assert_false(cpumask_test(t.online, 1));
    assert_int_equal(t.irq[0].enabled, 0);                 /* its per-cpu irq is gone */
    assert_int_equal(t.irq[20].target, 0);
    assert_int_equal(t.irq[21].target, 0);
    assert_int_equal(t.broken_affinity, 1);
    assert_int_equal(t.irq[22].target, 2);                 /* stays inside its mask */
    assert_int_equal(irqtab_cpu_offline(&t, 1), -22);         /* already offline */
    /* the balancer never picks an offline CPU */
    for (int n = 0; n < 50; n++) irqtab_account(&t, 20);
    irqtab_balance(&t);
    assert_int_equal(irqtab_count_on_cpu(&t, 1), 0);
    assert_int_equal(irqtab_cpu_online(&t, 1), 0);
    assert_int_equal(irqtab_cpu_online(&t, 1), -22);
    irqtab_balance(&t);
    assert_int_equal(t.irq[21].target, 1);                 /* back inside its mask */
    /* the last CPU can never go */
    irqtab_init(&t, 0x4);
    assert_int_equal(irqtab_cpu_offline(&t, 2), -22);
}

static void hotplug_repeated(void **s)
{
    irqtab_init(&t, 0xf);
    for (unsigned i = 0; i < 12; i++)
        irqtab_enable(&t, 16 + i, 0xf, -1);
    irqtab_balance(&t);
    for (int round = 0; round < 20; round++) {
        for (unsigned c = 1; c < 4; c++) {
            assert_true(irqtab_cpu_offline(&t, c) >= 0);
            assert_int_equal(irqtab_count_on_cpu(&t, c), 0);
            int total = 0;
            for (unsigned k = 0; k < 4; k++)
                total += irqtab_count_on_cpu(&t, k);
            assert_int_equal(total, 12);                   /* no irq lost */
        }
        for (unsigned c = 1; c < 4; c++)
            assert_int_equal(irqtab_cpu_online(&t, c), 0);
        irqtab_balance(&t);
        for (unsigned c = 0; c < 4; c++)
            assert_int_equal(irqtab_count_on_cpu(&t, c), 3);
    }
    assert_int_equal(t.broken_affinity, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quirk_e7520_physical_is_off),
        cmocka_unit_test(quirk_e7520_flat_is_on),
        cmocka_unit_test(quirk_e7320_and_e7525),
        cmocka_unit_test(quirk_fixed_revision_or_bios_off),
        cmocka_unit_test(quirk_restores_visible_device),
        cmocka_unit_test(quirk_hidden_device_never_appears),
        cmocka_unit_test(quirk_plain_pc_and_one_cpu),
        cmocka_unit_test(quirk_on_a_multifunction_slot),
        cmocka_unit_test(affinity_rules),
        cmocka_unit_test(balance_spreads_by_load),
        cmocka_unit_test(balance_respects_masks_and_pins),
        cmocka_unit_test(balance_off_cases),
        cmocka_unit_test(hotplug_fixup),
        cmocka_unit_test(hotplug_repeated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
