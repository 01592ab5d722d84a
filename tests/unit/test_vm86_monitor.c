/* Host tests of the virtual-8086 monitor (kernel/vm86/monitor.c): what int/pushf/popf/cli/sti/
 * iret do to the frame, the virtual flags and the 16-bit stack, and what ends the vm86() call.
 * The memory is a fake real-mode address space (linear 0 .. 1 MB + 64 KB) with per-page
 * "mapped" flags, so IVT reflection (impossible in the system test: the kernel never maps page
 * 0) and faulting stacks are covered here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "vm86/monitor.h"

#define MEM_SIZE 0x110000u
static uint8_t mem[MEM_SIZE];
static uint8_t unmapped[MEM_SIZE >> 12];
static unsigned reads, writes;

static int fake_read(uint32_t lin, void *dst, uint32_t n)
{
    reads++;
    for (uint32_t i = 0; i < n; i++)
        if (lin + i >= MEM_SIZE || unmapped[(lin + i) >> 12])
            return -1;
    memcpy(dst, mem + lin, n);
    return 0;
}

static int fake_write(uint32_t lin, const void *src, uint32_t n)
{
    writes++;
    for (uint32_t i = 0; i < n; i++)
        if (lin + i >= MEM_SIZE || unmapped[(lin + i) >> 12])
            return -1;
    memcpy(mem + lin, src, n);
    return 0;
}

static const struct vm86_mem M = { fake_read, fake_write };
static struct vm86_frame f;
static struct vm86_state st;

#define CS 0x1000u
#define SS 0x2000u

/* cs:0 holds `code`; ss:sp = 0x2000:0x100; VIF on; a 586. */
static void load(const uint8_t *code, size_t n)
{
    memset(mem, 0, sizeof mem);
    memset(unmapped, 0, sizeof unmapped);
    memcpy(mem + CS * 16, code, n);
    memset(&f, 0, sizeof f);
    memset(&st, 0, sizeof st);
    f.tf.cs = CS;
    f.tf.user_ss = SS;
    f.tf.user_esp = 0x100;
    st.veflags_mask = vm86_veflags_mask(CPU_586);
    f.tf.eflags = vm86_enter_eflags(&st, VM86_EFLAGS_VIF, VM86_EFLAGS_IF | 0x2);
}

static uint16_t stack_word(unsigned off) { return (uint16_t)(mem[SS * 16 + off] | mem[SS * 16 + off + 1] << 8); }

static void enter_flags_keep_iopl_zero_and_caller_if(void **s)
{
    struct vm86_state t = { 0 };
    uint32_t real = vm86_enter_eflags(&t, 0xffffffffu, VM86_EFLAGS_IF | 0x2);
    assert_int_equal(real & VM86_EFLAGS_IOPL, 0);
    assert_true(real & X86_EFLAGS_VM);
    assert_true(real & VM86_EFLAGS_IF);            /* the caller's, not the structure's */
    assert_int_equal(real & (VM86_EFLAGS_VIF | VM86_EFLAGS_VIP | VM86_EFLAGS_NT), 0);
    assert_int_equal(real & VM86_SAFE_MASK, VM86_SAFE_MASK);
    assert_int_equal(t.veflags, 0xffffffffu);
    real = vm86_enter_eflags(&t, 0, VM86_EFLAGS_IF | 0x2);
    assert_int_equal(real & VM86_SAFE_MASK, 0);
}

static void cpu_type_decides_the_owned_bits(void **s)
{
    assert_int_equal(vm86_veflags_mask(CPU_286), 0);
    assert_int_equal(vm86_veflags_mask(CPU_386), VM86_EFLAGS_NT | VM86_EFLAGS_IOPL);
    assert_int_equal(vm86_veflags_mask(CPU_486), VM86_EFLAGS_AC | VM86_EFLAGS_NT | VM86_EFLAGS_IOPL);
    assert_int_equal(vm86_veflags_mask(CPU_586), VM86_EFLAGS_ID | VM86_EFLAGS_AC | VM86_EFLAGS_NT | VM86_EFLAGS_IOPL);
}

