/* Pre-ELF-notes (Xen 3.0.2-era Linux) guest description: a __xen_guest section string and no
 * notes at all. ELF paddr = vaddr = 0xC0100000 and ELF_PADDR_OFFSET is left out, so it
 * defaults to VIRT_BASE; HYPERCALL_PAGE is a page NUMBER relative to VIRT_BASE: the hypercall
 * page is linked first, at 0xC0100000 (legacy.lds asserts it), so it is page 0x100. */
        .section __xen_guest, ""
        .asciz "GUEST_OS=linux,GUEST_VER=2.6,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,HYPERCALL_PAGE=0x100,PAE=yes[extended-cr3],LOADER=generic"
