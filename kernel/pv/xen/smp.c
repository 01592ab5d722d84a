/* PV SMP (vcpus through VCPUOP): not yet implemented, see smp.h / the H15 report. Until
 * then a PV boot stays on vcpu 0 and says so ("smp: 1 CPUs online (uniprocessor)"). */
#include "smp.h"

int xen_smp_probe(void) { return -1; }
