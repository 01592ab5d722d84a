/* Host tests of hv/core/traps_guest.c: the bounce frame (guest_bounce, guest_inject_exception)
 * and set_trap_table / stack_switch, over a fake guest memory. The rules under test are the
 * invariants at the top of traps_guest.c and the frame layout of bounce.h (Xen's
 * create_bounce_frame): what is pushed, where, with which upcall mask and EFLAGS, and that a
 * frame which cannot be written, or a handler in Moat's area or ring 0, crashes the domain
 * instead of being entered. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <cmocka.h>
#include <xen/xen.h>
#include "domain.h"
#include "bounce.h"
#include "moat_errno.h"

/* ---- fakes ------------------------------------------------------------------------------- */
struct cpu *host_test_cpu;
static struct cpu the_cpu;
static struct domain dom;
static struct vcpu vc;
static struct shared_info si;
static uint8_t mem[0x10000];             /* guest memory at MEM_BASE */
#define MEM_BASE 0x00800000u
static int crashed;
static char crash_why[200];
static uint32_t ss_base;                 /* base of the fake stack selector */
static int int80_calls, continued;

int guest_descriptor(struct vcpu *v, uint16_t sel, uint64_t *desc)
{
    (void)v;
    if ((sel & ~3u) == 0 || sel == 0x99)
        return -1;
    *desc = ((uint64_t)(ss_base >> 24) << 56) | ((uint64_t)(ss_base & 0xFFFFFF) << 16) | (1ull << 47);
    return 0;
}
int copy_to_guest(uint32_t gva, const void *src, uint32_t len)
{
    if ((uint64_t)gva + len > HYPERVISOR_VIRT_START || gva < MEM_BASE || gva + len > MEM_BASE + sizeof(mem))
        return -EFAULT;
    memcpy(mem + (gva - MEM_BASE), src, len);
    return 0;
}
int copy_from_guest(void *dst, uint32_t gva, uint32_t len)
{
    if ((uint64_t)gva + len > HYPERVISOR_VIRT_START || gva < MEM_BASE || gva + len > MEM_BASE + sizeof(mem))
        return -EFAULT;
    memcpy(dst, mem + (gva - MEM_BASE), len);
    return 0;
}
void domain_crash_regs(struct domain *d, const struct cpu_user_regs *r, const char *fmt, ...)
{
    va_list ap;
    (void)d; (void)r;
    va_start(ap, fmt);
    vsnprintf(crash_why, sizeof(crash_why), fmt, ap);
    va_end(ap);
    crashed++;
}
void log_printf(int level, const char *fmt, ...) { (void)level; (void)fmt; }
void idt_set_int80(struct vcpu *v) { (void)v; int80_calls++; }
long hypercall_continue(uint32_t nr, const uint32_t args[6]) { (void)nr; (void)args; continued++; return 0; }

long do_set_trap_table(uint32_t traps);
long do_stack_switch(uint32_t ss, uint32_t esp);

static uint32_t word(uint32_t gva) { uint32_t w; memcpy(&w, mem + (gva - MEM_BASE), 4); return w; }

static int setup(void **s)
{
    memset(&dom, 0, sizeof(dom));
    memset(&vc, 0, sizeof(vc));
    memset(&si, 0, sizeof(si));
    memset(&the_cpu, 0, sizeof(the_cpu));
    memset(mem, 0, sizeof(mem));
    host_test_cpu = &the_cpu;
    the_cpu.current = &vc;
    vc.domain = &dom;
    vc.vcpu_info = &si.vcpu_info[0];
    crashed = 0;
    ss_base = 0;
    int80_calls = continued = 0;
    return 0;
}

static struct cpu_user_regs ring1(uint32_t esp)
{
    struct cpu_user_regs r;
    memset(&r, 0, sizeof(r));
    r.cs = FLAT_RING1_CS; r.ss = FLAT_RING1_DS; r.esp = esp; r.eip = 0xC0101000;
    r.eflags = 0x202; r.ds = r.es = FLAT_RING1_DS;
    return r;
}

