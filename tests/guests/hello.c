/* hello: the smallest useful Xen PV guest. Checks the start_info it was given, prints what it
 * learnt through HYPERVISOR_console_io and powers off through SCHEDOP_shutdown. Linked three
 * ways (hello.elf, hello-low.elf, hello-legacy.elf) to cover the three ways a guest describes
 * itself to the domain builder. A wrong start_info crashes the domain (shutdown reason crash). */
#include "common/guest.h"

extern char _start[];

unsigned int guest_main(void)
{
    start_info_t *si = start_info;
    unsigned long esp;
    int bad = 0;

    asm volatile("movl %%esp, %0" : "=r"(esp));
    if (!mem_eq(si->magic, "xen-3.0-x86_32p", 16)) {
        /* the magic may be garbage: print only what is known to be safe */
        print("hello: bad start_info magic\n");
        return SHUTDOWN_crash;
    }
    print("hello from a Xen PV guest\n");
    print("magic: %s\n", si->magic);
    print("nr_pages: %u\n", si->nr_pages);
    si->cmd_line[MAX_GUEST_CMDLINE - 1] = '\0';
    print("cmd_line: %s\n", (const char *)si->cmd_line);
    print("pt_base: 0x%x\n", si->pt_base);
    print("nr_pt_frames: %u\n", si->nr_pt_frames);
    print("mfn_list: 0x%x\n", si->mfn_list);
    print("flags: 0x%x\n", si->flags);
    print("mod_start: 0x%x mod_len: %u\n", si->mod_start, si->mod_len);
    if (si->mod_len && !(si->flags & SIF_MOD_START_PFN)) {
        /* the initrd is mapped right after the kernel: show its first bytes */
        const unsigned char *m = (const unsigned char *)si->mod_start;
        print("initrd:");
        for (unsigned i = 0; i < 8 && i < si->mod_len; i++)
            print(" %02x", m[i]);
        print("\n");
    }
    print("start_info: 0x%x stack: 0x%x entry: 0x%x\n", (unsigned long)si, esp,
          (unsigned long)_start);

    /* The xen.h layout rules a guest may rely on. */
    if ((unsigned long)si & 0xFFF)
        print("hello: start_info not page aligned\n"), bad = 1;
    if (si->pt_base & 0xFFF || si->pt_base <= (unsigned long)si)
        print("hello: pt_base not a page after start_info\n"), bad = 1;
    if (si->mfn_list >= (unsigned long)si || si->mfn_list & 0xFFF)
        print("hello: mfn_list not a page before start_info\n"), bad = 1;
    if (esp <= si->pt_base + si->nr_pt_frames * 4096 - 4096)
        print("hello: stack not above the page tables\n"), bad = 1;
    if (!(si->flags & SIF_INITDOMAIN))
        print("hello: SIF_INITDOMAIN not set\n"), bad = 1;
    /* the p2m list must be readable and hold nr_pages entries */
    volatile unsigned long *p2m = (volatile unsigned long *)si->mfn_list;
    unsigned long last = p2m[si->nr_pages - 1];
    print("p2m[0]: 0x%x p2m[last]: 0x%x\n", p2m[0], last);
    /* the stack page must be writable (we are using it) and the start-of-day region must be
     * mapped up to 512 KB past the stack */
    volatile char *pad = (volatile char *)((esp + 4095) & ~4095ul);
    pad[512 * 1024 - 1] = 1;
    if (bad)
        return SHUTDOWN_crash;
    print("hello: powering off\n");
    return SHUTDOWN_poweroff;
}
