"""Multicall, Moat's counters and the debug keys (issue 7 hypervisor side, issue 9 item 4).

The mc-* guests in tests/guests/ check HYPERVISOR_multicall against Xen 4.17's behaviour (the
same guests pass on real Xen through /work/shared/tools/run-on-xen, where they also check that
hypercall 56 is -ENOSYS) and, on Moat, prove its cost through the moat_op counters: a multicall
of 8 entries is ONE hypercall trap, 8 direct calls are 8, 3000 entries take one trap per
MOAT_MC_ENTRIES_PER_TRAP. mc-keys types the debug keys on the serial line.
"""

import re
import subprocess

import pytest

from conftest import BUILD, MOAT, require, run_moat_qemu, show, assert_guest_passed

GUESTS = BUILD / "tests" / "guests"

MC_GUESTS = {
    # name: minimum number of checks (so a guest that stops early cannot pass)
    "mc-batch": 39,     # results = direct calls, in order; 1 trap vs 8; moat_op rules
    "mc-nested": 12,    # nested multicall -EINVAL, the rest runs
    "mc-bad": 22,       # unreadable lists, mid-list faults, read-only write-back, huge counts
    "mc-huge": 10,      # 3000 entries through continuations; a continued entry inside a batch
}

SUMMARY = re.compile(r"^moat: shutdown after (\d+) TSC ticks; domain 0: (\d+) hypercalls "
                     r"\((\d+) traps\), (\d+) exceptions, (\d+) events$", re.M)


@pytest.mark.parametrize("pcpus", [1, 2])  # 2: Moat's SMP paths too (issue 10)
@pytest.mark.parametrize("name", sorted(MC_GUESTS))
def test_mc_guest_passes_on_moat(name, pcpus):
    require(MOAT)
    guest = require(GUESTS / f"{name}.elf")
    boot = run_moat_qemu("--smp", pcpus, guest, timeout=60)
    assert boot.status == 0, show(boot)
    assert_guest_passed(name, boot, MC_GUESTS[name])
    assert f"{name}: on Moat, moat_op interface 0x10000: counters available" in boot.stdout, show(boot)
    assert "PANIC" not in boot.stdout, show(boot)


def test_one_multicall_is_one_trap():
    boot = run_moat_qemu(require(GUESTS / "mc-batch.elf"), timeout=60)
    assert "ok 10 - the multicall cost ONE trap (+1: get_stats)" in boot.stdout, show(boot)
    assert "mc-batch: traps for 8 calls: multicall 1, direct 8" in boot.stdout, show(boot)


def test_shutdown_summary_counts_what_the_guest_did():
    """The last line before the exit gives TSC ticks since Moat's entry and the domain's
    totals; mc-huge runs 3000 multicall entries, so its hypercalls far exceed its traps."""
    boot = run_moat_qemu(require(GUESTS / "mc-huge.elf"), timeout=60)
    assert boot.status == 0, show(boot)
    m = SUMMARY.search(boot.stdout)
    assert m, show(boot)
    ticks, hypercalls, traps, exceptions, events = map(int, m.groups())
    assert ticks > 0, show(boot)
    assert hypercalls > 3000 + 9 and traps < 100 and traps > 24, show(boot)
    assert exceptions == 0 and events == 0, show(boot)


def test_shutdown_summary_is_instruction_exact_under_icount():
    """Under -icount shift=0 the TSC counts instructions: two runs give the same ticks."""
    guest = require(GUESTS / "mc-nested.elf")
    ticks = []
    for _ in range(2):
        boot = run_moat_qemu("--icount", guest, timeout=60)
        assert boot.status == 0, show(boot)
        m = SUMMARY.search(boot.stdout)
        assert m, show(boot)
        ticks.append(int(m.group(1)))
    assert ticks[0] == ticks[1] and ticks[0] > 10000, ticks


def test_debug_keys_answer_and_pass_other_bytes_through():
    require(MOAT)
    guest = require(GUESTS / "mc-keys.elf")
    # "!!!": padding the guest drops; typed ahead, the first byte can be lost when Moat resets
    # the UART FIFO at boot
    typed = b"!!!\x1dh\x1ds\x1dr\x1dm\x1dd\x1dZab\x1d\x1dq"
    cmd = ["timeout", "60", "qemu-system-i386", "-accel", "tcg", "-cpu", "max", "-m", "256",
           "-display", "none", "-no-reboot", "-monitor", "none", "-serial", "stdio",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-kernel", str(MOAT), "-initrd", str(guest)]
    proc = subprocess.run(cmd, input=typed, capture_output=True, timeout=90)
    out = proc.stdout.decode("utf-8", "replace")
    tail = "\n".join(out.splitlines()[-60:])
    assert proc.returncode == 33, f"qemu exited {proc.returncode}\n{tail}"
    assert "moat: debug keys: Ctrl-] then" in out, tail
    assert "moat: counters (key 's')" in out, tail
    assert re.search(r"^domain 0 \(running, 1 vcpus\):$", out, re.M), tail
    # The keys were typed ahead, so the receive interrupt may handle them before the guest's
    # first hypercall: the per-number line is either empty or lists counts.
    assert re.search(r"^  by number: (none|.*\(\d+\)=\d+)", out, re.M), tail
    assert "moat: registers (key 'r') of domain 0 vcpu 0" in out, tail
    assert re.search(r"^EIP=[0-9a-f]{8} CS=e019 ", out, re.M), tail
    assert re.search(r"moat: memory \(key 'm'\): \d+ frames tracked", out), tail
    assert re.search(r"^  domain 0: \d+ frames owned", out, re.M), tail
    assert "moat: domains (key 'd'):" in out, tail
    assert "moat: unknown debug key 'Z'" in out, tail
    # the guest received exactly the bytes that were not debug keys: a b Ctrl-] q
    assert "mc-keys: got 4 bytes: 61 62 1d 71" in out, tail
