/* The domain builder: turns the first multiboot module (a Xen x86_32 PAE PV kernel) into
 * domain 0, laid out exactly as the start-of-day comment in <xen/xen.h> says.
 *
 * Steps (each refusal prints "moat: domain builder: <why>" and exits MOAT_EXIT_FAIL; nothing
 * the image contains can make the builder fault or hang):
 *   1. module 1 = kernel, its string minus the first word = guest command line; module 2 =
 *      initrd. Guest options mem= (domain size) and vcpus= are read here and passed on.
 *   2. xen_elf_parse (elf.c) checks the image and its notes; start_layout_compute (layout.c)
 *      places kernel, initrd, p2m list, start_info, page tables and stack.
 *   3. nr_pages frames are allocated top-down (pfn 0 = highest free frame, so pfn != mfn);
 *      p2m and m2p are filled; segments copied (bss is zero because frames are zeroed).
 *   4. initial page tables: one L3, four L2s (slot 3's carries Moat's entries), one L1 per
 *      2 MB of the region; every region page RW except the page-table pages (RO). They are
 *      validated and pinned by the page-type code (pagetype_pin), which also checks that
 *      everything above really is a valid address space; the vcpu's base takes one more
 *      FT_L3 use (as NEW_BASEPTR would).
 *   5. start_info, the hypercall page, shared_info (all upcalls masked); vcpu 0 starts in ring
 *      1 at the entry with ESI = start_info, ESP = top of the boot stack, EFLAGS.IF set. */
#include <stdarg.h>
#include <stdint.h>
#include <lib/string.h>
#include <lib/format.h>
#include <lib/cmdline.h>
#include <xen/xen.h>
#include "build.h"
#include "multiboot.h"
#include "memlayout.h"
#include "xen_elf.h"
#include "layout.h"
#include "domain.h"
#include "pmem.h"
#include "mapcache.h"
#include "paging.h"
#include "pagetype.h"
#include "console.h"
#include "exit.h"

#define DEFAULT_DOMAIN_MEM (128u << 20)
#define MOAT_KEEP_FRAMES   1024u        /* 4 MB stay free for Moat itself */
#define L1_PROT    (PTE_P | PTE_RW | PTE_A)
#define L1_PROT_RO (PTE_P | PTE_A)
#define L2_PROT    (PTE_P | PTE_RW | PTE_A | PTE_D | PTE_US)
#define L3_PROT    (PTE_P)

static void __attribute__((noreturn, format(printf, 1, 2))) refuse(const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    log_err("domain builder: %s\n", why);
    moat_exit(MOAT_EXIT_FAIL);
}

/* Guest options that size the domain; the whole line still goes to the guest. */
static void guest_options(const char *cmdline, uint32_t *mem, int *mem_given, uint32_t *vcpus)
{
    const char *pos = cmdline;
    struct cmdline_word w;
    while (cmdline_next(&pos, &w)) {
        unsigned int v;
        if (!strcmp(w.key, "mem")) {
            if (!w.has_value || w.truncated || cmdline_parse_u32(w.value, &v) || v < 4096)
                refuse("bad guest option mem=%s (want e.g. mem=64M)", w.value);
            *mem = v;
            *mem_given = 1;
        } else if (!strcmp(w.key, "vcpus")) {
            if (!w.has_value || cmdline_parse_u32(w.value, &v) || v == 0 || v > MOAT_MAX_VCPUS)
                refuse("bad guest option vcpus=%s (1..%u)", w.value, MOAT_MAX_VCPUS);
            *vcpus = v;
        }
    }
}

