"""Trap, segmentation and privileged-instruction guests (issue 5 item 8) on Moat.

Each trap-* guest in tests/guests/ drives one part of the PV trap interface through Xen's
public ABI, checks every answer (TAP lines), checks the hypervisor still answers, and powers off
only if every check passed. The expected answers were validated on real Xen 4.17
(/work/shared/tools/run-on-xen); where Moat's rule is stricter than Xen's (segment limits, a
trap handler inside the hypervisor area, mov to cr4) the guests check Moat's answer on Moat and
Xen's on Xen, telling the two apart by HYPERVISOR_moat_op.

  trap-vectors     every exception vector round-trips in ring 1 and ring 3; #NM with lazy FPU;
                   #PF with vcpu_info arch.cr2; int $0x20; a ring-3 int $0x80 that does not
                   enter Moat (its exception and hypercall counters do not move)
  trap-hostile     descriptors (DPL 0, limits/bases/expand-down reaching Moat, system
                   descriptors, call gates), set_gdt, trap tables with a ring-0 cs or a handler
                   in Moat's area, in/out against IOPL and the I/O bitmap, lgdt/lidt/ltr/lldt,
                   cr/msr emulation, CPUID policy, callback_op
  trap-failsafe    iret to a refused cs -> #GP to the guest (as Xen 4.17); a handler with
                   Moat's ring-0 cs never reaches ring 0; a stale data selector -> failsafe
  trap-nofailsafe  the stale selector without a failsafe callback -> domain killed, Moat FAIL
  trap-nohandler   the refused iret with no trap table -> domain killed, Moat FAIL
  trap-ldt         MMUEXT_SET_LDT: LDT selectors load, its page is typed and read-only, a
                   removed or refused LDT faults the selector load
"""

import re

import pytest

from conftest import BUILD, MOAT, require, run_moat_qemu, show, assert_guest_passed

GUESTS = BUILD / "tests" / "guests"


@pytest.mark.parametrize("name,min_checks", [
    ("trap-vectors", 40),
    ("trap-hostile", 90),
    ("trap-failsafe", 17),
    ("trap-ldt", 20),
])
@pytest.mark.parametrize("pcpus", [1, 2])  # 2: Moat's SMP paths too (issue 10)
def test_trap_guest_passes_and_moat_keeps_running(name, min_checks, pcpus):
    require(MOAT)
    guest = require(GUESTS / f"{name}.elf")
    boot = run_moat_qemu("--smp", pcpus, guest, timeout=60)
    assert boot.status == 0, show(boot)
    assert_guest_passed(name, boot, min_checks)
    assert re.search(r"^ok \d+ - the hypervisor still answers", boot.stdout, re.M), show(boot)
    assert "moat: domain 0 shut down: poweroff" in boot.stdout, show(boot)
    assert "PANIC" not in boot.stdout, show(boot)


def test_int80_from_ring3_never_enters_moat():
    """The direct int $0x80 gate: the guest's counters around a ring-3 system call."""
    guest = require(GUESTS / "trap-vectors.elf")
    boot = run_moat_qemu(guest, timeout=60)
    assert re.search(r"^ok \d+ - ring-3 int \$0x80 taken by the guest's handler", boot.stdout, re.M), show(boot)
    assert re.search(r"^ok \d+ - Moat: int \$0x80 did not enter Moat", boot.stdout, re.M), show(boot)


def test_failsafe_callback_runs_for_a_stale_selector():
    guest = require(GUESTS / "trap-failsafe.elf")
    boot = run_moat_qemu(guest, timeout=60)
    assert re.search(r"^ok \d+ - the exit cannot reload %es: the failsafe callback runs", boot.stdout, re.M), show(boot)
    assert re.search(r"^ok \d+ - failsafe frame carries the stale es selector", boot.stdout, re.M), show(boot)


@pytest.mark.parametrize("name,reason", [
    ("trap-nofailsafe", r"moat: domain 0 crashed: segment reload failed on exit \(.*es=0x9.*\) and no failsafe callback"),
    ("trap-nohandler", r"moat: domain 0 crashed: bad iret frame \(cs=0xd eip=0xc0101234.*\): #GP error 0xc and no guest handler"),
])
def test_unrestorable_guest_is_killed_with_reason(name, reason):
    require(MOAT)
    guest = require(GUESTS / f"{name}.elf")
    boot = run_moat_qemu(guest, timeout=60)
    assert boot.status == 1, show(boot)
    assert re.search(reason, boot.stdout), show(boot)
    assert "survived" not in boot.stdout, show(boot)
    assert "moat: no domain left running: exit FAIL" in boot.stdout, show(boot)
    assert "PANIC" not in boot.stdout, show(boot)