static void test_ring1_frame(void **s)
{
    struct cpu_user_regs r = ring1(MEM_BASE + 0x8000);
    vc.vcpu_info->evtchn_upcall_mask = 0;
    assert_int_equal(guest_bounce(&vc, &r, FLAT_RING1_CS, 0xC0200000, TBF_EXCEPTION, 0), 0);
    assert_int_equal(crashed, 0);
    /* eip, cs|mask<<16, eflags on the same stack */
    assert_int_equal(r.esp, MEM_BASE + 0x8000 - 12);
    assert_int_equal(word(r.esp), 0xC0101000);
    assert_int_equal(word(r.esp + 4), FLAT_RING1_CS);          /* mask 0 */
    assert_int_equal(word(r.esp + 8) & 0x200, 0x200);          /* IF = !mask */
    assert_int_equal(r.cs, FLAT_RING1_CS);
    assert_int_equal(r.eip, 0xC0200000);
    assert_int_equal(r.ss, FLAT_RING1_DS);
    assert_int_equal(vc.vcpu_info->evtchn_upcall_mask, 0);     /* no TBF_INTERRUPT */
}

static void test_error_code_and_interrupt_mask(void **s)
{
    struct cpu_user_regs r = ring1(MEM_BASE + 0x8000);
    r.eflags = 0x202 | 0x100 | 0x4000;                          /* TF, NT */
    vc.vcpu_info->evtchn_upcall_mask = 0;
    vc.pv.iopl = 0x1000;
    assert_int_equal(guest_bounce(&vc, &r, FLAT_RING1_CS, 0xC0200000,
                                  TBF_EXCEPTION | TBF_EXCEPTION_ERRCODE | TBF_INTERRUPT, 0x1234), 0);
    assert_int_equal(r.esp, MEM_BASE + 0x8000 - 16);
    assert_int_equal(word(r.esp), 0x1234);                      /* error code lowest */
    assert_int_equal(word(r.esp + 4), 0xC0101000);
    assert_int_equal(word(r.esp + 8), FLAT_RING1_CS);           /* the OLD mask (0) saved */
    assert_int_equal(word(r.esp + 12) & 0x3200, 0x1200);        /* IF from old mask, IOPL virtual */
    assert_int_equal(vc.vcpu_info->evtchn_upcall_mask, 1);      /* TBF_INTERRUPT masks */
    assert_int_equal(r.eflags & (0x100 | 0x4000), 0);           /* TF, NT cleared for the handler */
    /* a second bounce while masked saves mask 1 and IF 0 */
    assert_int_equal(guest_bounce(&vc, &r, FLAT_RING1_CS, 0xC0200000, TBF_INTERRUPT, 0), 0);
    assert_int_equal(word(r.esp + 4) >> 16, 1);
    assert_int_equal(word(r.esp + 8) & 0x200, 0);
}

static void test_ring3_uses_kernel_stack(void **s)
{
    struct cpu_user_regs r;
    memset(&r, 0, sizeof(r));
    r.cs = FLAT_RING3_CS; r.ss = FLAT_RING3_DS; r.esp = 0x00401000; r.eip = 0x08048000; r.eflags = 0x202;
    /* no stack_switch yet: crash, nothing written */
    assert_int_equal(guest_bounce(&vc, &r, FLAT_RING1_CS, 0xC0200000, TBF_EXCEPTION, 0), -1);
    assert_int_equal(crashed, 1);
    assert_int_equal(r.cs, FLAT_RING3_CS);
    crashed = 0;
    assert_int_equal(do_stack_switch(FLAT_RING1_DS & ~3u, MEM_BASE + 0x4000), 0);
    assert_int_equal(vc.kernel_ss, FLAT_RING1_DS);              /* RPL 0 raised to 1 */
    assert_int_equal(the_cpu.tss.ss1, FLAT_RING1_DS);
    assert_int_equal(the_cpu.tss.esp1, MEM_BASE + 0x4000);
    assert_int_equal(guest_bounce(&vc, &r, FLAT_RING1_CS, 0xC0200000, TBF_EXCEPTION, 0), 0);
    assert_int_equal(r.esp, MEM_BASE + 0x4000 - 20);
    assert_int_equal(word(r.esp), 0x08048000);
    assert_int_equal(word(r.esp + 4) & 0xFFFF, FLAT_RING3_CS);
    assert_int_equal(word(r.esp + 12), 0x00401000);              /* user esp */
    assert_int_equal(word(r.esp + 16), FLAT_RING3_DS);           /* user ss */
    assert_int_equal(r.ss, FLAT_RING1_DS);
}

