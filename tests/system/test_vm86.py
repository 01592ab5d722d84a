"""vm86 (issue 11): the Linux i386 vm86/vm86old system calls running 16-bit real-mode code for
a user program in virtual-8086 mode, natively; -ENOSYS on Moat and in a CONFIG_VM86=n kernel.

Every boot uses an initrd whose /init is build/user/vm86test (user/vm86test/), so the program
runs as pid 1 and its exit status decides the run. vm86test checks, among others: a real-mode
loop plus a software interrupt this program services, the virtual IF under cli/sti/pushf/popf/
iret, port I/O and hlt returned as VM86_UNKNOWN, VIP+sti -> VM86_STI, int3 -> VM86_TRAP, a
signal from another process ending the call (the timer preempts 16-bit code), demand paging
and a SIGSEGV from 16-bit code, and EFAULT/EINVAL/EPERM; it prints `ok N - ...` per check.

The reduced kernel (build/min/kernel, `make test-min`: CONFIG_VM86=n among others) must refuse
both calls with -ENOSYS, saying why; so must the default kernel on Moat (a PV hypervisor gives
no way to run virtual-8086 mode: kernel/vm86/README.md).
"""

import re
import subprocess

import pytest

from conftest import BUILD, KERNEL, MOAT, require, run_moat_qemu, show

VM86TEST = BUILD / "user" / "vm86test"
MIN_KERNEL = BUILD / "min" / "kernel"
SUMMARY = re.compile(r"^vm86test: (\d+) passed, (\d+) failed\s*$", re.M)
ENOSYS_LINE = "vm86test: vm86 and vm86old: ENOSYS"
CHECKS = 33  # `ok` lines vm86test prints when everything ran


@pytest.fixture(scope="module")
def vm86_initrd(tmp_path_factory):
    """An initrd holding only /init = vm86test (plus the directories the kernel mounts on)."""
    require(VM86TEST)
    root = tmp_path_factory.mktemp("vm86root")
    for d in ("bin", "dev", "proc", "tmp"):
        (root / d).mkdir()
    (root / "init").write_bytes(VM86TEST.read_bytes())
    (root / "init").chmod(0o755)
    cpio = tmp_path_factory.mktemp("vm86cpio") / "initrd.cpio"
    names = "\n".join(sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))) + "\n"
    with open(cpio, "wb") as out:
        subprocess.run(["cpio", "--quiet", "-o", "-H", "newc", "--owner", "0:0"], cwd=root,
                       input=names.encode(), stdout=out, check=True)
    return cpio


def configured(option, build=BUILD):
    """The value build/config.h gives an option (the default kernel may have been built with
    `make CONFIG_VM86=n`: then it must behave like the reduced one)."""
    m = re.search(rf"^#define {option} ([01])$", require(build / "config.h").read_text(), re.M)
    assert m, f"{option} missing from {build / 'config.h'}"
    return m.group(1) == "1"


@pytest.mark.parametrize("smp", [1, 2])  # 2: vm86 tasks may run on either CPU (issue 10)
def test_vm86_runs_real_mode_code_natively(vm86_initrd, smp):
    require(KERNEL)
    boot = run_moat_qemu("--native", "--smp", smp, "--initrd", vm86_initrd, KERNEL, timeout=90)
    if not configured("CONFIG_VM86"):
        assert "vm86: not configured (CONFIG_VM86=n)" in boot.stdout, show(boot)
        assert ENOSYS_LINE in boot.stdout and boot.status == 0, show(boot)
        return
    s = SUMMARY.findall(boot.stdout)
    assert s, "no vm86test summary\n" + show(boot)
    passed, failed = int(s[-1][0]), int(s[-1][1])
    assert failed == 0 and passed == CHECKS, show(boot)
    assert len(re.findall(r"^ok \d+ - ", boot.stdout, re.M)) == CHECKS, show(boot)
    assert not re.search(r"^not ok ", boot.stdout, re.M), show(boot)
    for name in ("real-mode loop computed 1+..+10 = 55", "serviced int 0x21, resumed",
                 "in al,dx traps: VM86_UNKNOWN", "iret emulated",
                 "cli/sti change the IF pushf shows (virtual IF)",
                 "signal from another process during 16-bit code"):
        assert name in boot.stdout, show(boot)
    assert "KERNEL PANIC" not in boot.stdout, show(boot)
    assert boot.status == 0, show(boot)


def test_vm86_is_enosys_on_moat_with_a_reason(vm86_initrd):
    require(KERNEL)
    require(MOAT)
    boot = run_moat_qemu("--initrd", vm86_initrd, KERNEL, timeout=90)
    assert "vm86: not available under a PV hypervisor" in boot.stdout, show(boot)
    assert ENOSYS_LINE in boot.stdout, show(boot)
    assert not SUMMARY.search(boot.stdout), show(boot)
    assert boot.status == 0, show(boot)


def test_vm86_is_enosys_when_configured_out(vm86_initrd):
    require(MIN_KERNEL)
    assert not configured("CONFIG_VM86", BUILD / "min")
    boot = run_moat_qemu("--native", "--initrd", vm86_initrd, MIN_KERNEL, timeout=90)
    assert "vm86: not configured (CONFIG_VM86=n)" in boot.stdout, show(boot)
    assert ENOSYS_LINE in boot.stdout, show(boot)
    assert boot.status == 0, show(boot)
