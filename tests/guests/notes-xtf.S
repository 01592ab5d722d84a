/* XTF-style Xen notes (as xtf arch/x86/boot/head_pv.S): no VIRT_BASE (so 0), no ENTRY (the ELF
 * entry is used), linked low; the notes sit in an SHT_NOTE section inside the one PT_LOAD and
 * there is no PT_NOTE program header, so the builder must find them through the sections. */
#include <xen/elfnote.h>
#include "common/elfnote.h"
ELFNOTE(XEN_ELFNOTE_GUEST_OS, .asciz "MoatTest")
ELFNOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz "0")
ELFNOTE(XEN_ELFNOTE_LOADER, .asciz "generic")
ELFNOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .long hypercall_page)
ELFNOTE(XEN_ELFNOTE_XEN_VERSION, .asciz "xen-3.0")
ELFNOTE(XEN_ELFNOTE_FEATURES, .asciz "!writable_page_tables|pae_pgdir_above_4gb")
ELFNOTE(XEN_ELFNOTE_PAE_MODE, .asciz "yes")
