/* execve: replace the current process image with a static ELF32 program (or a "#!" script's
 * interpreter), building the initial stack a libc expects:
 *
 *   esp -> argc, argv[0..argc-1], 0, envp[0..], 0, auxv pairs..., AT_NULL, 0,
 *          then the strings, AT_RANDOM's 16 bytes and the platform string near USER_STACK_TOP.
 *
 * Arguments are gathered into a kernel buffer first (the old image disappears before the new
 * stack is written). The kernel is not preemptible, so one static buffer serves every exec.
 * Until the point of no return (the new address space is complete) any failure leaves the
 * calling process untouched. */
#include <stdint.h>
#include <lib/string.h>
#include "proc.h"
#include "mm.h"
#include "desc.h"
#include "elf_load.h"
#include "kheap.h"
#include "printk.h"
#include "uaccess.h"
#include "pv/pvops.h"

#define ARG_MAX (128u * 1024u)
#define MAX_ARGS 4096

static char arg_buf[ARG_MAX];
static uint32_t arg_len;
static uint32_t nr_argv, nr_envp;
static uint32_t str_ptrs[2 * MAX_ARGS + 8];

static int push_string(const char *s, uint32_t len)
{
    if (arg_len + len + 1 > ARG_MAX)
        return -E2BIG;
    memcpy(arg_buf + arg_len, s, len);
    arg_buf[arg_len + len] = 0;
    arg_len += len + 1;
    return 0;
}

/* Appends the strings of a user vector (NULL-terminated array of pointers). */
static int gather_user(uint32_t uvec, uint32_t *count)
{
    *count = 0;
    if (!uvec)
        return 0;
    for (;;) {
        uint32_t p;
        if (copy_from_user(&p, uvec + 4 * *count, 4))
            return -EFAULT;
        if (!p)
            return 0;
        if (nr_argv + nr_envp + *count >= MAX_ARGS)
            return -E2BIG;
        int n = strncpy_from_user(arg_buf + arg_len, p, ARG_MAX - arg_len);
        if (n == -ENAMETOOLONG)
            return -E2BIG;
        if (n < 0)
            return n;
        arg_len += (uint32_t)n + 1;
        (*count)++;
    }
}

/* "#!interp [arg]": rewrites the argument list to interp [arg] path argv[1..]. */
static int script_args(const char *hdr, uint32_t hlen, const char *path, char *interp)
{
    uint32_t i = 2;
    while (i < hlen && (hdr[i] == ' ' || hdr[i] == '\t'))
        i++;
    uint32_t s = i;
    while (i < hlen && hdr[i] != ' ' && hdr[i] != '\t' && hdr[i] != '\n')
        i++;
    if (i == s || i - s >= 128 || i >= hlen)
        return -ENOEXEC;
    memcpy(interp, hdr + s, i - s);
    interp[i - s] = 0;
    while (i < hlen && (hdr[i] == ' ' || hdr[i] == '\t'))
        i++;
    uint32_t as = i;
    while (i < hlen && hdr[i] != '\n')
        i++;
    uint32_t ae = i;
    while (ae > as && (hdr[ae - 1] == ' ' || hdr[ae - 1] == '\t' || hdr[ae - 1] == '\r'))
        ae--;
    if (i >= hlen)
        return -ENOEXEC;
    /* Rebuild: new strings first into a scratch copy of the old ones. */
    static char old[ARG_MAX];
    uint32_t old_len = arg_len, old_argv = nr_argv;
    memcpy(old, arg_buf, old_len);
    arg_len = 0;
    nr_argv = 0;
    int r = push_string(interp, strlen(interp));
    nr_argv++;
    if (!r && ae > as) {
        r = push_string(hdr + as, ae - as);
        nr_argv++;
    }
    if (!r) {
        r = push_string(path, strlen(path));
        nr_argv++;
    }
    const char *o = old;
    for (uint32_t k = 0; k < old_argv + nr_envp && !r; k++) {
        uint32_t l = strlen(o);
        if (k >= 1) { /* argv[0] is replaced by the script path */
            r = push_string(o, l);
            if (k < old_argv)
                nr_argv++;
        }
        o += l + 1;
    }
    return r;
}

