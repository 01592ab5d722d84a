"""The guest kernel booted natively (multiboot, ring 0) through tools/moat-qemu --native: the
in-kernel test suite passes, a deliberate fault prints the register dump and fails the run, an
unknown option warns and boot continues, and a plain boot prints the banner."""

import re

import pytest

from conftest import KERNEL, require, run_moat_qemu, show

SUMMARY = re.compile(r"^kernel: (\d+) passed, (\d+) failed\s*$", re.M)


def kernel_summary(output):
    """(passed, failed) from the closing line of the in-kernel test runner, or None."""
    m = SUMMARY.findall(output)
    return (int(m[-1][0]), int(m[-1][1])) if m else None


def test_kernel_test_suite_passes_natively():
    require(KERNEL)
    boot = run_moat_qemu("--native", KERNEL, "test", timeout=120)
    assert boot.status == 0, show(boot)
    summary = kernel_summary(boot.stdout)
    assert summary is not None, "no 'kernel: N passed, N failed' line\n" + show(boot)
    passed, failed = summary
    assert failed == 0 and passed > 0, show(boot)
    assert not re.search(r"^not ok ", boot.stdout, re.M), show(boot)


@pytest.mark.parametrize("fault, vector, name", [
    ("pf", 14, "#PF"), ("gp", 13, "#GP"), ("ud", 6, "#UD"), ("de", 0, "#DE"),
])
def test_deliberate_fault_prints_the_dump_and_fails(fault, vector, name):
    require(KERNEL)
    boot = run_moat_qemu("--native", KERNEL, f"fault={fault}", timeout=60)
    assert boot.status != 0, show(boot)
    assert f"KERNEL PANIC: exception {vector} ({name})" in boot.stdout, show(boot)
    assert "EAX=" in boot.stdout and "EIP" in boot.stdout.upper(), show(boot)
    if fault == "pf":
        assert "CR2=" in boot.stdout, show(boot)
    # A panic powers off with MOAT_EXIT_FAIL: not a hang, not a triple fault.
    assert "(qemu status 35)" in boot.stderr, show(boot)


def test_unknown_option_warns_and_boot_continues():
    require(KERNEL)
    boot = run_moat_qemu("--native", KERNEL, "test", "no_such_option=1", timeout=120)
    assert re.search(r"warning: unknown kernel option.*no_such_option", boot.stdout), show(boot)
    assert boot.status == 0, "boot must continue after the warning\n" + show(boot)


def test_plain_boot_prints_the_banner_and_idles():
    require(KERNEL)
    # No command line: the kernel boots to init / its idle loop and never powers off, so the
    # run ends by the timeout; what matters is what it printed on the way.
    boot = run_moat_qemu("--native", KERNEL, timeout=15)
    assert re.search(r"Moat guest kernel .*booting natively", boot.stdout), show(boot)
    assert "KERNEL PANIC" not in boot.stdout, show(boot)
    assert boot.status == 1 and "timeout after 15 s" in boot.stderr, show(boot)