static void pushf_shows_vif_as_if_and_iopl3(void **s)
{
    static const uint8_t code[] = { 0xfa, 0x9c, 0xfb, 0x9c }; /* cli pushf sti pushf */
    load(code, sizeof code);
    for (int i = 0; i < 4; i++)
        assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_MON_RESUME);
    assert_int_equal(f.tf.eip, 4);
    assert_int_equal(f.tf.user_esp, 0x100 - 4);
    uint16_t after_cli = stack_word(0xfe), after_sti = stack_word(0xfc);
    assert_false(after_cli & VM86_EFLAGS_IF);
    assert_true(after_sti & VM86_EFLAGS_IF);
    assert_int_equal(after_cli & VM86_EFLAGS_IOPL, VM86_EFLAGS_IOPL);
    assert_true(f.tf.eflags & VM86_EFLAGS_IF); /* the real IF never moved */
}

static void popf_sets_status_flags_and_vif(void **s)
{
    static const uint8_t code[] = { 0x9d, 0x9d };
    load(code, sizeof code);
    f.tf.user_esp = 0xfc;
    mem[SS * 16 + 0xfc] = 0xc5; mem[SS * 16 + 0xfd] = 0x00; /* 0x00c5: CF PF ZF SF, IF off */
    mem[SS * 16 + 0xfe] = 0x01; mem[SS * 16 + 0xff] = 0x72; /* 0x7201: CF, IF, IOPL 3, NT */
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_MON_RESUME);
    assert_int_equal(f.tf.eflags & VM86_SAFE_MASK, 0xc5);
    assert_false(st.veflags & VM86_EFLAGS_VIF);
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_MON_RESUME);
    assert_int_equal(f.tf.eflags & VM86_SAFE_MASK, 0x01);
    assert_true(st.veflags & VM86_EFLAGS_VIF);
    assert_int_equal(f.tf.eflags & VM86_EFLAGS_IOPL, 0);            /* never in the real flags */
    assert_int_equal(st.veflags & VM86_EFLAGS_IOPL, VM86_EFLAGS_IOPL); /* owned: virtual */
    assert_true(st.veflags & VM86_EFLAGS_NT);
    assert_int_equal(f.tf.user_esp, 0x100);
}

static void popf16_leaves_the_high_virtual_flags(void **s)
{
    static const uint8_t code[] = { 0x9d };
    load(code, sizeof code);
    st.veflags |= VM86_EFLAGS_AC | VM86_EFLAGS_ID;
    f.tf.user_esp = 0xfe;
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_MON_RESUME);
    assert_true(st.veflags & VM86_EFLAGS_AC);
    assert_true(st.veflags & VM86_EFLAGS_ID);
}

static void pushf32_and_stack_wrap(void **s)
{
    static const uint8_t code[] = { 0x66, 0x9c };
    load(code, sizeof code);
    f.tf.user_esp = 0x0002; /* 4 bytes: wraps to 0xfffe */
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_MON_RESUME);
    assert_int_equal(f.tf.user_esp & 0xffff, 0xfffe);
    assert_int_equal(f.tf.eip, 2);
    assert_true(mem[SS * 16 + 0x0001] || mem[SS * 16 + 0x0000] || mem[SS * 16 + 0xfffe]);
    assert_int_equal(mem[SS * 16 + 0xfffe] & 0x02, 0x02); /* bit 1 of flags is always 1 */
}

static void int_is_reflected_through_the_ivt(void **s)
{
    static const uint8_t code[] = { 0x90, 0xcd, 0x10 }; /* nop is never decoded: ip starts at 1 */
    load(code, sizeof code);
    f.tf.eip = 1;
    mem[0x40] = 0x34; mem[0x41] = 0x12; mem[0x42] = 0x00; mem[0x43] = 0x30; /* 3000:1234 */
    f.tf.eflags |= VM86_EFLAGS_TF | VM86_EFLAGS_AC;
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_MON_RESUME);
    assert_int_equal(f.tf.cs, 0x3000);
    assert_int_equal(f.tf.eip, 0x1234);
    assert_int_equal(f.tf.user_esp, 0x100 - 6);
    assert_int_equal(stack_word(0xfa), 3);      /* ip after the int */
    assert_int_equal(stack_word(0xfc), CS);
    assert_true(stack_word(0xfe) & VM86_EFLAGS_IF);
    assert_false(st.veflags & VM86_EFLAGS_VIF);  /* as a real int clears IF */
    assert_false(f.tf.eflags & (VM86_EFLAGS_TF | VM86_EFLAGS_AC));
}

