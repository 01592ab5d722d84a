/* Host tests of multicall (hv/core/multicall.c), the dispatcher's counting and continuation
 * capture (hv/core/hypercall.c), moat_op (hv/core/stats.c) and the debug-key state machine
 * (hv/core/debug_keys.c).
 *
 * The handlers multicall runs are test doubles defined here (strong definitions beat the weak
 * stand-ins generated from the table), each with a visible effect: what is tested is the
 * batching machinery, not the handlers. The simulated guest: [GWIN, GWIN + GWIN_SIZE) is
 * mapped onto gmem[]; every other address faults, as an unmapped page does in Moat. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include <moat/moat_op.h>
#include "hypercall.h"
#include "uaccess.h"
#include "extable.h"
#include "guest_window.h"
#include "domain.h"
#include "stats.h"
#include "debug_keys.h"

/* ---- the simulated machine ----------------------------------------------------------------- */
#define GWIN_SIZE 0x20000u
uint8_t gmem[GWIN_SIZE];
const uint32_t gwin_size = GWIN_SIZE;
static struct domain dom;
static struct vcpu vcpu0, vcpu1;
static struct cpu cpu0;
struct cpu *host_test_cpu = &cpu0;
struct domain *domains[MOAT_MAX_DOMAINS];
uint64_t moat_boot_tsc = 1000;
const struct extable_entry __ex_table_start[1], __ex_table_end[1];


static char out[20000];
static size_t out_len;
void con_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    out_len += vsnprintf(out + out_len, sizeof(out) - out_len, fmt, ap);
    va_end(ap);
}
void panic(const char *fmt, ...) { (void)fmt; fail_msg("panic"); abort(); }

static struct cpu_user_regs regs;

/* ---- test doubles for the handlers (every other row: hv_weak_handlers.c) ---------------------- */

/* xen_version: returns 1000 + cmd, so each entry's result names the entry. */
long do_xen_version(uint32_t cmd, uint32_t arg) { (void)arg; return 1000 + (long)cmd; }

/* console_io write: prints at most 100 bytes per piece and continues itself, like the real one
 * does per 4096. */
static char console[4096];
static size_t console_len;
long do_console_io(uint32_t cmd, uint32_t count, uint32_t buf)
{
    char chunk[100];
    uint32_t n = count < 100 ? count : 100;
    if (copy_from_guest(chunk, buf, n))
        return -XEN_EFAULT;
    memcpy(console + console_len, chunk, n);
    console_len += n;
    if (n < count) {
        uint32_t a[6] = { cmd, count - n, buf + n, 0, 0, 0 };
        return hypercall_continue(__HYPERVISOR_console_io, a);
    }
    return 0;
}

/* vm_assist(cmd = 7): the guest "leaves kernel mode" (its frame's cs becomes ring 3), as an
 * entry that switches to user mode would. */
long do_vm_assist(uint32_t cmd, uint32_t type)
{
    (void)type;
    if (cmd == 7)
        regs.cs = FLAT_RING3_CS;
    return 77;
}

/* ---- helpers ----------------------------------------------------------------------------------- */
static int setup(void **s)
{
    memset(gmem, 0xAA, sizeof(gmem));
    memset(&dom, 0, sizeof(dom));
    memset(&vcpu0, 0, sizeof(vcpu0));
    memset(&vcpu1, 0, sizeof(vcpu1));
    memset(&regs, 0, sizeof(regs));
    dom.nr_vcpus = 2;
    dom.vcpu[0] = &vcpu0;
    dom.vcpu[1] = &vcpu1;
    dom.state = DOM_RUNNING;
    vcpu0.domain = &dom;
    vcpu1.vcpu_id = 1;
    vcpu1.domain = &dom;
    domains[0] = &dom;
    cpu0.current = &vcpu0;
    console_len = 0;
    out_len = 0;
    out[0] = 0;
    return 0;
}

static multicall_entry_t *entry(uint32_t i) { return (multicall_entry_t *)(gmem + i * 32); }
static uint32_t entry_va(uint32_t i) { return GWIN + i * 32; }

static void set_entry(uint32_t i, uint32_t op, uint32_t a0, uint32_t a1, uint32_t a2)
{
    multicall_entry_t *e = entry(i);
    memset(e, 0, sizeof(*e));
    e->op = op;
    e->result = 0xDEADBEEFu;
    e->args[0] = a0;
    e->args[1] = a1;
    e->args[2] = a2;
}

