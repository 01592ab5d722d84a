"""The same build/kernel file on Moat (ring 1, Xen PV ABI) and natively: the in-kernel test
suite passes both ways, the banner says which way it booted, and Moat reports the shutdown."""

import re

from conftest import KERNEL, MOAT, require, run_moat_qemu, show
from test_native import kernel_summary


def test_kernel_test_suite_passes_on_moat():
    require(MOAT)
    require(KERNEL)
    boot = run_moat_qemu(KERNEL, "test", timeout=180)
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
    native = run_moat_qemu("--native", KERNEL, "test", timeout=120)
    on_moat = run_moat_qemu(KERNEL, "test", timeout=180)
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


# ---- issue 4/6/7 measures printed by the kernel tests (kernel/ktests, kernel/core/ktest.c) ----

SWITCH = re.compile(r"^# context switch: batched (\d+) trap\(s\), unbatched (\d+) trap\(s\) \((.*)\)\s*$", re.M)
OWN_MMU = re.compile(r"^# mmu_update \((\w+), boot \+ tests, kernel's count\): (\d+) traps, (\d+) entries, "
                     r"[\d.]+ entries per trap; (\d+) traps in all, (\d+) multicalls\s*$", re.M)
MOAT_MMU = re.compile(r"^# mmu_update \(Moat's counters\): (\d+) mmu_update hypercalls, (\d+) entries, "
                      r"[\d.]+ entries per call; (\d+) traps, (\d+) hypercalls, (\d+) multicall entries", re.M)
TIMER = re.compile(r"^# timer: set for \+(\d+) ns, fired (-?\d+) ns late, after (\d+) block\(s\)\s*$", re.M)
POLL = re.compile(r"^# poll: timed out after (\d+) ns \(timeout (\d+)\), pending port returned after (\d+) ns", re.M)


def kernel_tests_passed(boot):
    # The user-space suite (H9) runs after the kernel tests; these checks are about the
    # kernel's part, so they need its summary, not the whole run's status.
    summary = kernel_summary(boot.stdout)
    assert summary is not None, "no 'kernel: N passed, N failed' line\n" + show(boot)
    assert summary[1] == 0 and summary[0] > 0, show(boot)


def test_context_switch_is_one_trap_by_moats_counters():
    require(MOAT)
    require(KERNEL)
    boot = run_moat_qemu(KERNEL, "test", timeout=120)
    kernel_tests_passed(boot)
    m = SWITCH.search(boot.stdout)
    assert m, show(boot)
    batched, unbatched, source = int(m[1]), int(m[2]), m[3]
    assert source == "Moat counters", show(boot)
    assert batched == 1, show(boot)
    assert unbatched >= 4, show(boot)


def test_mmu_update_counts_agree_with_moat_and_are_zero_natively():
    require(MOAT)
    require(KERNEL)
    boot = run_moat_qemu(KERNEL, "test", timeout=120)
    kernel_tests_passed(boot)
    own, moat = OWN_MMU.search(boot.stdout), MOAT_MMU.search(boot.stdout)
    assert own and moat, show(boot)
    assert int(own[2]) > 0 and int(own[3]) > int(own[2]), show(boot)  # batched: many entries per trap
    # Two independent counts of every trap into Moat, read at the same moment, must agree.
    assert int(own[4]) == int(moat[3]), show(boot)
    assert int(moat[1]) > 0 and int(moat[2]) > int(moat[1]), show(boot)
    native = run_moat_qemu("--native", KERNEL, "test", timeout=90)
    kernel_tests_passed(native)
    n = OWN_MMU.search(native.stdout)
    assert n and n[1] == "native", show(native)
    assert (int(n[2]), int(n[3]), int(n[4])) == (0, 0, 0), show(native)
    assert not MOAT_MMU.search(native.stdout)


def test_timer_and_poll_bounds_under_icount():
    # With -icount shift=0 one guest instruction is one nanosecond of virtual time, so the
    # timer's lateness is Moat's delivery path in instructions: never early, and small.
    require(MOAT)
    require(KERNEL)
    boot = run_moat_qemu("--icount", KERNEL, "test", timeout=240)
    kernel_tests_passed(boot)
    t, p = TIMER.search(boot.stdout), POLL.search(boot.stdout)
    assert t and p, show(boot)
    late = int(t[2])
    assert 0 <= late < 50_000, show(boot)           # within 50 us (50k instructions) of virtual time
    assert int(t[3]) == 1, show(boot)               # one block, woken by the timer
    waited, timeout = int(p[1]), int(p[2])
    assert timeout <= waited < timeout + 50_000, show(boot)


def type_at_shell(*moat_qemu_args, line="echo typed-$((6*7))", want="typed-42", timeout=60):
    """Boots to the shell with QEMU's serial on a pipe, types `line` once the prompt is up and
    returns (seen, output). QEMU is started from tools/moat-qemu --print-command (moat-qemu
    itself never forwards stdin except interactively) and is always killed at the end."""
    import select
    import shlex
    import subprocess
    import time
    from conftest import MOAT_QEMU, REPO
    cmd = subprocess.run([str(MOAT_QEMU), "--print-command", *map(str, moat_qemu_args)],
                         capture_output=True, text=True, cwd=REPO, check=True).stdout.strip().splitlines()[-1]
    qemu = subprocess.Popen(shlex.split(cmd), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, cwd=REPO)
    out, typed, deadline = b"", False, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and want.encode() not in out.split(line.encode())[-1]:
            ready, _, _ = select.select([qemu.stdout], [], [], 0.5)
            if ready:
                chunk = qemu.stdout.read1(4096)
                if not chunk:
                    break
                out += chunk
            if not typed and b"/ # " in out:
                qemu.stdin.write(line.encode() + b"\n")
                qemu.stdin.flush()
                typed = True
    finally:
        qemu.kill()
        qemu.wait(timeout=10)
    text = out.decode("utf-8", "replace")
    return typed and want in text.split(line)[-1], text


def test_console_input_reaches_the_shell_on_moat():
    # Keystrokes: COM1 -> Moat's RX interrupt -> VIRQ_CONSOLE -> the kernel's CONSOLEIO_read
    # ring -> console_getc() -> the tty -> busybox sh, which runs the line.
    require(MOAT)
    require(KERNEL)
    seen, text = type_at_shell(KERNEL)
    assert "console input on VIRQ_CONSOLE" in text, text[-3000:]
    assert seen, text[-3000:]


def test_console_input_reaches_the_shell_natively():
    require(KERNEL)
    seen, text = type_at_shell("--native", KERNEL)
    assert seen, text[-3000:]
