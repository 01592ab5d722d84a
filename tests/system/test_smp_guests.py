"""SMP in the hypervisor and guest vcpus (issue 10, part 1: helper H14).

  * Moat finds every CPU QEMU gives (ACPI MADT, else the MP table), starts the APs with
    INIT-SIPI-SIPI into its own page tables, and says "moat: N CPUs online"; with one CPU it
    starts nothing (no local APIC is touched) and behaves exactly as before;
  * the smp-vcpus guest (tests/guests/smp-vcpus.c) brings vcpus 1..3 up and down 20 times with
    VCPUOP initialise/up/down/is_up, counts locked increments and IPIs (bind_ipi + send), and
    checks the refusals and register_vcpu_info; its expectations were checked on real Xen 4.17
    (run-on-xen --smp 4). It must pass with its 4 vcpus on 1, 2 and 4 physical CPUs;
  * the guest kernel's whole test suite still passes on Moat with -smp 2.
"""

import re

import pytest

from conftest import BUILD, MOAT, REPO, require, run_moat_qemu, show

GUESTS = BUILD / "tests" / "guests"


def cpus_online(out):
    m = re.search(r"^moat: (\d+) CPUs? online", out, re.M)
    return int(m.group(1)) if m else None


@pytest.mark.parametrize("smp", [1, 2, 4, 8])
def test_every_cpu_comes_online(smp):
    require(MOAT)
    boot = run_moat_qemu("--smp", smp, require(GUESTS / "hello.elf"), timeout=60)
    assert boot.status == 0, show(boot)
    assert cpus_online(boot.stdout) == smp, show(boot)
    assert "did not start" not in boot.stdout, show(boot)
    if smp == 1:
        # the single-CPU path is untouched: no local APIC programming at all
        assert "local APIC timer" not in boot.stdout, show(boot)
    else:
        assert re.search(rf"moat: {smp} CPUs online \((ACPI MADT|MP table), APIC ids( \d+){{{smp}}}\)",
                         boot.stdout), show(boot)


def tap(name, out):
    m = re.search(rf"^{re.escape(name)}: (\d+) passed, (\d+) failed", out, re.M)
    return (int(m.group(1)), int(m.group(2))) if m else None


@pytest.mark.parametrize("smp", [1, 2, 4])
def test_vcpus_up_down_ipis(smp):
    require(MOAT)
    boot = run_moat_qemu("--smp", smp, require(GUESTS / "smp-vcpus.elf"), "vcpus=4", timeout=120)
    summary = tap("smp-vcpus", boot.stdout)
    assert summary is not None, show(boot)
    passed, failed = summary
    assert failed == 0 and passed >= 47, show(boot)
    assert "smp-vcpus: 4 vcpus" in boot.stdout, show(boot)
    for n in (1, 2, 3):
        assert f"smp-vcpus: vcpu {n} running" in boot.stdout, show(boot)
    assert "moat: domain 0 shut down: poweroff" in boot.stdout, show(boot)
    assert boot.status == 0, show(boot)


def test_vcpus_without_vcpus_option_refused_by_guest():
    """Without vcpus= the domain has one vcpu: every VCPUOP on vcpu 1 is -ENOENT, and the
    guest says it needs 4 (and crashes on purpose): the option really is what creates them."""
    boot = run_moat_qemu("--smp", 2, require(GUESTS / "smp-vcpus.elf"), timeout=60)
    assert "smp-vcpus: 1 vcpus" in boot.stdout, show(boot)
    assert boot.status != 0, show(boot)


def test_kernel_suite_with_two_cpus():
    require(MOAT)
    kernel = require(BUILD / "kernel")
    boot = run_moat_qemu("--smp", 2, kernel, "test", timeout=400)
    assert cpus_online(boot.stdout) == 2, show(boot)
    assert re.search(r"^kernel: \d+ passed, 0 failed", boot.stdout, re.M), show(boot)
    assert boot.status == 0, show(boot)


def test_smp_option_limits_cpus():
    """Moat's own option smp=N starts at most N CPUs (the rest of the machine stays idle)."""
    require(MOAT)
    boot = run_moat_qemu("--smp", 4, require(GUESTS / "hello.elf"), timeout=60,
                         env={"MOAT_APPEND": "smp=2"})
    assert boot.status == 0, show(boot)
    assert cpus_online(boot.stdout) == 2, show(boot)
    assert "unknown Moat option" not in boot.stdout, show(boot)
