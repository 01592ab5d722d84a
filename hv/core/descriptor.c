/* Guest segment and gate descriptors: what Moat lets a guest put into its GDT and LDT
 * (descriptor.h). Pure: host-tested by tests/unit/test_descriptor.c.
 *
 * Invariants (issue 5 item 3; "this is what keeps a ring-1 guest out of Moat"):
 *   D1  No present code/data descriptor has DPL 0. As Xen 4.17 (check_descriptor), DPL 0 is
 *       *raised to 1* rather than refused: unmodified guests (Linux, Moat's own kernel) write
 *       DPL-0 kernel segments and rely on that fix-up. The effect the issue asks for holds:
 *       no guest segment is ever a ring-0 segment.
 *   D2  No present code/data segment covers a byte at or above HYPERVISOR_VIRT_START:
 *         - an expand-up segment starting below it whose end reaches it is *truncated* to end
 *           just below it (as 32-bit Xen did). Real guests write such segments all the time:
 *           flat 4 GB kernel segments, and Linux/musl TLS segments (base = the thread pointer,
 *           limit 4 GB); Xen 4.17 accepts them unchanged because its own area is outside a
 *           32-bit guest's 4 GB. Refusing them (the literal wording) would break those
 *           guests; truncation keeps the rule that matters - no guest segment reaches Moat;
 *         - an expand-up segment starting inside Moat's area: refused;
 *         - an expand-down segment covering Moat's area (offsets limit+1 .. 0xFFFF or
 *           0xFFFFFFFF, wrapping): refused (its covered range cannot be cut at the top).
 *       Code segments with the L bit are refused (as Xen for 32-bit guests).
 *   D3  The accessed bit of every present code/data descriptor is set, because Moat maps
 *       descriptor frames read-only: the CPU never needs to write a descriptor.
 *   D4  System descriptors are refused (TSS, LDT, task/interrupt/trap gates, reserved types),
 *       each with its own reason. The one gate accepted is Xen's: a 32-bit call gate whose
 *       target is a guest code selector (guest GDT/LDT entry, or FLAT_RING1_CS) and whose
 *       offset is below Moat; like Xen, its DPL is forced to 0 (the guest's DPL is kept in
 *       the target selector's RPL bits), so any use raises #GP: a call gate can never move a
 *       guest into ring 0. Moat does not emulate call gates; the #GP is the guest's.
 *   D5  Not-present descriptors and type-0 system descriptors are accepted unchanged: they
 *       fault on any use (as Xen).
 * Under QEMU TCG segment limits are not enforced on data accesses, so D2 is tested as a rule
 * (the validator's answers), not by its hardware effect. */
#include <stdint.h>
#include <xen/xen.h>
#include "descriptor.h"
#include "memlayout.h"

#define A_P     (1u << 15)    /* bits of the high dword */
#define A_S     (1u << 12)
#define A_DPL   (3u << 13)
#define A_TYPE  (0xFu << 8)
#define A_L     (1u << 21)
#define A_DB    (1u << 22)
#define A_G     (1u << 23)
#define T_CODE  0x8u
#define T_EXPDN 0x4u          /* for data: expand-down */
#define T_ACC   0x1u

_Static_assert(HV_VIRT_START == 0xF5800000u, "Moat's area starts at HYPERVISOR_VIRT_START");

static const char *const names[DESC_NR_REASONS] = {
    [DESC_ACCEPT] = "accepted",
    [DESC_LONG_MODE] = "64-bit code segment (L bit)",
    [DESC_BASE_IN_MOAT] = "segment base inside Moat's area",
    [DESC_EXPAND_DOWN_REACHES_MOAT] = "expand-down segment covers Moat's area",
    [DESC_SYSTEM_TSS] = "TSS descriptor",
    [DESC_SYSTEM_LDT] = "LDT descriptor",
    [DESC_TASK_GATE] = "task gate",
    [DESC_INTERRUPT_GATE] = "interrupt gate",
    [DESC_TRAP_GATE] = "trap gate",
    [DESC_CALL_GATE_16] = "16-bit call gate",
    [DESC_SYSTEM_RESERVED] = "reserved system descriptor type",
    [DESC_GATE_TARGET] = "call gate to a non-guest code selector (ring 0 / Moat)",
    [DESC_GATE_INTO_MOAT] = "call gate offset inside Moat's area",
    [DESC_GATE_RESERVED_BITS] = "call gate reserved bits set",
};

const char *desc_reason_name(enum desc_reason r)
{
    return (unsigned)r < DESC_NR_REASONS ? names[r] : "unknown";
}

