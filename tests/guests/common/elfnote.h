/* ELFNOTE(type, desc...): one note in the "Xen" namespace, in section .note.Xen (allocated, so
 * it lands in the loaded image as Linux's do). For assembly files. */
#ifndef TEST_GUEST_ELFNOTE_H
#define TEST_GUEST_ELFNOTE_H
#define ELFNOTE(type, desc...)                  \
        .pushsection .note.Xen, "a", @note;     \
        .balign 4;                              \
        .long 2f - 1f;                          \
        .long 4f - 3f;                          \
        .long type;                             \
1:      .asciz "Xen";                           \
2:      .balign 4;                              \
3:      desc;                                   \
4:      .balign 4;                              \
        .popsection
#endif
