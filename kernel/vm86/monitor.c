/* The virtual-8086 monitor: emulation of the sensitive instructions of 16-bit code (see
 * monitor.h for the rules and invariants). Pure: no privileged instruction, memory only through
 * struct vm86_mem, so the host unit tests drive it with a fake memory. */
#include <stdint.h>
#include "vm86/monitor.h"

/* ---- the virtual flags ---- */

uint32_t vm86_veflags_mask(uint32_t cpu_type)
{
    switch (cpu_type) {
    case CPU_086: case CPU_186: case CPU_286:
        /* Linux: a 286 owns none of NT/IOPL (its pushf shows them as the 8086 does). */
        return 0;
    case CPU_386:
        return VM86_EFLAGS_NT | VM86_EFLAGS_IOPL;
    case CPU_486:
        return VM86_EFLAGS_AC | VM86_EFLAGS_NT | VM86_EFLAGS_IOPL;
    default:
        return VM86_EFLAGS_ID | VM86_EFLAGS_AC | VM86_EFLAGS_NT | VM86_EFLAGS_IOPL;
    }
}

uint32_t vm86_enter_eflags(struct vm86_state *s, uint32_t user_eflags, uint32_t caller_eflags)
{
    s->veflags = user_eflags;
    uint32_t real = (user_eflags & VM86_SAFE_MASK) | (caller_eflags & ~VM86_SAFE_MASK);
    /* IOPL 0 is what makes cli/sti/pushf/popf/int/iret trap; NT/VIF/VIP have no business in
     * the real flags of 16-bit code (the caller's are clear anyway: this only makes sure). */
    real &= ~(VM86_EFLAGS_IOPL | VM86_EFLAGS_NT | VM86_EFLAGS_VIF | VM86_EFLAGS_VIP);
    return real | X86_EFLAGS_VM;
}

uint32_t vm86_report_eflags(const struct vm86_state *s, uint32_t real)
{
    uint32_t virt = VM86_EFLAGS_VIF | s->veflags_mask;
    return (real & ~virt) | (s->veflags & virt);
}

uint32_t vm86_get_vflags(const struct vm86_state *s, uint32_t real)
{
    uint32_t fl = real & VM86_RETURN_MASK;
    if (s->veflags & VM86_EFLAGS_VIF)
        fl |= VM86_EFLAGS_IF;
    return fl | VM86_EFLAGS_IOPL | (s->veflags & s->veflags_mask);
}

/* popf/iret: the status flags go to the real EFLAGS, the owned bits and IF to the virtual
 * ones. A 16-bit popf only reaches the low half of the virtual flags. */
static void set_vflags(struct vm86_frame *f, struct vm86_state *s, uint32_t fl, int data32)
{
    uint32_t mask = data32 ? s->veflags_mask : s->veflags_mask & 0xffffu;
    s->veflags = (s->veflags & ~mask) | (fl & mask);
    f->tf.eflags = (f->tf.eflags & ~VM86_SAFE_MASK) | (fl & VM86_SAFE_MASK);
    if (fl & VM86_EFLAGS_IF)
        s->veflags |= VM86_EFLAGS_VIF;
    else
        s->veflags &= ~VM86_EFLAGS_VIF;
}

/* ---- 16-bit registers and the real-mode stack ---- */

static inline uint16_t ip16(const struct vm86_frame *f) { return (uint16_t)f->tf.eip; }
static inline uint16_t sp16(const struct vm86_frame *f) { return (uint16_t)f->tf.user_esp; }
static inline void set_ip16(struct vm86_frame *f, uint16_t ip) { f->tf.eip = (f->tf.eip & 0xffff0000u) | ip; }
static inline void set_sp16(struct vm86_frame *f, uint16_t sp) { f->tf.user_esp = (f->tf.user_esp & 0xffff0000u) | sp; }
static inline uint32_t seg_base(uint32_t sel) { return (sel & 0xffffu) << 4; }