/* One trap: int $0x82 with eax = nr, as the guest executes it at eip 0xC0001002. */
static void trap(uint32_t nr, uint32_t a0, uint32_t a1)
{
    regs.eax = nr;
    regs.ebx = a0;
    regs.ecx = a1;
    regs.edx = 0x1111;
    regs.esi = 0x2222;
    regs.edi = 0x3333;
    regs.ebp = 0x4444;
    regs.cs = FLAT_RING1_CS;
    regs.eip = 0xC0001002;
    hypercall_dispatch(&regs);
}

/* The guest re-executes a continued int $0x82 until it completes; returns the traps taken. */
static int run_to_completion(void)
{
    int traps = 1;
    while (regs.eip == 0xC0001000) {
        assert_true(traps < 1000);
        regs.eip = 0xC0001002;
        hypercall_dispatch(&regs);
        traps++;
    }
    return traps;
}

/* ---- multicall --------------------------------------------------------------------------------- */
static void test_batch_results_in_order_one_trap(void **s)
{
    for (uint32_t i = 0; i < 8; i++)
        set_entry(i, __HYPERVISOR_xen_version, i, 0, 0);
    set_entry(8, 45, 0, 0, 0);                              /* unassigned: -ENOSYS */
    set_entry(9, 0xFFFFFFFFu, 0, 0, 0);                     /* out of the table */
    trap(__HYPERVISOR_multicall, GWIN, 10);
    assert_int_equal(regs.eax, 0);
    assert_int_equal(regs.eip, 0xC0001002);
    for (uint32_t i = 0; i < 8; i++) {
        assert_int_equal(entry(i)->result, 1000 + i);
        assert_int_equal(entry(i)->op, __HYPERVISOR_xen_version);   /* only result is written */
        assert_int_equal(entry(i)->args[0], i);
    }
    assert_int_equal((int32_t)entry(8)->result, -XEN_ENOSYS);
    assert_int_equal((int32_t)entry(9)->result, -XEN_ENOSYS);
    assert_int_equal(vcpu0.stats.hypercall_traps, 1);
    assert_int_equal(vcpu0.stats.multicall_entries, 10);
    assert_int_equal(vcpu0.stats.hypercalls, 11);
    assert_int_equal(dom.hypercall_count[__HYPERVISOR_xen_version], 8);
    assert_int_equal(dom.hypercall_count[__HYPERVISOR_multicall], 1);
    assert_int_equal(dom.hypercall_count[45], 1);
    assert_int_equal(vcpu1.stats.hypercalls, 0);
}

static void test_nested_multicall_refused_others_run(void **s)
{
    set_entry(0, __HYPERVISOR_xen_version, 1, 0, 0);
    set_entry(1, __HYPERVISOR_multicall, entry_va(10), 1, 0);
    set_entry(2, __HYPERVISOR_xen_version, 2, 0, 0);
    set_entry(10, __HYPERVISOR_xen_version, 3, 0, 0);
    trap(__HYPERVISOR_multicall, GWIN, 3);
    assert_int_equal(regs.eax, 0);
    assert_int_equal(entry(0)->result, 1001);
    assert_int_equal((int32_t)entry(1)->result, -XEN_EINVAL);
    assert_int_equal(entry(2)->result, 1002);
    assert_int_equal(entry(10)->result, 0xDEADBEEFu);
    assert_false(hypercall_capturing());
    trap(__HYPERVISOR_multicall, entry_va(10), 1);      /* no state left behind */
    assert_int_equal(regs.eax, 0);
    assert_int_equal(entry(10)->result, 1003);
}

static void test_unreadable_lists_efault(void **s)
{
    const uint32_t bad[][2] = {
        { 0, 1 }, { HYPERVISOR_VIRT_START - 16, 1 }, { HYPERVISOR_VIRT_START, 1 },
        { 0xFF000000u, 3 }, { 0xFFFFFFE0u, 2 }, { 0, 0xFFFFFFFFu },
    };
    for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        trap(__HYPERVISOR_multicall, bad[k][0], bad[k][1]);
        assert_int_equal((int32_t)regs.eax, -XEN_EFAULT);
    }
    assert_int_equal(vcpu0.stats.multicall_entries, 0);
    /* nr_calls 0 reads nothing, wherever the list is (as Xen) */
    trap(__HYPERVISOR_multicall, 0, 0);
    assert_int_equal(regs.eax, 0);
    trap(__HYPERVISOR_multicall, HYPERVISOR_VIRT_START, 0);
    assert_int_equal(regs.eax, 0);
}

/* A count far beyond the list: the entries that are there run, the first unreadable one ends
 * the multicall with -EFAULT (Xen 4.17 does not check the whole range of a 32-bit guest's list
 * first). */
