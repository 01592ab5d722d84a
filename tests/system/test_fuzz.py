"""The hostile-guest fuzzer (tests/guests/fuzz.c, helper H17) on Moat.

fuzz.elf is a deterministic fuzzer: from its guest option seed=N it issues thousands of
hypercalls over every number 0..63, Moat's 56 and random numbers, with hostile arguments
(NULL, small integers, buffers that straddle an unmapped page, its read-only page tables, the
m2p, Moat's area, wrapping ranges, huge counts), structured garbage for mmu_update, mmuext_op,
update_va_mapping, set_trap_table, update_descriptor, set_gdt, event channels, sched_op,
vcpu_op, physdev_op and callback_op, multicall lists of all of these, hostile iret frames, and
random privileged instructions in ring 1 caught by its own trap table. It then re-checks
invariants through the ABI (its page tables and the m2p are still read-only, a known m2p entry
and L3 slot 3 are unchanged, a continuation keeps esi/edi/ebp, ...) and powers off.

Moat passes iff it survives: no panic, no hang, exit 0 through the guest's own poweroff, every
final check passed. Each seed is one boot of about 1-5 s (QEMU TCG).
"""

import re

import pytest

from conftest import BUILD, MOAT, require, run_moat_qemu, show

FUZZ = BUILD / "tests" / "guests" / "fuzz.elf"
SEEDS = [1, 2, 3]
ITERS = 20000


# pcpus 2: the same seeds with a second physical CPU up, so Moat's SMP paths (the hypervisor
# lock, IPIs, shootdowns) face the fuzzer too (issue 10: earlier suites with -smp 2).
@pytest.mark.parametrize("pcpus", [1, 2])
@pytest.mark.parametrize("seed", SEEDS)
def test_moat_survives_the_fuzzer(seed, pcpus):
    require(MOAT)
    guest = require(FUZZ)
    boot = run_moat_qemu("--smp", pcpus, guest, f"seed={seed}", f"iters={ITERS}", timeout=40)
    out = boot.stdout
    assert "PANIC" not in boot.output, show(boot)
    assert boot.status == 0, show(boot)
    m = re.search(r"^fuzz: (\d+) calls, seed (\d+)$", out, re.M)
    assert m, show(boot)
    assert int(m.group(2)) == seed, show(boot)
    assert int(m.group(1)) >= ITERS // 2, show(boot)     # most iterations are hypercalls
    summary = re.search(r"^fuzz: (\d+) passed, (\d+) failed", out, re.M)
    assert summary and summary.group(2) == "0" and int(summary.group(1)) >= 15, show(boot)
    assert "not ok" not in out, show(boot)
    assert "moat: domain 0 shut down: poweroff" in out, show(boot)


def test_fuzzer_is_deterministic():
    """The same seed gives the same run: the result counts are a function of the seed."""
    require(MOAT)
    guest = require(FUZZ)

    def counts():
        boot = run_moat_qemu(guest, "seed=7", "iters=3000", timeout=40)
        assert boot.status == 0, show(boot)
        # the events count depends on when timer interrupts land: left out
        lines = [re.sub(r", \d+ events$", "", l) for l in boot.stdout.splitlines()
                 if re.match(r"^fuzz: (\d+ calls|results|  +-\d+:|\d+ multicall)", l)]
        assert lines, show(boot)
        return lines

    assert counts() == counts()
