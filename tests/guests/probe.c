/* probe: asks the hypervisor questions whose answers Xen 4.17 defines, prints one TAP-style
 * line per check and a summary, and powers off only if every answer was right (crash
 * otherwise). Every expectation here was checked against real Xen 4.17 running this guest as
 * dom0 (/work/shared/tools/run-on-xen); where Xen's answer differs from a first guess, the
 * comment says what Xen does. Hostile arguments must come back as errors, never kill the
 * hypervisor: the last checks prove it is still answering. */
#include "common/guest.h"
#include <xen/vcpu.h>

static unsigned passed, failed, n;

static void check(int ok, const char *what, long got)
{
    n++;
    if (ok) {
        passed++;
        print("ok %u - %s\n", n, what);
    } else {
        failed++;
        print("not ok %u - %s (got %d = 0x%x)\n", n, what, got, got);
    }
}

#define EXPECT(expr, want, what) do { long g_ = (long)(expr); check(g_ == (want), what, g_); } while (0)

/* Hypercall numbers with no handler, called through the page where it has an entry. */
static long via_page(unsigned nr)
{
    long r;
    unsigned long b = 0, c = 0, d = 0;
    asm volatile("call *%[e]" : "=a"(r), "+b"(b), "+c"(c), "+d"(d)
                 : [e] "S"(hypercall_page + nr * 32) : "memory", "edi");
    return r;
}

static int contains_word(const char *s, const char *w)
{
    size_t wl = str_len(w);
    for (const char *p = s; *p; p++)
        if ((p == s || p[-1] == ' ') && mem_eq(p, w, wl) && (p[wl] == ' ' || p[wl] == '\0'))
            return 1;
    return 0;
}