static void test_huge_count_ends_at_first_unreadable_entry(void **s)
{
    uint32_t last = GWIN_SIZE / 32 - 3;
    for (uint32_t i = last; i < last + 3; i++)
        set_entry(i, __HYPERVISOR_xen_version, i, 0, 0);
    trap(__HYPERVISOR_multicall, entry_va(last), 0xFFFFFFFFu);
    assert_int_equal((int32_t)regs.eax, -XEN_EFAULT);
    for (uint32_t i = last; i < last + 3; i++)
        assert_int_equal(entry(i)->result, 1000 + i);
    assert_int_equal(vcpu0.stats.multicall_entries, 3);
}

static void test_fault_mid_list_keeps_earlier_results(void **s)
{
    uint32_t last = GWIN_SIZE / 32 - 1;               /* the window's last entry */
    set_entry(last, __HYPERVISOR_xen_version, 5, 0, 0);
    trap(__HYPERVISOR_multicall, entry_va(last), 2);    /* the 2nd is outside the window */
    assert_int_equal((int32_t)regs.eax, -XEN_EFAULT);
    assert_int_equal(entry(last)->result, 1005);
    assert_int_equal(vcpu0.stats.multicall_entries, 1);
}

static void test_long_batch_continues_in_bounded_pieces(void **s)
{
    const uint32_t n = 300;
    for (uint32_t i = 0; i < n; i++)
        set_entry(i, __HYPERVISOR_xen_version, i, 0, 0);
    trap(__HYPERVISOR_multicall, GWIN, n);
    /* the first piece ran MOAT_MC_ENTRIES_PER_TRAP entries and re-armed the rest */
    assert_int_equal(vcpu0.stats.multicall_entries, MOAT_MC_ENTRIES_PER_TRAP);
    assert_int_equal(regs.eip, 0xC0001000);
    assert_int_equal(regs.eax, __HYPERVISOR_multicall);
    assert_int_equal(regs.ebx, entry_va(MOAT_MC_ENTRIES_PER_TRAP));
    assert_int_equal(regs.ecx, n - MOAT_MC_ENTRIES_PER_TRAP);
    assert_int_equal(regs.edx, 0x1111);                 /* the guest's other registers */
    assert_int_equal(regs.esi, 0x2222);
    assert_int_equal(regs.edi, 0x3333);
    assert_int_equal(regs.ebp, 0x4444);
    assert_int_equal(entry(MOAT_MC_ENTRIES_PER_TRAP)->result, 0xDEADBEEFu);
    int traps = run_to_completion();
    assert_int_equal(traps, 3);                         /* 128 + 128 + 44 */
    assert_int_equal(regs.eax, 0);
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(entry(i)->result, 1000 + i);
    assert_int_equal(vcpu0.stats.hypercall_traps, 3);
    assert_int_equal(vcpu0.stats.multicall_entries, n);
}

static void test_entry_continuation_resumes_inside_the_batch(void **s)
{
    memset(gmem + 0x1000, 'x', 250);
    set_entry(0, __HYPERVISOR_console_io, CONSOLEIO_write, 250, GWIN + 0x1000);
    set_entry(1, __HYPERVISOR_xen_version, 9, 0, 0);
    trap(__HYPERVISOR_multicall, GWIN, 2);
    /* the entry was rewritten with its continuation; the multicall re-armed at that entry */
    assert_int_equal(regs.eip, 0xC0001000);
    assert_int_equal(regs.ebx, GWIN);
    assert_int_equal(regs.ecx, 2);
    assert_int_equal(entry(0)->op, __HYPERVISOR_console_io);
    assert_int_equal(entry(0)->args[1], 150);
    assert_int_equal(entry(0)->args[2], GWIN + 0x1000 + 100);
    assert_int_equal(entry(1)->result, 0xDEADBEEFu);
    assert_int_equal(console_len, 100);
    assert_false(hypercall_capturing());
    int traps = run_to_completion();
    assert_int_equal(traps, 3);
    assert_int_equal(regs.eax, 0);
    assert_int_equal(console_len, 250);
    assert_int_equal(entry(0)->result, 0);
    assert_int_equal(entry(1)->result, 1009);
    assert_int_equal(dom.hypercall_count[__HYPERVISOR_console_io], 3);
}

