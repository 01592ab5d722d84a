/* Temporary mappings of any machine frame (Moat cannot direct-map all RAM in its 168 MB).
 *
 * frame_map() returns a ring-0 writable virtual address for the whole 4 KB frame; it stays valid
 * until the matching frame_unmap(). Mappings are per physical CPU and strictly nested
 * (unmap in reverse order of map); a small fixed number may be live at once (MAPCACHE_SLOTS).
 * The host unit tests provide their own implementation over a simulated memory array. */
#ifndef MOAT_MAPCACHE_H
#define MOAT_MAPCACHE_H
#include "frame.h"

#define MAPCACHE_SLOTS 16

void *frame_map(mfn_t mfn);
void frame_unmap(void *va);

#endif