static int put_user32(uint32_t *sp, uint32_t v)
{
    *sp -= 4;
    return copy_to_user(*sp, &v, 4);
}

/* Writes the initial stack; 0 and *sp_out, or -EFAULT. */
static long build_stack(const struct elf_info *info, const char *execfn, uint32_t *sp_out)
{
    uint32_t sp = USER_STACK_TOP;
    const char *s = arg_buf;
    uint32_t total = nr_argv + nr_envp;
    for (uint32_t i = 0; i < total; i++) {
        uint32_t l = strlen(s) + 1;
        sp -= l;
        if (copy_to_user(sp, s, l))
            return -EFAULT;
        str_ptrs[i] = sp;
        s += l;
    }
    uint32_t l = strlen(execfn) + 1;
    sp -= l;
    if (copy_to_user(sp, execfn, l))
        return -EFAULT;
    uint32_t execfn_at = sp;
    sp -= 5;
    if (copy_to_user(sp, "i686", 5))
        return -EFAULT;
    uint32_t platform_at = sp;
    uint32_t rnd[4] = { kernel_random(), kernel_random(), kernel_random(), kernel_random() };
    sp = (sp - 16) & ~15u;
    if (copy_to_user(sp, rnd, 16))
        return -EFAULT;
    uint32_t random_at = sp;

    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    const uint32_t auxv[][2] = {
        { AT_PHDR, info->phdr_vaddr }, { AT_PHENT, 32 }, { AT_PHNUM, info->phnum },
        { AT_PAGESZ, 4096 }, { AT_BASE, 0 }, { AT_FLAGS, 0 }, { AT_ENTRY, info->entry },
        { AT_UID, 0 }, { AT_EUID, 0 }, { AT_GID, 0 }, { AT_EGID, 0 }, { AT_HWCAP, d },
        { AT_CLKTCK, 100 }, { AT_SECURE, 0 }, { AT_RANDOM, random_at },
        { AT_PLATFORM, platform_at }, { AT_EXECFN, execfn_at }, { AT_NULL, 0 },
    };
    uint32_t nwords = 1 + nr_argv + 1 + nr_envp + 1 + 2 * (sizeof auxv / sizeof auxv[0]);
    sp = (sp - 4 * nwords) & ~15u; /* argc ends up 16-byte aligned */
    uint32_t top = sp + 4 * nwords;
    for (int i = (int)(sizeof auxv / sizeof auxv[0]) - 1; i >= 0; i--)
        if (put_user32(&top, auxv[i][1]) || put_user32(&top, auxv[i][0]))
            return -EFAULT;
    if (put_user32(&top, 0))
        return -EFAULT;
    for (int i = (int)nr_envp - 1; i >= 0; i--)
        if (put_user32(&top, str_ptrs[nr_argv + i]))
            return -EFAULT;
    if (put_user32(&top, 0))
        return -EFAULT;
    for (int i = (int)nr_argv - 1; i >= 0; i--)
        if (put_user32(&top, str_ptrs[i]))
            return -EFAULT;
    if (put_user32(&top, nr_argv))
        return -EFAULT;
    *sp_out = sp;
    return top == sp ? 0 : -EFAULT;
}