static void test_iret_and_mode_change_end_the_batch(void **s)
{
    set_entry(0, __HYPERVISOR_iret, 0, 0, 0);
    set_entry(1, __HYPERVISOR_xen_version, 1, 0, 0);
    trap(__HYPERVISOR_multicall, GWIN, 2);
    assert_int_equal(regs.eax, entry(0)->result);       /* the iret's own result */
    assert_int_equal(entry(1)->result, 0xDEADBEEFu);
    set_entry(0, __HYPERVISOR_vm_assist, 7, 0, 0);      /* leaves kernel mode */
    set_entry(1, __HYPERVISOR_xen_version, 1, 0, 0);
    trap(__HYPERVISOR_multicall, GWIN, 2);
    assert_int_equal(regs.eax, 0);
    assert_int_equal(entry(0)->result, 77);
    assert_int_equal(entry(1)->result, 0xDEADBEEFu);
}

static void test_stale_capture_is_forgotten_at_the_next_trap(void **s)
{
    hypercall_capture_begin();                          /* a multicall that never returned */
    assert_true(hypercall_capturing());
    set_entry(0, __HYPERVISOR_xen_version, 1, 0, 0);
    trap(__HYPERVISOR_multicall, GWIN, 1);
    assert_int_equal(regs.eax, 0);
    assert_int_equal(entry(0)->result, 1001);
}

static void test_direct_continuation_still_rearms_the_trap(void **s)
{
    memset(gmem, 'y', 150);
    regs.cs = FLAT_RING1_CS;
    regs.edx = GWIN;
    regs.eax = __HYPERVISOR_console_io;
    regs.ebx = CONSOLEIO_write;
    regs.ecx = 150;
    regs.eip = 0xC0001002;
    console_len = 0;
    hypercall_dispatch(&regs);
    assert_int_equal(regs.eip, 0xC0001000);
    assert_int_equal(regs.ecx, 50);
    assert_int_equal(run_to_completion(), 2);
    assert_int_equal(console_len, 150);
}

/* ---- moat_op ----------------------------------------------------------------------------------- */
static void test_moat_op(void **s)
{
    struct moat_stats *st = (struct moat_stats *)(gmem + 0x2000);
    trap(__HYPERVISOR_moat_op, MOATOP_get_version, 0);
    assert_int_equal(regs.eax, MOAT_INTERFACE_VERSION);
    vcpu1.stats.hypercall_traps = 5;
    vcpu1.stats.events_delivered = 2;
    stats_event_delivered(&vcpu0);
    stats_emulated(&vcpu0);
    stats_exception(&vcpu0);
    stats_exception_bounced(&vcpu0);
    st->size = sizeof(*st);
    trap(__HYPERVISOR_moat_op, MOATOP_get_stats, GWIN + 0x2000);
    assert_int_equal(regs.eax, 0);
    assert_int_equal(st->version, MOAT_STATS_VERSION);
    assert_int_equal(st->size, sizeof(*st));
    assert_int_equal(st->nr_vcpus, 2);
    assert_int_equal(st->tsc_boot, 1000);
    assert_int_equal(st->vcpu.hypercall_traps, 2);      /* get_version + this get_stats */
    assert_int_equal(st->domain.hypercall_traps, 7);
    assert_int_equal(st->domain.events_delivered, 3);
    assert_int_equal(st->domain.emulated, 1);
    assert_int_equal(st->domain.exceptions, 1);
    assert_int_equal(st->domain.exceptions_bounced, 1);
    assert_int_equal(st->hypercall_count[__HYPERVISOR_moat_op], 2);

    /* a short buffer: only what fits is written */
    memset(st, 0x55, sizeof(*st));
    st->size = MOAT_STATS_MIN_SIZE;
    trap(__HYPERVISOR_moat_op, MOATOP_get_stats, GWIN + 0x2000);
    assert_int_equal(regs.eax, 0);
    assert_int_equal(st->size, MOAT_STATS_MIN_SIZE);
    assert_int_equal(st->domain.hypercall_traps, 0x5555555555555555ull);
    st->size = MOAT_STATS_MIN_SIZE - 1;
    trap(__HYPERVISOR_moat_op, MOATOP_get_stats, GWIN + 0x2000);
    assert_int_equal((int32_t)regs.eax, -XEN_EINVAL);
    /* a buffer that runs off mapped memory, or is not guest memory */
    struct moat_stats *end = (struct moat_stats *)(gmem + GWIN_SIZE - 64);
    end->size = sizeof(*end);
    trap(__HYPERVISOR_moat_op, MOATOP_get_stats, GWIN + GWIN_SIZE - 64);
    assert_int_equal((int32_t)regs.eax, -XEN_EFAULT);
    trap(__HYPERVISOR_moat_op, MOATOP_get_stats, 0);
    assert_int_equal((int32_t)regs.eax, -XEN_EFAULT);
    trap(__HYPERVISOR_moat_op, MOATOP_get_stats, HYPERVISOR_VIRT_START);
    assert_int_equal((int32_t)regs.eax, -XEN_EFAULT);
    trap(__HYPERVISOR_moat_op, 99, 0);
    assert_int_equal((int32_t)regs.eax, -XEN_ENOSYS);

    trap(__HYPERVISOR_moat_op, MOATOP_reset_stats, 0);
    assert_int_equal(regs.eax, 0);
    assert_int_equal(vcpu0.stats.hypercall_traps, 0);
    assert_int_equal(vcpu1.stats.hypercall_traps, 0);
    assert_int_equal(vcpu1.stats.events_delivered, 0);
    assert_int_equal(dom.hypercall_count[__HYPERVISOR_moat_op], 0);
}