static void test_failsafe_frame(void **s)
{
    struct cpu_user_regs r = ring1(MEM_BASE + 0x8000);
    r.ds = 0x11; r.es = 0x19; r.fs = 0x21; r.gs = 0x29;
    assert_int_equal(guest_bounce(&vc, &r, FLAT_RING1_CS, 0xC0300000, TBF_FAILSAFE, 0), 0);
    assert_int_equal(r.esp, MEM_BASE + 0x8000 - 28);
    assert_int_equal(word(r.esp), 0x11);
    assert_int_equal(word(r.esp + 4), 0x19);
    assert_int_equal(word(r.esp + 8), 0x21);
    assert_int_equal(word(r.esp + 12), 0x29);
    assert_int_equal(word(r.esp + 16), 0xC0101000);
    assert_true(r.ds == 0 && r.es == 0 && r.fs == 0 && r.gs == 0);   /* nulled */
}

static void test_stack_segment_base(void **s)
{
    struct cpu_user_regs r = ring1(0x8000);
    ss_base = MEM_BASE;                                          /* non-flat stack segment */
    assert_int_equal(guest_bounce(&vc, &r, FLAT_RING1_CS, 0xC0200000, TBF_EXCEPTION, 0), 0);
    assert_int_equal(r.esp, 0x8000 - 12);
    assert_int_equal(word(MEM_BASE + 0x8000 - 12), 0xC0101000);
}

static void test_unwritable_frames_crash(void **s)
{
    struct cpu_user_regs r = ring1(8);                           /* below its own frame */
    assert_int_equal(guest_bounce(&vc, &r, FLAT_RING1_CS, 0xC0200000, TBF_EXCEPTION, 0), -1);
    assert_int_equal(crashed, 1);
    r = ring1(0x100000);                                         /* unmapped */
    assert_int_equal(guest_bounce(&vc, &r, FLAT_RING1_CS, 0xC0200000, TBF_EXCEPTION, 0), -1);
    assert_int_equal(crashed, 2);
    r = ring1(HYPERVISOR_VIRT_START + 0x100);                    /* reaching Moat's area */
    assert_int_equal(guest_bounce(&vc, &r, FLAT_RING1_CS, 0xC0200000, TBF_EXCEPTION, 0), -1);
    assert_int_equal(crashed, 3);
    r = ring1(MEM_BASE + 0x8000);
    r.ss = 0x99;                                                 /* unusable stack selector */
    assert_int_equal(guest_bounce(&vc, &r, FLAT_RING1_CS, 0xC0200000, TBF_EXCEPTION, 0), -1);
    assert_int_equal(crashed, 4);
    assert_int_equal(r.eip, 0xC0101000);                         /* regs untouched */
}

static void test_handler_in_moat_or_ring0_crashes(void **s)
{
    struct cpu_user_regs r = ring1(MEM_BASE + 0x8000);
    assert_int_equal(guest_bounce(&vc, &r, FLAT_RING1_CS, HYPERVISOR_VIRT_START, TBF_EXCEPTION, 0), -1);
    assert_int_equal(guest_bounce(&vc, &r, 0xe008, 0xC0200000, TBF_EXCEPTION, 0), -1);
    assert_int_equal(guest_bounce(&vc, &r, 0, 0xC0200000, TBF_EXCEPTION, 0), -1);
    assert_int_equal(crashed, 3);
    assert_int_equal(r.esp, MEM_BASE + 0x8000);
}

