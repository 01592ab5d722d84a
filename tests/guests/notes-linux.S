/* Linux-style Xen notes (as arch/x86/xen/xen-head.S lays them out): the kernel is linked at
 * 0xC0100000 with ELF paddr 0x100000, VIRT_BASE 0xC0000000, PADDR_OFFSET 0. */
#include <xen/elfnote.h>
#include "common/elfnote.h"
ELFNOTE(XEN_ELFNOTE_GUEST_OS, .asciz "linux")
ELFNOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz "2.6")
ELFNOTE(XEN_ELFNOTE_XEN_VERSION, .asciz "xen-3.0")
ELFNOTE(XEN_ELFNOTE_VIRT_BASE, .long 0xC0000000)
ELFNOTE(XEN_ELFNOTE_PADDR_OFFSET, .long 0)
ELFNOTE(XEN_ELFNOTE_ENTRY, .long _start)
ELFNOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .long hypercall_page)
ELFNOTE(XEN_ELFNOTE_FEATURES, .ascii "!writable_page_tables|pae_pgdir_above_4gb")
ELFNOTE(XEN_ELFNOTE_PAE_MODE, .asciz "yes")
ELFNOTE(XEN_ELFNOTE_LOADER, .asciz "generic")
#ifndef NO_HV_START_LOW /* probe.elf leaves it out: then virt_start must be exactly 0xF5800000 */
ELFNOTE(XEN_ELFNOTE_HV_START_LOW, .long 0xF5800000)
#endif