static void test_shutdown_summary_line(void **s)
{
    vcpu0.stats.hypercalls = 10;
    vcpu0.stats.hypercall_traps = 4;
    vcpu1.stats.hypercalls = 1;
    vcpu1.stats.hypercall_traps = 1;
    vcpu0.stats.exceptions = 2;
    vcpu1.stats.events_delivered = 3;
    stats_print_shutdown(1000 + 123456);
    assert_string_equal(out, "moat: shutdown after 123456 TSC ticks; domain 0: 11 hypercalls "
                             "(5 traps), 2 exceptions, 3 events\n");
}

/* ---- debug keys -------------------------------------------------------------------------------- */
static int keys_run[128];
static void key_fn(int key) { keys_run[key]++; }
const struct debug_key debug_keys[] = { { 's', key_fn, "s" }, { 'h', key_fn, "h" }, { 0, 0, 0 } };

static void test_debug_key_filter(void **s)
{
    memset(keys_run, 0, sizeof(keys_run));
    /* ordinary bytes pass, including the key letters themselves */
    assert_int_equal(debug_key_filter('s'), 0);
    assert_int_equal(debug_key_filter('\r'), 0);
    assert_int_equal(keys_run['s'], 0);
    /* prefix + key: both consumed, the key's handler runs once */
    assert_int_equal(debug_key_filter(0x1d), 1);
    assert_int_equal(debug_key_filter('s'), 1);
    assert_int_equal(keys_run['s'], 1);
    assert_int_equal(debug_key_filter('s'), 0);         /* the prefix is one-shot */
    /* prefix + prefix: one literal prefix for the guest */
    assert_int_equal(debug_key_filter(0x1d), 1);
    assert_int_equal(debug_key_filter(0x1d), 0);
    assert_int_equal(debug_key_filter('h'), 0);
    assert_int_equal(keys_run['h'], 0);
    /* prefix + unknown key: consumed, said so */
    assert_int_equal(debug_key_filter(0x1d), 1);
    assert_int_equal(debug_key_filter('Q'), 1);
    assert_non_null(strstr(out, "unknown debug key 'Q'"));
    assert_int_equal(debug_key_filter('Q'), 0);
}

static void test_stats_print_domain(void **s)
{
    vcpu0.stats.hypercall_traps = 3;
    dom.hypercall_count[__HYPERVISOR_xen_version] = 2;
    dom.hypercall_count[45] = 1;
    stats_print_domain(&dom);
    assert_non_null(strstr(out, "total: 3 hypercall traps"));
    assert_non_null(strstr(out, "vcpu 1: 0 hypercall traps"));
    assert_non_null(strstr(out, "xen_version(17)=2"));
    assert_non_null(strstr(out, "unimplemented(45)=1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_batch_results_in_order_one_trap, setup),
        cmocka_unit_test_setup(test_nested_multicall_refused_others_run, setup),
        cmocka_unit_test_setup(test_unreadable_lists_efault, setup),
        cmocka_unit_test_setup(test_huge_count_ends_at_first_unreadable_entry, setup),
        cmocka_unit_test_setup(test_fault_mid_list_keeps_earlier_results, setup),
        cmocka_unit_test_setup(test_long_batch_continues_in_bounded_pieces, setup),
        cmocka_unit_test_setup(test_entry_continuation_resumes_inside_the_batch, setup),
        cmocka_unit_test_setup(test_iret_and_mode_change_end_the_batch, setup),
        cmocka_unit_test_setup(test_stale_capture_is_forgotten_at_the_next_trap, setup),
        cmocka_unit_test_setup(test_direct_continuation_still_rearms_the_trap, setup),
        cmocka_unit_test_setup(test_moat_op, setup),
        cmocka_unit_test_setup(test_shutdown_summary_line, setup),
        cmocka_unit_test_setup(test_debug_key_filter, setup),
        cmocka_unit_test_setup(test_stats_print_domain, setup),
    };
    return cmocka_run_group_tests_name("hv_multicall", tests, NULL, NULL);
}
