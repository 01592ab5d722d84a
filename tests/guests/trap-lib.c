/* Helpers of the trap-* hostile guests (trap-lib.h). */
#include "trap-lib.h"

volatile struct trap_record trap_last;
extern char trap_stubs[];
static struct trap_info table[256 + 1];
static uint8_t kernel_stack[8192] __attribute__((aligned(16)));

uint32_t trap_handler(unsigned v)
{
    return (uint32_t)(uintptr_t)trap_stubs + 16 * v;
}

void trap_unexpected(uint32_t what)
{
    print("not ok - unexpected trap %x at eip 0x%x (err 0x%x) with no catch armed\n", what,
          trap_last.eip, trap_last.err);
    shutdown(SHUTDOWN_crash);
}

void trap_setup(int with_failsafe)
{
    unsigned n = 0;
    for (unsigned v = 0; v < 32; v++) {
        table[n].vector = v;
        table[n].flags = (v == 3 || v == 4) ? 3 : 0;
        table[n].cs = FLAT_RING1_CS;
        table[n].address = trap_handler(v);
        n++;
    }
    table[n++] = (struct trap_info){ 0x20, 3, FLAT_RING1_CS, trap_handler(0x20) };
    table[n++] = (struct trap_info){ 0x80, 3, FLAT_RING1_CS, trap_handler(0x80) };
    table[n] = (struct trap_info){ 0, 0, 0, 0 };
    MM_EXPECT(HYPERVISOR_set_trap_table(table), 0, "set_trap_table with 34 handlers");
    MM_EXPECT(HYPERVISOR_stack_switch(FLAT_RING1_SS, (uint32_t)(uintptr_t)(kernel_stack + sizeof(kernel_stack))),
              0, "stack_switch to a kernel stack for ring-3 entries");
    if (with_failsafe)
        MM_EXPECT(HYPERVISOR_set_callbacks(FLAT_RING1_CS, 0, FLAT_RING1_CS,
                                           (uint32_t)(uintptr_t)trap_failsafe_entry), 0,
                  "set_callbacks (failsafe only)");
}

void trap_make_user(uint32_t va, uint32_t len)
{
    for (uint32_t p = va & ~0xFFFu; p < va + len; p += 4096) {
        long rc = mm_remap(p, mm_va_mfn(p), PG_P | PG_RW | PG_US | PG_A | PG_D);
        if (rc) {
            print("not ok - cannot make 0x%x user-accessible: %d\n", p, rc);
            shutdown(SHUTDOWN_crash);
        }
    }
}

int trap_on_moat(void)
{
    return HYPERVISOR_moat_op(MOATOP_get_version, 0) > 0;
}

int trap_counters(struct moat_counters *c)
{
    static struct moat_stats s;
    s.size = sizeof(s);
    long rc = HYPERVISOR_moat_op(MOATOP_get_stats, &s);
    if (rc)
        return (int)rc;
    *c = s.vcpu;
    return 0;
}
