/* smp/pci_conf.c: the configuration-space access the early quirks use on this boot. */
#ifndef KERNEL_SMP_PCI_H
#define KERNEL_SMP_PCI_H
#include "pci_quirks.h"
extern const struct pci_conf_ops smp_pci_conf;
int smp_boot_native(void);
#endif