static const char *skip_first_word(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    while (*s && *s != ' ' && *s != '\t')
        s++;
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static mfn_t pfn_mfn(const struct domain *d, uint32_t pfn)
{
    mfn_t m = domain_p2m(d, pfn);
    if (m == 0xFFFFFFFFu)
        refuse("internal: pfn %#x outside the domain (%u pages)", pfn, d->nr_pages);
    return m;
}

/* Copies len bytes to guest-virtual va of the bootstrap region (pfn = (va - v_start) >> 12). */
static void region_write(const struct domain *d, const struct start_layout *l, uint32_t va,
                         const void *src, uint32_t len)
{
    const uint8_t *s = src;
    while (len) {
        uint32_t off = va & 0xFFF, n = 4096 - off;
        if (n > len)
            n = len;
        if (va < l->v_start || va >= l->v_end)
            refuse("internal: write at %#x outside the bootstrap region", va);
        uint8_t *p = frame_map(pfn_mfn(d, (va - l->v_start) >> 12));
        memcpy(p + off, s, n);
        frame_unmap(p);
        va += n;
        s += n;
        len -= n;
    }
}

static void alloc_memory(struct domain *d, uint32_t nr_pages)
{
    for (uint32_t i = 0; i < (nr_pages + 1023) / 1024; i++) {
        d->p2m_dir[i] = heap_alloc_page();
        if (!d->p2m_dir[i])
            refuse("out of memory for the p2m of %u pages", nr_pages);
    }
    d->nr_pages = d->max_pages = nr_pages;
    for (uint32_t pfn = 0; pfn < nr_pages; pfn++) {
        mfn_t m = frame_alloc(d->domid, FRAME_ALLOC_HIGH);
        if (m == INVALID_MFN)
            refuse("out of memory after %u of %u pages", pfn, nr_pages);
        d->p2m_dir[pfn >> 10][pfn & 1023] = m;
        m2p_set(m, pfn);
    }
}

static void load_segments(const struct domain *d, const struct start_layout *l,
                          const struct xen_elf_image *img, const uint8_t *image)
{
    for (uint32_t i = 0; i < img->nseg; i++) {
        const struct xen_elf_segment *s = &img->seg[i];
        if (s->vaddr < l->v_start || s->vaddr + s->memsz > l->vkern_end)
            refuse("segment %u (%#x+%#x) outside the kernel area", i, s->vaddr, s->memsz);
        region_write(d, l, s->vaddr, image + s->offset, s->filesz);   /* bss: frames are zero */
    }
}

static void write_p2m_list(const struct domain *d, const struct start_layout *l)
{
    for (uint32_t i = 0; i < (d->nr_pages + 1023) / 1024; i++) {
        uint32_t n = d->nr_pages - i * 1024;
        if (n > 1024)
            n = 1024;
        region_write(d, l, l->vphysmap_start + i * 4096, d->p2m_dir[i], n * 4);
    }
}

/* The initial page tables, at pfns pt0 (L3), pt0+1..4 (L2 for slots 0..3), pt0+5.. (L1s). */
static mfn_t build_page_tables(const struct domain *d, const struct start_layout *l)
{
    uint32_t pt0 = (l->vpt_start - l->v_start) >> 12;
    uint32_t chunk0 = l->v_start & ~0x1FFFFFu;
    uint32_t nr_l1 = (l->v_end - chunk0 + 0x1FFFFF) >> 21;
    if (1 + 4 + nr_l1 != l->nr_pt_frames)
        refuse("internal: layout has %u page-table frames, the builder needs %u",
               l->nr_pt_frames, 1 + 4 + nr_l1);
    if (l->v_end > HV_VIRT_START || l->v_end < l->v_start)
        refuse("bootstrap region %#x-%#x reaches the hypervisor area", l->v_start, l->v_end);

    mfn_t l3 = pfn_mfn(d, pt0);
    uint64_t *t3 = frame_map(l3);
    for (unsigned s = 0; s < 4; s++) {
        mfn_t l2 = pfn_mfn(d, pt0 + 1 + s);
        t3[s] = ((uint64_t)l2 << 12) | L3_PROT;
        if (s == 3) {
            uint64_t *t2 = frame_map(l2);
            moat_l2_slot3_install(t2);
            frame_unmap(t2);
        }
    }
    frame_unmap(t3);

    for (uint32_t k = 0; k < nr_l1; k++) {
        uint32_t va2m = chunk0 + (k << 21);
        mfn_t l1 = pfn_mfn(d, pt0 + 5 + k);
        uint64_t *t2 = frame_map(pfn_mfn(d, pt0 + 1 + (va2m >> 30)));
        t2[(va2m >> 21) & 511] = ((uint64_t)l1 << 12) | L2_PROT;
        frame_unmap(t2);
        uint64_t *t1 = frame_map(l1);
        for (unsigned e = 0; e < 512; e++) {
            uint32_t va = va2m + (e << 12);
            if (va < l->v_start || va >= l->v_end)
                continue;
            uint32_t pfn = (va - l->v_start) >> 12;
            int is_pt = va >= l->vpt_start && va < l->vpt_end;
            t1[e] = ((uint64_t)pfn_mfn(d, pfn) << 12) | (is_pt ? L1_PROT_RO : L1_PROT);
        }
        frame_unmap(t1);
    }
    return l3;
}

/* Types, validates and pins the tables (the page-type code checks every entry and takes
 * every reference), then gives the vcpu its base reference. */
static void pin_initial_tables(struct domain *d, struct vcpu *v, mfn_t l3)
{
    int rc = pagetype_pin(d->domid, l3, FT_L3);
    if (rc)
        refuse("internal: the initial page tables failed validation (error %d)", rc);
    rc = page_get_type(l3, FT_L3, d->domid);
    if (rc)
        refuse("internal: cannot take the base reference on the initial L3 (error %d)", rc);
    v->mm.base = l3;
}

static void write_hypercall_page(const struct domain *d, const struct start_layout *l, uint32_t va)
{
    uint8_t page[4096];
    memset(page, 0xCC, sizeof(page));      /* int3 between the stubs */
    for (uint32_t nr = 0; nr < 4096 / 32; nr++) {
        uint8_t *p = page + nr * 32;
        if (nr == __HYPERVISOR_iret) {
            /* the guest jumps here with its iret frame on the stack: keep eax in it */
            *p++ = 0x50;                                   /* push %eax */
            *p++ = 0xB8;                                   /* mov $nr, %eax */
            memcpy(p, &nr, 4), p += 4;
            *p++ = 0xCD, *p++ = 0x82;                      /* int $0x82 */
        } else {
            *p++ = 0xB8;                                   /* mov $nr, %eax */
            memcpy(p, &nr, 4), p += 4;
            *p++ = 0xCD, *p++ = 0x82;                      /* int $0x82 */
            *p++ = 0xC3;                                   /* ret */
        }
    }
    region_write(d, l, va, page, sizeof(page));
}

static void write_start_info(const struct domain *d, const struct start_layout *l,
                             const char *cmdline, uint32_t mod_start, uint32_t mod_len,
                             uint32_t extra_flags)
{
    static start_info_t si;
    memset(&si, 0, sizeof(si));
    strlcpy(si.magic, "xen-3.0-x86_32p", sizeof(si.magic));
    si.nr_pages = d->nr_pages;
    si.shared_info = d->shared_info_mfn << 12;
    si.flags = (d->is_initial ? (SIF_INITDOMAIN | SIF_PRIVILEGED) : 0) | extra_flags;
    /* store/console: zero for the initial domain; console.dom0 info_off/info_size = 0 means
     * "no VGA/framebuffer information" (Moat drives no display) */
    si.pt_base = l->vpt_start;
    si.nr_pt_frames = l->nr_pt_frames;
    si.mfn_list = l->vphysmap_start;
    si.mod_start = mod_start;
    si.mod_len = mod_len;
    strlcpy((char *)si.cmd_line, cmdline, sizeof(si.cmd_line));
    region_write(d, l, l->vstartinfo_start, &si, sizeof(si));
}

struct vcpu *domain_build_initial(const struct boot_info *bi)
{
    static struct xen_elf_image img;
    static struct start_layout lay;
    char why[200];

    if (bi->nr_mods == 0)
        refuse("no guest kernel: give it as the first multiboot module");
    const struct boot_module *km = &bi->mods[0];
    uint32_t klen = km->end - km->start;
    if (!dm_reachable(km->start, klen))
        refuse("kernel module at %#x (+%u bytes) is not in Moat's direct map", km->start, klen);
    const uint8_t *kimage = dm_va(km->start);
    const char *cmdline = skip_first_word(km->string);
    if (strlen(cmdline) >= MAX_GUEST_CMDLINE)
        refuse("guest command line longer than %u bytes", MAX_GUEST_CMDLINE - 1);

    uint32_t initrd_len = 0;
    const uint8_t *initrd = 0;
    if (bi->nr_mods >= 2) {
        initrd_len = bi->mods[1].end - bi->mods[1].start;
        if (!dm_reachable(bi->mods[1].start, initrd_len))
            refuse("initrd module at %#x is not in Moat's direct map", bi->mods[1].start);
        initrd = dm_va(bi->mods[1].start);
    }

    uint32_t mem = DEFAULT_DOMAIN_MEM, vcpus = 1;
    int mem_given = 0;
    guest_options(cmdline, &mem, &mem_given, &vcpus);

    int rc = xen_elf_parse(kimage, klen, &img, why, sizeof(why));
    if (rc)
        refuse("%s", why);

    uint32_t avail = frames_free() > MOAT_KEEP_FRAMES + 64 ? frames_free() - MOAT_KEEP_FRAMES - 64 : 0;
    uint32_t nr_pages = mem >> 12;
    if (nr_pages > avail) {
        if (mem_given)
            log_warn("domain builder: mem=%u MB requested, only %u MB free: using that\n",
                     mem >> 20, avail >> 8);
        nr_pages = avail;
    }

    rc = start_layout_compute(&img, nr_pages, initrd_len, &lay, why, sizeof(why));
    if (rc)
        refuse("%s", why);

    log_info("domain builder: kernel %u bytes, %s %s, virt_base %#x, entry %#x, hypercall page %#x\n",
             klen, img.guest_os[0] ? img.guest_os : "(guest os not named)", img.guest_version,
             img.virt_base, img.virt_entry, img.virt_hypercall);
    log_info("domain builder: PAE \"%s\", %u pages (%u MB), %u vcpu(s), command line \"%s\"\n",
             img.pae_mode, nr_pages, nr_pages >> 8, vcpus, cmdline);

    struct domain *d = domain_create(0, vcpus, 1);
    if (!d)
        refuse("cannot create domain 0");
    if (img.pae_extended_cr3 || img.pae_bimodal)
        d->vm_assist |= 1ul << VMASST_TYPE_pae_extended_cr3;

    alloc_memory(d, nr_pages);
    load_segments(d, &lay, &img, kimage);

    uint32_t mod_start = 0, extra_flags = 0;
    if (initrd_len) {
        if (lay.initrd_unmapped) {
            /* MOD_START_PFN: the initrd follows the region in pfn space, mod_start is a pfn */
            uint32_t first = lay.nr_region_pages;
            for (uint32_t off = 0; off < initrd_len; off += 4096) {
                uint32_t n = initrd_len - off < 4096 ? initrd_len - off : 4096;
                uint8_t *p = frame_map(pfn_mfn(d, first + (off >> 12)));
                memcpy(p, initrd + off, n);
                frame_unmap(p);
            }
            mod_start = first;
            extra_flags |= SIF_MOD_START_PFN;
        } else {
            region_write(d, &lay, lay.vinitrd_start, initrd, initrd_len);
            mod_start = lay.vinitrd_start;
        }
    }
    write_p2m_list(d, &lay);

    mfn_t si_mfn = frame_alloc(d->domid, FRAME_ALLOC_LOW);
    if (si_mfn == INVALID_MFN)
        refuse("out of memory for shared_info");
    d->shared_info_mfn = si_mfn;
    d->shared_info = dm_va(si_mfn << 12);
    for (unsigned i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
        d->shared_info->vcpu_info[i].evtchn_upcall_mask = 1;
    for (uint32_t i = 0; i < vcpus && i < XEN_LEGACY_MAX_VCPUS; i++)
        d->vcpu[i]->vcpu_info = &d->shared_info->vcpu_info[i];

    write_start_info(d, &lay, cmdline, mod_start, initrd_len, extra_flags);
    if (img.virt_hypercall != XEN_ELF_UNSET)
        write_hypercall_page(d, &lay, img.virt_hypercall);

    mfn_t l3 = build_page_tables(d, &lay);
    struct vcpu *v = d->vcpu[0];
    pin_initial_tables(d, v, l3);

    log_info("domain 0 start-of-day layout (xen.h order):\n");
    con_printf("  kernel      %08x-%08x\n", lay.vkern_start, lay.vkern_end);
    if (initrd_len && !lay.initrd_unmapped)
        con_printf("  initrd      %08x-%08x\n", lay.vinitrd_start, lay.vinitrd_end);
    else if (initrd_len)
        con_printf("  initrd      pfn %#x, %u bytes (unmapped, MOD_START_PFN)\n", mod_start, initrd_len);
    con_printf("  p2m list    %08x-%08x\n", lay.vphysmap_start, lay.vphysmap_end);
    con_printf("  start_info  %08x-%08x\n", lay.vstartinfo_start, lay.vstartinfo_end);
    con_printf("  page tables %08x-%08x (%u frames, L3 mfn %#x)\n", lay.vpt_start, lay.vpt_end,
               lay.nr_pt_frames, l3);
    con_printf("  boot stack  %08x-%08x\n", lay.vstack_start, lay.vstack_end);
    con_printf("  region end  %08x, pfn 0 = mfn %#x, shared_info mfn %#x\n", lay.v_end,
               pfn_mfn(d, 0), si_mfn);

    memset(&v->regs, 0, sizeof(v->regs));
    v->regs.eip = img.virt_entry;
    v->regs.cs = FLAT_RING1_CS;
    v->regs.ss = v->regs.ds = v->regs.es = FLAT_RING1_DS;
    v->regs.fs = v->regs.gs = 0;
    v->regs.esp = lay.vstack_end;
    v->regs.esi = lay.vstartinfo_start;
    v->regs.eflags = 0x202;                /* IF, IOPL 0 (bit 1 is always set) */
    v->online = 1;
    return v;
}
