"""The same build/kernel file on Moat (ring 1, Xen PV ABI) and natively: the in-kernel test
suite passes both ways, the banner says which way it booted, and Moat reports the shutdown."""

import re

from conftest import KERNEL, MOAT, require, run_moat_qemu, show
from test_native import kernel_summary


def test_kernel_test_suite_passes_on_moat():
    require(MOAT)
    require(KERNEL)
    boot = run_moat_qemu(KERNEL, "test", timeout=90)
    assert boot.status == 0, show(boot)
    assert re.search(r"Moat guest kernel .*booting on Xen PV ABI", boot.stdout), show(boot)
    summary = kernel_summary(boot.stdout)
    assert summary is not None, "no 'kernel: N passed, N failed' line\n" + show(boot)
    passed, failed = summary
    assert failed == 0 and passed > 0, show(boot)
    assert "moat: domain 0 shut down: poweroff" in boot.stdout, show(boot)


def test_same_file_passes_natively_and_on_moat():
    require(MOAT)
    require(KERNEL)
    image = KERNEL.read_bytes()
    native = run_moat_qemu("--native", KERNEL, "test", timeout=60)
    on_moat = run_moat_qemu(KERNEL, "test", timeout=90)
    assert KERNEL.read_bytes() == image, "build/kernel changed between the two boots"
    assert native.status == 0, show(native)
    assert on_moat.status == 0, show(on_moat)
    assert "booting natively" in native.stdout
    assert "booting on Xen PV ABI" in on_moat.stdout
    assert kernel_summary(native.stdout)[1] == 0
    assert kernel_summary(on_moat.stdout)[1] == 0


def test_guest_fault_on_moat_fails_the_run_cleanly():
    # Whether the kernel's own handler or Moat's crash path reports it, a #PF in the guest
    # must end in a clean MOAT_EXIT_FAIL power-off, never a hang or a triple fault.
    require(MOAT)
    require(KERNEL)
    boot = run_moat_qemu(KERNEL, "fault=pf", timeout=60)
    assert boot.status != 0, show(boot)
    assert "(qemu status 35)" in boot.stderr, show(boot)
    assert ("KERNEL PANIC: exception 14 (#PF)" in boot.stdout
            or re.search(r"moat: domain 0 crashed: #PF", boot.stdout)), show(boot)