unsigned int guest_main(void)
{
    static char msg[] = "probe: console_io write works\n";
    uint32_t a, b, c, d;

    print("probe: Xen PV hypercall probe\n");

    /* unknown hypercalls */
    /* numbers xen.h leaves unassigned (11, 43-47, 56-63). Not 40: that is xenpmu_op, and
     * Xen 4.17 answers it with -EOPNOTSUPP when the PMU is off, not -ENOSYS */
    EXPECT(via_page(11), -XEN_ENOSYS, "hypercall 11 (unassigned) returns -ENOSYS");
    EXPECT(via_page(45), -XEN_ENOSYS, "hypercall 45 (unassigned) returns -ENOSYS");
    EXPECT(via_page(63), -XEN_ENOSYS, "hypercall 63 (unassigned) returns -ENOSYS");
    EXPECT(hypercall_raw(64, 0, 0, 0), -XEN_ENOSYS, "hypercall 64 via int 0x82 returns -ENOSYS");
    EXPECT(hypercall_raw(1000, 0, 0, 0), -XEN_ENOSYS, "hypercall 1000 returns -ENOSYS");
    EXPECT(hypercall_raw(0xffffffffu, 0, 0, 0), -XEN_ENOSYS, "hypercall 0xffffffff returns -ENOSYS");

    /* console_io with hostile buffers */
    EXPECT(HYPERVISOR_console_io(CONSOLEIO_write, sizeof(msg) - 1, msg), 0,
           "console_io write returns 0");
    EXPECT(HYPERVISOR_console_io(CONSOLEIO_write, 10, 0), -XEN_EFAULT,
           "console_io write from NULL returns -EFAULT");
    /* Not probed: a READ from 0xF5800000 itself. That is the guest-readable machine-to-phys
     * table, and Xen 4.17 copies from it (console_io returns 0 and prints the table's bytes);
     * only the old x86_32 Xen refused every pointer above HYPERVISOR_VIRT_START. */
    EXPECT(HYPERVISOR_console_io(CONSOLEIO_write, 16, 0xF57FFFF8u), -XEN_EFAULT,
           "console_io write straddling 0xF5800000 returns -EFAULT");
    EXPECT(HYPERVISOR_console_io(CONSOLEIO_write, 16, 0xFF7FF000u), -XEN_EFAULT,
           "console_io write from deep in the hypervisor area returns -EFAULT");
    EXPECT(HYPERVISOR_console_io(CONSOLEIO_write, 0x20, 0xFFFFFFF0u), -XEN_EFAULT,
           "console_io write wrapping past 4 GB returns -EFAULT");
    EXPECT(HYPERVISOR_console_io(CONSOLEIO_write, 0, 0), 0,
           "console_io write of 0 bytes from NULL returns 0");
    EXPECT(HYPERVISOR_console_io(99, 1, msg), -XEN_ENOSYS, "console_io command 99 returns -ENOSYS");

    /* xen_version */
    long v = HYPERVISOR_xen_version(XENVER_version, 0);
    check(v == ((4 << 16) | 17), "xen_version is 4.17", v);
    static xen_capabilities_info_t caps;
    EXPECT(HYPERVISOR_xen_version(XENVER_capabilities, caps), 0, "XENVER_capabilities returns 0");
    caps[sizeof(caps) - 1] = 0;
    print("probe: capabilities \"%s\"\n", caps);
    check(contains_word(caps, "xen-3.0-x86_32p"), "capabilities include xen-3.0-x86_32p", 0);
    static xen_extraversion_t extra;
    EXPECT(HYPERVISOR_xen_version(XENVER_extraversion, extra), 0, "XENVER_extraversion returns 0");
    extra[sizeof(extra) - 1] = 0;
    print("probe: extraversion \"%s\"\n", extra);
    static xen_platform_parameters_t pp;
    EXPECT(HYPERVISOR_xen_version(XENVER_platform_parameters, &pp), 0,
           "XENVER_platform_parameters returns 0");
    check(pp.virt_start == 0xF5800000u, "platform_parameters virt_start is 0xF5800000",
          (long)pp.virt_start);
    static xen_feature_info_t fi = { .submap_idx = 0 };
    EXPECT(HYPERVISOR_xen_version(XENVER_get_features, &fi), 0, "XENVER_get_features returns 0");
    print("probe: features submap 0 = 0x%x\n", fi.submap);
    check(fi.submap & (1u << XENFEAT_dom0), "features include dom0", (long)fi.submap);
    check(fi.submap & (1u << XENFEAT_pae_pgdir_above_4gb), "features include pae_pgdir_above_4gb",
          (long)fi.submap);
    EXPECT(HYPERVISOR_xen_version(XENVER_capabilities, 0), -XEN_EFAULT,
           "XENVER_capabilities into NULL returns -EFAULT");
    EXPECT(HYPERVISOR_xen_version(XENVER_platform_parameters, 0xF5801000u), -XEN_EFAULT,
           "XENVER_platform_parameters into the read-only M2P returns -EFAULT");
    EXPECT(HYPERVISOR_xen_version(XENVER_capabilities, 0xF5800000u), -XEN_EFAULT,
           "XENVER_capabilities into 0xF5800000 returns -EFAULT");
    EXPECT(HYPERVISOR_xen_version(XENVER_extraversion, 0xFFFFFFF8u), -XEN_EFAULT,
           "XENVER_extraversion wrapping past 4 GB returns -EFAULT");
    EXPECT(HYPERVISOR_xen_version(999, 0), -XEN_ENOSYS, "xen_version command 999 returns -ENOSYS");

    /* sched_op and vm_assist */
    EXPECT(HYPERVISOR_sched_op(SCHEDOP_yield, 0), 0, "SCHEDOP_yield returns 0");
    EXPECT(HYPERVISOR_sched_op(99, 0), -XEN_ENOSYS, "sched_op command 99 returns -ENOSYS");
    EXPECT(HYPERVISOR_sched_op(SCHEDOP_shutdown, 0), -XEN_EFAULT,
           "SCHEDOP_shutdown with a NULL argument returns -EFAULT");
    EXPECT(HYPERVISOR_vm_assist(VMASST_CMD_enable, 31), -XEN_EINVAL,
           "vm_assist with type 31 returns -EINVAL");
    EXPECT(HYPERVISOR_vm_assist(99, VMASST_TYPE_pae_extended_cr3), -XEN_ENOSYS,
           "vm_assist with command 99 returns -ENOSYS");
    EXPECT(HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_pae_extended_cr3), 0,
           "vm_assist enable pae_extended_cr3 returns 0");

    /* the PV CPUID view */
    pv_cpuid(0x40000000u, &a, &b, &c, &d);
    char sig[13];
    *(uint32_t *)&sig[0] = b;
    *(uint32_t *)&sig[4] = c;
    *(uint32_t *)&sig[8] = d;
    sig[12] = 0;
    print("probe: cpuid 0x40000000: max leaf 0x%x signature \"%s\"\n", a, sig);
    check(str_eq(sig, "XenVMMXenVMM"), "PV CPUID leaf 0x40000000 says XenVMMXenVMM", (long)b);
    check(a >= 0x40000002u && a < 0x40000100u, "PV CPUID max hypervisor leaf in range", (long)a);
    pv_cpuid(0x40000001u, &a, &b, &c, &d);
    check(a == ((4u << 16) | 17), "PV CPUID leaf 0x40000001 gives version 4.17", (long)a);

    /* still standing after all that */
    EXPECT(HYPERVISOR_console_io(CONSOLEIO_write, sizeof(msg) - 1, msg), 0,
           "console_io still works after the hostile calls");

    print("probe: %u passed, %u failed\n", passed, failed);
    return failed ? SHUTDOWN_crash : SHUTDOWN_poweroff;
}