static void test_set_trap_table(void **s)
{
    struct trap_info t[4] = {
        { 14, 0, FLAT_RING1_CS & ~3u, 0xC0100100 },             /* RPL 0: fixed up */
        { 0x80, 3, FLAT_RING1_CS, 0xC0100200 },
        { 3, 3 | 4, FLAT_RING1_CS, 0xC0100300 },
        { 0, 0, 0, 0 },
    };
    memcpy(mem, t, sizeof(t));
    assert_int_equal(do_set_trap_table(MEM_BASE), 0);
    assert_int_equal(vc.pv.trap_ctxt[14].cs, FLAT_RING1_CS);
    assert_int_equal(vc.pv.trap_ctxt[14].address, 0xC0100100);
    assert_int_equal(vc.pv.trap_ctxt[0x80].address, 0xC0100200);
    assert_int_equal(int80_calls, 1);
    /* inject through the table: TI_IF -> events masked, error code pushed for #PF */
    struct cpu_user_regs r = ring1(MEM_BASE + 0x8000);
    vc.vcpu_info->evtchn_upcall_mask = 0;
    assert_int_equal(guest_inject_exception(&vc, &r, 3, 0, 0), 0);
    assert_int_equal(vc.vcpu_info->evtchn_upcall_mask, 1);
    assert_int_equal(r.eip, 0xC0100300);
    r = ring1(MEM_BASE + 0x8000);
    assert_int_equal(guest_inject_exception(&vc, &r, 14, 1, 6), 0);
    assert_int_equal(word(r.esp), 6);
    /* a vector without a handler crashes */
    assert_int_equal(guest_inject_exception(&vc, &r, 13, 1, 0), -1);
    assert_int_equal(crashed, 1);
    /* a handler in Moat's area is refused; entries before it stay */
    struct trap_info bad[3] = { { 6, 0, FLAT_RING1_CS, 0xC0100600 }, { 7, 0, FLAT_RING1_CS, HYPERVISOR_VIRT_START }, { 0, 0, 0, 0 } };
    memcpy(mem, bad, sizeof(bad));
    assert_int_equal(do_set_trap_table(MEM_BASE), -EINVAL);
    assert_int_equal(vc.pv.trap_ctxt[6].address, 0xC0100600);
    assert_int_equal(vc.pv.trap_ctxt[7].address, 0);
    /* unreadable list */
    assert_int_equal(do_set_trap_table(HYPERVISOR_VIRT_START), -EFAULT);
    /* NULL clears everything */
    assert_int_equal(do_set_trap_table(0), 0);
    for (unsigned v = 0; v < 256; v++)
        assert_int_equal(vc.pv.trap_ctxt[v].address, 0);
}

static void test_set_trap_table_continues(void **s)
{
    /* 300 entries: the first 256 are taken, then the call continues itself */
    struct trap_info *t = (struct trap_info *)mem;
    for (unsigned i = 0; i < 300; i++)
        t[i] = (struct trap_info){ (uint8_t)i, 0, FLAT_RING1_CS, 0xC0100000 + i };
    t[300] = (struct trap_info){ 0, 0, 0, 0 };
    assert_int_equal(do_set_trap_table(MEM_BASE), 0);
    assert_int_equal(continued, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_ring1_frame, setup),
        cmocka_unit_test_setup(test_error_code_and_interrupt_mask, setup),
        cmocka_unit_test_setup(test_ring3_uses_kernel_stack, setup),
        cmocka_unit_test_setup(test_failsafe_frame, setup),
        cmocka_unit_test_setup(test_stack_segment_base, setup),
        cmocka_unit_test_setup(test_unwritable_frames_crash, setup),
        cmocka_unit_test_setup(test_handler_in_moat_or_ring0_crashes, setup),
        cmocka_unit_test_setup(test_set_trap_table, setup),
        cmocka_unit_test_setup(test_set_trap_table_continues, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
