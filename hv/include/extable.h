/* Exception fixups: (instruction, continuation) pairs collected in the .ex_table section. A
 * fault in ring 0 at a listed instruction resumes at its continuation instead of panicking.
 * Only guest-memory copies and the guest segment/iret reloads on the way out are listed. */
#ifndef MOAT_EXTABLE_H
#define MOAT_EXTABLE_H
#include <stdint.h>
struct extable_entry { uint32_t insn, fixup; };
uint32_t extable_lookup(uint32_t eip);   /* 0 if eip has no fixup */
#endif