/* Pushes/pops n bytes (2 or 4), little-endian, a byte at a time so the offset wraps at 64 KB
 * as the 16-bit stack does. *sp is the working copy; the frame is only updated on success. */
static int push(const struct vm86_mem *m, uint32_t base, uint16_t *sp, uint32_t v, unsigned n)
{
    for (unsigned i = n; i-- > 0;) {
        uint8_t b = (uint8_t)(v >> (8 * i));
        (*sp)--;
        if (m->write(base + *sp, &b, 1))
            return -1;
    }
    return 0;
}

static int pop(const struct vm86_mem *m, uint32_t base, uint16_t *sp, uint32_t *v, unsigned n)
{
    uint32_t r = 0;
    for (unsigned i = 0; i < n; i++) {
        uint8_t b;
        if (m->read(base + *sp, &b, 1))
            return -1;
        (*sp)++;
        r |= (uint32_t)b << (8 * i);
    }
    *v = r;
    return 0;
}

static int bit_set(const uint32_t *map, unsigned n) { return (map[(n >> 5) & 7] >> (n & 31)) & 1; }

/* ---- int n ---- */

int vm86_do_int(struct vm86_frame *f, struct vm86_state *s, const struct vm86_mem *m, unsigned n)
{
    n &= 0xff;
    uint32_t ah = (f->tf.eax >> 8) & 0xff;
    if ((f->tf.cs & 0xffff) == BIOSSEG || bit_set(s->int_revectored.map, n) ||
        (n == 0x21 && bit_set(s->int21_revectored.map, ah)))
        return VM86_RET(VM86_INTx, n);
    uint32_t vec;
    if (m->read(n * 4, &vec, 4) || (vec >> 16) == BIOSSEG)
        return VM86_RET(VM86_INTx, n);
    uint32_t ssb = seg_base(f->tf.user_ss);
    uint16_t sp = sp16(f);
    if (push(m, ssb, &sp, vm86_get_vflags(s, f->tf.eflags), 2) ||
        push(m, ssb, &sp, f->tf.cs & 0xffff, 2) || push(m, ssb, &sp, ip16(f), 2))
        return VM86_RET(VM86_INTx, n);
    f->tf.cs = vec >> 16;
    set_sp16(f, sp);
    set_ip16(f, (uint16_t)vec);
    f->tf.eflags &= ~(VM86_EFLAGS_TF | VM86_EFLAGS_AC);
    s->veflags &= ~VM86_EFLAGS_VIF;
    return VM86_MON_RESUME;
}

int vm86_monitor_trap(struct vm86_frame *f, struct vm86_state *s, const struct vm86_mem *m,
                      unsigned trapno)
{
    if (s->plus) {
        if (trapno == 1 || trapno == 3)
            return VM86_RET(VM86_TRAP, trapno);
        return vm86_do_int(f, s, m, trapno);
    }
    return trapno == 1 ? VM86_MON_SIGTRAP : VM86_MON_SIGNAL;
}

/* ---- #GP: the sensitive instructions ---- */

/* After an emulated instruction that may have turned VIF on. */
static int check_vip(const struct vm86_state *s)
{
    const uint32_t both = VM86_EFLAGS_VIP | VM86_EFLAGS_VIF;
    return (s->veflags & both) == both ? VM86_RET(VM86_STI, 0) : VM86_MON_RESUME;
}

/* The common tail of an emulated instruction: vm86plus's return for the PIC, then a single
 * step the emulated instruction owes (TF was set when it trapped). */
static int fault_return(struct vm86_frame *f, struct vm86_state *s, const struct vm86_mem *m,
                        uint32_t orig_flags)
{
    if ((s->plus_bits & VM86PLUS_FORCE_RETURN_FOR_PIC) &&
        (s->veflags & (VM86_EFLAGS_IF | VM86_EFLAGS_VIF)))
        return VM86_RET(VM86_PICRETURN, 0);
    if (orig_flags & VM86_EFLAGS_TF)
        return vm86_monitor_trap(f, s, m, 1);
    return VM86_MON_RESUME;
}

