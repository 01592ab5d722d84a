/* Per-CPU data (cpu.h): the stacks and struct cpu of every physical CPU. */
#include <lib/string.h>
#include "cpu.h"

struct cpu cpus[MOAT_MAX_CPUS];
uint8_t cpu_stacks[MOAT_MAX_CPUS][MOAT_STACK_SIZE] __attribute__((aligned(MOAT_STACK_SIZE)));

void cpu_init_boot(void)
{
    memset(&cpus[0], 0, sizeof(cpus[0]));
    cpus[0].id = 0;
}