static long exec_image(const char *path, int depth)
{
    struct inode *ip;
    int r = namei(0, path, LOOKUP_FOLLOW, &ip);
    if (r)
        return r;
    if (!S_ISTYPE(ip->mode, S_IFREG) || !(ip->mode & 0111)) { /* directories too */
        iput(ip);
        return -EACCES;
    }
    uint8_t hdr[128];
    long n = tmpfs_read(ip, 0, hdr, sizeof hdr);
    if (n >= 2 && hdr[0] == '#' && hdr[1] == '!') {
        iput(ip);
        if (depth > 0)
            return -ELOOP;
        char interp[128];
        r = script_args((const char *)hdr, (uint32_t)n, path, interp);
        if (r)
            return r;
        return exec_image(interp, depth + 1);
    }
    struct elf_info info;
    uint32_t fsize = ip->size > 0xffffffffu ? 0xffffffffu : (uint32_t)ip->size;
    r = elf_check_header(hdr, (uint32_t)n, fsize, &info);
    if (!r) {
        static uint8_t ph[ELF_MAX_PHNUM * 32];
        tmpfs_read(ip, info.phoff, ph, info.phnum * 32);
        r = elf_check_phdrs(ph, fsize, USER_STACK_TOP - USER_STACK_MAX, &info);
    }
    if (r) {
        iput(ip);
        return r;
    }
    struct mm *mm = vm_mm_new();
    if (!mm) {
        iput(ip);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < info.nload && !r; i++) {
        const struct elf_segment *s = &info.load[i];
        uint32_t start = s->vaddr & PAGE_MASK, end = PAGE_ALIGN_UP(s->vaddr + s->memsz);
        r = vm_map(mm, start, end, s->prot, ip, s->offset - (s->vaddr - start), s->vaddr + s->filesz);
    }
    if (!r)
        r = vm_map(mm, USER_STACK_TOP - USER_STACK_MAX, USER_STACK_TOP, VMA_READ | VMA_WRITE, 0, 0, 0);
    iput(ip);
    if (r) {
        vm_mm_put(mm);
        return r;
    }
    mm->brk_start = mm->brk = PAGE_ALIGN_UP(info.end);

    /* Point of no return: switch to the new image. */
    struct task *t = current;
    struct mm *old = t->mm;
    t->mm = mm;
    vm_activate(mm);
    if (old)
        vm_mm_put(old);
    uint32_t sp;
    if (build_stack(&info, path, &sp)) {
        printk(KERN_ERR "exec: %s: could not build the stack\n", path);
        do_exit(SIGSEGV);
    }
    /* What the new image inherits: descriptors without close-on-exec, ignored signals,
     * the signal mask, cwd. Handlers, TLS and the FPU state are reset. */
    for (int fd = 0; fd < NOFILE; fd++)
        if ((t->cloexec >> fd) & 1)
            fd_close(fd);
    t->cloexec = 0;
    for (int s = 1; s <= NSIG; s++) {
        struct linux_sigaction *a = &t->sig_act[s];
        uint32_t keep_ign = a->handler == SIG_IGN;
        memset(a, 0, sizeof *a);
        a->handler = keep_ign ? SIG_IGN : SIG_DFL;
    }
    memset(t->tls, 0, sizeof t->tls);
    load_tls(this_cpu_gdt(), GDT_ENTRY_TLS_MIN, t->tls);
    fpu_init_state(t->fpu);
    fpu_restore(t->fpu);
    const char *base = path;
    for (const char *p = path; *p; p++)
        if (*p == '/' && p[1])
            base = p + 1;
    strlcpy(t->name, base, sizeof t->name);
    uint32_t cl = 0;
    const char *a = arg_buf;
    for (uint32_t i = 0; i < nr_argv && cl < sizeof t->cmdline; i++) {
        uint32_t l = strlen(a) + 1;
        uint32_t c = l < sizeof t->cmdline - cl ? l : sizeof t->cmdline - cl;
        memcpy(t->cmdline + cl, a, c);
        cl += c;
        a += l;
    }
    t->cmdline_len = cl;
    vfork_release(t);

    struct trap_frame *f = user_frame(t);
    memset(f, 0, sizeof *f);
    f->eip = info.entry;
    f->cs = user_cs;
    f->eflags = X86_EFLAGS_IF | 0x2;
    f->user_esp = (uint32_t)sp;
    f->user_ss = user_ds;
    f->ds = f->es = user_ds;
    f->fs = f->gs = 0;
    f->vector = 0x80;
    return 0;
}

long do_execve(const char *path, uint32_t uargv, uint32_t uenvp)
{
    arg_len = nr_argv = nr_envp = 0;
    int r = gather_user(uargv, &nr_argv);
    if (!r)
        r = gather_user(uenvp, &nr_envp);
    if (r)
        return r;
    return exec_image(path, 0);
}

long exec_kernel(const char *path, const char *const argv[], const char *const envp[])
{
    arg_len = nr_argv = nr_envp = 0;
    for (; argv && argv[nr_argv]; nr_argv++)
        if (push_string(argv[nr_argv], strlen(argv[nr_argv])))
            return -E2BIG;
    for (; envp && envp[nr_envp]; nr_envp++)
        if (push_string(envp[nr_envp], strlen(envp[nr_envp])))
            return -E2BIG;
    return exec_image(path, 0);
}