static void int_goes_to_the_caller_when_it_must(void **s)
{
    static const uint8_t code[] = { 0xcd, 0x21 };
    load(code, sizeof code);
    mem[0x84] = 0x00; mem[0x85] = 0x01; mem[0x86] = 0x00; mem[0x87] = 0x30;
    st.int21_revectored.map[0x4c / 32] = 1u << (0x4c % 32);
    f.tf.eax = 0x4c00; /* AH 0x4c revectored */
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_RET(VM86_INTx, 0x21));
    assert_int_equal(f.tf.eip, 2);
    f.tf.eip = 0;
    f.tf.eax = 0x0900; /* AH 9 is not: reflected */
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_MON_RESUME);
    assert_int_equal(f.tf.cs, 0x3000);

    load(code, sizeof code);
    st.int_revectored.map[0x21 / 32] = 1u << (0x21 % 32);
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_RET(VM86_INTx, 0x21));

    load(code, sizeof code);
    mem[0x84] = 0; mem[0x85] = 0; mem[0x86] = 0x00; mem[0x87] = 0xf0; /* handler in the BIOS */
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_RET(VM86_INTx, 0x21));

    load(code, sizeof code);
    unmapped[0] = 1; /* no IVT */
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_RET(VM86_INTx, 0x21));

    load(code, sizeof code);
    mem[0x84] = 0x00; mem[0x85] = 0x01; mem[0x86] = 0x00; mem[0x87] = 0x30;
    unmapped[(SS * 16 + 0xff) >> 12] = 1; /* the stack cannot take the frame */
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_RET(VM86_INTx, 0x21));
    assert_int_equal(f.tf.cs, CS);
    assert_int_equal(f.tf.user_esp, 0x100);
}

static void int_from_the_bios_segment_goes_to_the_caller(void **s)
{
    static const uint8_t code[] = { 0xcd, 0x13 };
    load(code, sizeof code);
    memcpy(mem + 0xf0000, code, sizeof code);
    f.tf.cs = BIOSSEG;
    mem[0x4c] = 0x00; mem[0x4d] = 0x01; mem[0x4e] = 0x00; mem[0x4f] = 0x30;
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_RET(VM86_INTx, 0x13));
}

static void iret_pops_ip_cs_flags(void **s)
{
    static const uint8_t code[] = { 0xcf };
    load(code, sizeof code);
    st.veflags &= ~VM86_EFLAGS_VIF;
    f.tf.user_esp = 0xfa;
    mem[SS * 16 + 0xfa] = 0x78; mem[SS * 16 + 0xfb] = 0x56; /* ip */
    mem[SS * 16 + 0xfc] = 0x00; mem[SS * 16 + 0xfd] = 0x40; /* cs */
    mem[SS * 16 + 0xfe] = 0x01; mem[SS * 16 + 0xff] = 0x02; /* flags: CF IF */
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_MON_RESUME);
    assert_int_equal(f.tf.eip, 0x5678);
    assert_int_equal(f.tf.cs, 0x4000);
    assert_int_equal(f.tf.user_esp, 0x100);
    assert_true(st.veflags & VM86_EFLAGS_VIF);
    assert_true(f.tf.eflags & 1);
}

static void sti_with_vip_returns_vm86_sti(void **s)
{
    static const uint8_t code[] = { 0xfa, 0xfb };
    load(code, sizeof code);
    st.veflags |= VM86_EFLAGS_VIP;
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_MON_RESUME); /* cli */
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_RET(VM86_STI, 0));
    assert_int_equal(f.tf.eip, 2);
}

static void io_hlt_and_faults_are_unknown(void **s)
{
    static const uint8_t code[] = { 0xec, 0xee, 0xe4, 0x60, 0xf4, 0x0f, 0x01 };
    load(code, sizeof code);
    for (unsigned ip = 0; ip < sizeof code; ip++) {
        f.tf.eip = ip;
        if (ip == 3 || ip == 6)
            continue;
        assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_RET(VM86_UNKNOWN, 0));
        assert_int_equal(f.tf.eip, ip); /* left at the instruction */
    }
    /* code that cannot be read */
    load(code, sizeof code);
    unmapped[(CS * 16) >> 12] = 1;
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_RET(VM86_UNKNOWN, 0));
    /* popf from a stack that cannot be read: nothing changes */
    static const uint8_t popf[] = { 0x9d };
    load(popf, sizeof popf);
    unmapped[(SS * 16 + 0x100) >> 12] = 1;
    uint32_t before = f.tf.eflags;
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_RET(VM86_UNKNOWN, 0));
    assert_int_equal(f.tf.eflags, before);
    assert_int_equal(f.tf.user_esp, 0x100);
    assert_int_equal(f.tf.eip, 0);
}