/* Does the linear range base+[lo, hi] (mod 2^32) touch [HV_VIRT_START, 4 GB)? */
static int range_reaches_moat(uint32_t base, uint64_t lo, uint64_t hi)
{
    uint64_t s = (uint64_t)base + lo, e = (uint64_t)base + hi;
    if (s >= 0x100000000ull) {     /* entirely wrapped: a range near 0 */
        s -= 0x100000000ull;
        e -= 0x100000000ull;
    }
    if (e >= 0x100000000ull)       /* runs through the top of the address space */
        return 1;
    return e >= HV_VIRT_START;
}

/* The one gate a guest may own: see D4. FLAT_RING1_CS is Xen's FLAT_COMPAT_KERNEL_CS. */
static int gate_selector_ok(uint16_t sel)
{
    return (sel >> 3) < FIRST_RESERVED_GDT_ENTRY || sel == FLAT_RING1_CS || (sel & 4) != 0;
}

enum desc_reason desc_check(uint64_t *d)
{
    uint32_t a = (uint32_t)*d, b = (uint32_t)(*d >> 32);

    if (!(b & A_P))
        return DESC_ACCEPT;                                   /* D5 */
    unsigned dpl = (b >> 13) & 3;
    unsigned type = (b >> 8) & 0xF;

    if (b & A_S) {
        if (dpl == 0)
            dpl = 1;                                          /* D1 */
        b = (b & ~A_DPL) | (dpl << 13);
        if ((type & T_CODE) && (b & A_L))
            return DESC_LONG_MODE;
        uint32_t base = (b & 0xFF000000u) | ((b & 0xFFu) << 16) | (a >> 16);
        uint64_t limit = (b & 0xF0000u) | (a & 0xFFFFu);
        if (b & A_G)
            limit = (limit << 12) | 0xFFF;
        if (!(type & T_CODE) && (type & T_EXPDN)) {          /* expand-down data */
            uint64_t top = (b & A_DB) ? 0xFFFFFFFFull : 0xFFFFull;
            if (limit < top && range_reaches_moat(base, limit + 1, top))
                return DESC_EXPAND_DOWN_REACHES_MOAT;
        } else {
            if (base >= HV_VIRT_START)
                return DESC_BASE_IN_MOAT;
            if (range_reaches_moat(base, 0, limit)) {
                /* D2: truncate to end at or below HV_VIRT_START - 1 */
                uint32_t span = HV_VIRT_START - base, lim;
                if ((b & A_G) && (span >> 12) != 0) {
                    lim = (span >> 12) - 1;
                } else {
                    b &= ~A_G;
                    lim = span - 1;            /* < 0x100000: it was byte granular, or < 4 KB */
                }
                a = (a & 0xFFFF0000u) | (lim & 0xFFFFu);
                b = (b & ~0xF0000u) | (lim & 0xF0000u);
            }
        }
        b |= T_ACC << 8;                                       /* D3 */
        *d = ((uint64_t)b << 32) | a;
        return DESC_ACCEPT;
    }

    switch (type) {
    case 0x0:
        return DESC_ACCEPT;                                   /* D5 */
    case 0x1: case 0x3: case 0x9: case 0xB:
        return DESC_SYSTEM_TSS;
    case 0x2:
        return DESC_SYSTEM_LDT;
    case 0x5:
        return DESC_TASK_GATE;
    case 0x6: case 0xE:
        return DESC_INTERRUPT_GATE;
    case 0x7: case 0xF:
        return DESC_TRAP_GATE;
    case 0x4:
        return DESC_CALL_GATE_16;
    case 0xC:
        break;
    default:
        return DESC_SYSTEM_RESERVED;
    }
    /* 32-bit call gate */
    uint16_t cs = (uint16_t)(a >> 16);
    uint32_t off = (b & 0xFFFF0000u) | (a & 0xFFFFu);
    if (!gate_selector_ok(cs))
        return DESC_GATE_TARGET;
    if (off >= HV_VIRT_START)
        return DESC_GATE_INTO_MOAT;
    if (b & 0xE0u)
        return DESC_GATE_RESERVED_BITS;
    b &= ~A_DPL;                                              /* D4: DPL 0 -> #GP on use */
    cs = (uint16_t)((cs & ~3u) | dpl);
    a = (a & 0xFFFFu) | ((uint32_t)cs << 16);
    *d = ((uint64_t)b << 32) | a;
    return DESC_ACCEPT;
}

int desc_check_page(uint64_t *descs, enum desc_reason *why)
{
    for (int i = 0; i < 512; i++) {
        uint64_t t = descs[i];
        enum desc_reason r = desc_check(&t);
        if (r != DESC_ACCEPT) {
            if (why)
                *why = r;
            return i;
        }
    }
    /* all accepted: only now apply the fix-ups (desc_check is deterministic and pass 1 left
     * the originals untouched),
     * so a refused page is left untouched */
    for (int i = 0; i < 512; i++)
        (void)desc_check(&descs[i]);
    return -1;
}
