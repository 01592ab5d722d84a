/* Per-vcpu state of the PV trap/segment/FPU interface (issue 5), embedded in struct vcpu as
 * v->pv. Grouped here so domain.h stays a map and each field names the hypercall that sets it.
 *
 *   trap_ctxt      set_trap_table: the virtual IDT (cs RPL already fixed up to >= 1)
 *   *_cb           set_callbacks / callback_op (cs == 0 means "not registered")
 *   cb_flags       PV_CB_* : which callbacks were registered with CALLBACKF_mask_events
 *   gdt_mfn/ents   set_gdt: the guest frames mapped read-only at GDT-area pages 0..13
 *   ldt_req_*      the MMUEXT_SET_LDT request (mm.ldt_base/ldt_ents, H5) Moat last acted on;
 *   ldt_mapped_ents  entries actually mapped (0 if the request could not be installed)
 *   cr0_ts         fpu_taskswitch / clts / mov to cr0: the guest's virtual CR0.TS
 *   fpu_*          lazy FPU: the vcpu's state is either live in the CPU (fpu_loaded) or in fxsave
 *   iopl           physdev_op set_iopl, as EFLAGS bits (0..0x3000)
 *   iobmp_*        physdev_op set_iobitmap: guest linear address and number of ports covered */
#ifndef MOAT_PV_STATE_H
#define MOAT_PV_STATE_H
#include <stdint.h>
#include <xen/xen.h>

#define PV_GDT_FRAMES 14          /* pages 0..13 of the 16-page GDT; 14..15 are Moat's */
#define PV_GDT_MAX_ENTS (PV_GDT_FRAMES * 512)   /* == FIRST_RESERVED_GDT_ENTRY */

#define PV_CB_FAILSAFE_MASK 0x1u  /* failsafe entry sets the upcall mask */
#define PV_CB_SYSCALL_MASK  0x2u
#define PV_CB_SYSENTER_MASK 0x4u
#define PV_CB_NMI_MASK      0x8u

struct pv_callback { uint16_t cs; uint32_t eip; };

struct vcpu_pv {
    struct trap_info trap_ctxt[256];
    struct pv_callback event_cb, failsafe_cb, nmi_cb, syscall32_cb, sysenter_cb;
    uint32_t cb_flags;
    uint32_t gdt_mfn[PV_GDT_FRAMES];
    uint32_t gdt_ents;            /* 0: no guest GDT (pages 0..13 are the zero frame) */
    uint32_t ldt_req_base, ldt_req_ents;
    uint32_t ldt_mapped_ents;     /* the LDT currently in the LDT descriptor */
    uint32_t cr0_ts;              /* 0 or X86_CR0_TS */
    int fpu_initialised;          /* the vcpu has used the FPU at least once */
    int fpu_loaded;               /* its state is live in this CPU's registers */
    uint32_t iopl;                /* virtual IOPL in EFLAGS position */
    uint32_t iobmp_va, iobmp_nr;
    uint32_t exit_failures;       /* consecutive failed exits to the guest (traps.c) */
    uint8_t fxsave[512] __attribute__((aligned(16)));
};
#endif