/* popf and iret: the popped flags become the virtual flags (a single step the vm86plus
 * debugger has pending stays set), then a VIP made deliverable returns to the caller, else the
 * common tail. */
static int load_popped_flags(struct vm86_frame *f, struct vm86_state *s, const struct vm86_mem *m,
                             uint32_t v, int data32, uint32_t orig_flags)
{
    if ((s->plus_bits & (VM86PLUS_DBG_ACTIVE | VM86PLUS_DBG_TF_PENDING)) ==
        (VM86PLUS_DBG_ACTIVE | VM86PLUS_DBG_TF_PENDING))
        v |= VM86_EFLAGS_TF;
    set_vflags(f, s, v, data32);
    int r = check_vip(s);
    return r == VM86_MON_RESUME ? fault_return(f, s, m, orig_flags) : r;
}

int vm86_monitor_gp(struct vm86_frame *f, struct vm86_state *s, const struct vm86_mem *m)
{
    const uint32_t orig_flags = f->tf.eflags;
    const uint32_t csb = seg_base(f->tf.cs), ssb = seg_base(f->tf.user_ss);
    uint16_t ip = ip16(f), sp = sp16(f);
    int data32 = 0;
    uint8_t op;
    for (unsigned n = 0;; n++) {
        if (n > VM86_MAX_PREFIXES || m->read(csb + ip, &op, 1))
            return VM86_RET(VM86_UNKNOWN, 0);
        ip++;
        if (op == 0x66)
            data32 = 1;
        else if (!(op == 0x67 || op == 0x2e || op == 0x3e || op == 0x26 || op == 0x36 ||
                   op == 0x64 || op == 0x65 || op == 0xf2 || op == 0xf3))
            break;
    }
    const unsigned width = data32 ? 4 : 2;
    uint32_t v, newip, newcs;
    int r;
    switch (op) {
    case 0x9c: /* pushf */
        if (push(m, ssb, &sp, vm86_get_vflags(s, f->tf.eflags), width))
            return VM86_RET(VM86_UNKNOWN, 0);
        set_sp16(f, sp);
        set_ip16(f, ip);
        return fault_return(f, s, m, orig_flags);
    case 0x9d: /* popf */
        if (pop(m, ssb, &sp, &v, width))
            return VM86_RET(VM86_UNKNOWN, 0);
        set_sp16(f, sp);
        set_ip16(f, ip);
        return load_popped_flags(f, s, m, v, data32, orig_flags);
    case 0xcd: { /* int n */
        uint8_t n;
        if (m->read(csb + ip, &n, 1))
            return VM86_RET(VM86_UNKNOWN, 0);
        ip++;
        set_ip16(f, ip); /* the caller resumes after the int */
        if ((s->plus_bits & VM86PLUS_DBG_ACTIVE) && ((s->dbg_intxxtab[n >> 3] >> (n & 7)) & 1))
            return VM86_RET(VM86_INTx, n);
        return vm86_do_int(f, s, m, n);
    }
    case 0xcf: /* iret */
        if (pop(m, ssb, &sp, &newip, width) || pop(m, ssb, &sp, &newcs, width) ||
            pop(m, ssb, &sp, &v, width))
            return VM86_RET(VM86_UNKNOWN, 0);
        set_sp16(f, sp);
        set_ip16(f, (uint16_t)newip);
        f->tf.cs = newcs & 0xffff;
        return load_popped_flags(f, s, m, v, data32, orig_flags);
    case 0xfa: /* cli */
        set_ip16(f, ip);
        s->veflags &= ~VM86_EFLAGS_VIF;
        return fault_return(f, s, m, orig_flags);
    case 0xfb: /* sti */
        set_ip16(f, ip);
        s->veflags |= VM86_EFLAGS_VIF;
        r = check_vip(s);
        return r == VM86_MON_RESUME ? fault_return(f, s, m, orig_flags) : r;
    default: /* in/out/ins/outs, hlt, privileged instructions: the caller decides */
        return VM86_RET(VM86_UNKNOWN, 0);
    }
}