static void prefixes_are_bounded(void **s)
{
    uint8_t code[64];
    memset(code, 0x66, sizeof code);
    load(code, sizeof code);
    reads = 0;
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_RET(VM86_UNKNOWN, 0));
    assert_true(reads <= VM86_MAX_PREFIXES + 1);
    /* a few prefixes before a sensitive instruction are fine */
    static const uint8_t ok[] = { 0x2e, 0xf3, 0x66, 0x9c };
    load(ok, sizeof ok);
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_MON_RESUME);
    assert_int_equal(f.tf.eip, 4);
    assert_int_equal(f.tf.user_esp, 0x100 - 4);
}

static void single_step_and_traps(void **s)
{
    static const uint8_t code[] = { 0xfa };
    load(code, sizeof code);
    f.tf.eflags |= VM86_EFLAGS_TF;
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_MON_SIGTRAP); /* vm86old */
    load(code, sizeof code);
    st.plus = 1;
    f.tf.eflags |= VM86_EFLAGS_TF;
    assert_int_equal(vm86_monitor_gp(&f, &st, &M), VM86_RET(VM86_TRAP, 1));
    assert_int_equal(vm86_monitor_trap(&f, &st, &M, 3), VM86_RET(VM86_TRAP, 3));
    st.plus = 0;
    assert_int_equal(vm86_monitor_trap(&f, &st, &M, 3), VM86_MON_SIGNAL);
    assert_int_equal(vm86_monitor_trap(&f, &st, &M, 0), VM86_MON_SIGNAL);
    /* vm86plus: #DE is reflected as int 0 */
    load(code, sizeof code);
    st.plus = 1;
    mem[0] = 0x10; mem[1] = 0; mem[2] = 0x00; mem[3] = 0x50;
    assert_int_equal(vm86_monitor_trap(&f, &st, &M, 0), VM86_MON_RESUME);
    assert_int_equal(f.tf.cs, 0x5000);
}

static void report_eflags_merges_the_virtual_bits(void **s)
{
    struct vm86_state t = { .veflags = VM86_EFLAGS_VIF | VM86_EFLAGS_NT | VM86_EFLAGS_VIP,
                            .veflags_mask = vm86_veflags_mask(CPU_386) };
    uint32_t r = vm86_report_eflags(&t, X86_EFLAGS_VM | VM86_EFLAGS_IF | 0x2 | 0x1);
    assert_true(r & VM86_EFLAGS_VIF);
    assert_true(r & VM86_EFLAGS_NT);
    assert_true(r & 0x1);
    assert_true(r & X86_EFLAGS_VM);
    assert_false(r & VM86_EFLAGS_VIP); /* not an owned bit: the real (clear) one is reported */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(enter_flags_keep_iopl_zero_and_caller_if),
        cmocka_unit_test(cpu_type_decides_the_owned_bits),
        cmocka_unit_test(pushf_shows_vif_as_if_and_iopl3),
        cmocka_unit_test(popf_sets_status_flags_and_vif),
        cmocka_unit_test(popf16_leaves_the_high_virtual_flags),
        cmocka_unit_test(pushf32_and_stack_wrap),
        cmocka_unit_test(int_is_reflected_through_the_ivt),
        cmocka_unit_test(int_goes_to_the_caller_when_it_must),
        cmocka_unit_test(int_from_the_bios_segment_goes_to_the_caller),
        cmocka_unit_test(iret_pops_ip_cs_flags),
        cmocka_unit_test(sti_with_vip_returns_vm86_sti),
        cmocka_unit_test(io_hlt_and_faults_are_unknown),
        cmocka_unit_test(prefixes_are_bounded),
        cmocka_unit_test(single_step_and_traps),
        cmocka_unit_test(report_eflags_merges_the_virtual_bits),
    };
    return cmocka_run_group_tests_name("kernel_vm86_monitor", tests, 0, 0);
}
