"""CPU hotplug from the shell under a user-mode load on every CPU (issue 10 items 4 and 6).

In both modes (natively with 2 and 4 CPUs; on Moat with 2 physical CPUs and 2 or 4 vcpus)
the guest boots to the busybox shell, and then:
  * `cpu` (user/cpu) lists every CPU with its counters; `cpu offline 0` and a CPU that does not
    exist are refused with EINVAL's text and exit status 1;
  * one `spin` load (user/spin) per CPU starts in the background; each rewrites a counter file
    as it goes;
  * a shell loop inside the guest runs `cpu offline N; cpu online N` for N = 1..ncpus-1, 20
    rounds, with no error;
  * afterwards every load is still alive and its counter moved during the loop, the processes
    in /proc are the same ones, every CPU but 0 went through the boot path exactly 20 more times
    and took no stray interrupt;
  * a CPU taken offline for a second does not move one counter (no tick, IPI, or device irq
    reaches it); when /proc/interrupts exists, no device irq targets it and its column there
    does not move either;
  * the loads end on SIGTERM with status 0 and a final count at least the one seen after the
    loop: no load was lost or stuck; no KERNEL PANIC;
  * processes run on every CPU: cpuN/stat's "tasks" (task switch-ins on that CPU) grows on
    every CPU but 0 while the loads run. This one needs the per-CPU scheduler (the lead's
    change): on a tree where processes run only on CPU 0 it FAILS, by design, last.
"""

import os
import re
import time

import pytest

from conftest import INITRD, KERNEL, MOAT, PROMPT, Shell, parse_cpu_stat, require

ROUNDS = 20
SPIN_SECONDS = 900  # a bound only: the test stops the loads with SIGTERM
COUNT = re.compile(r"^(?:(done)\s+)?(\d+)$")
# (physical CPUs, vcpus): vcpus None is a native boot with that many CPUs. On Moat, 4 vcpus on
# 4 physical CPUs (~75 s) is the default "CPUs 1, 2 and 3" case of issue 10; 4 vcpus on 2
# physical CPUs passes too but costs ~95 s (5 busy tasks on 2 CPUs make every fork/exec of the
# shell wait for slices): it runs when MOAT_TEST_LONG=1 is set, and is reported as skipped
# otherwise.
LONG = pytest.mark.skipif(not os.environ.get("MOAT_TEST_LONG"),
                          reason="~90 s: set MOAT_TEST_LONG=1 to run it")
CONFIGS = [pytest.param((2, None), id="native-2"), pytest.param((4, None), id="native-4"),
           pytest.param((2, 2), id="moat-2x2"), pytest.param((4, 4), id="moat-4x4"),
           pytest.param((2, 4), id="moat-2x4", marks=LONG)]


def cpu_status(sh, ncpus):
    """`cpu` parsed: {cpu: stat dict + "online"}; checks it lists exactly the CPUs 0..ncpus-1
    and that its online/offline word agrees with the kernel's state."""
    # a marker the typed line does not contain literally, so the listing is what follows it
    # even when the console echo of the line comes in pieces
    out = sh.run("echo status-$((6*7)); cpu")
    assert "status-42\n" in out, sh.tail()
    out = out[out.rindex("status-42\n"):]
    lines = [l.strip() for l in out.splitlines() if re.match(r"\s*cpu\d+ ", l)]
    cpus = {}
    for line in lines:
        m = re.match(r"cpu(\d+) (online|offline)\s+(.*)$", line)
        assert m, line
        st = parse_cpu_stat(m[3])
        assert st, line
        st["online"] = m[2] == "online"
        assert st["online"] == (st["state"] == "online"), line
        cpus[int(m[1])] = st
    assert sorted(cpus) == list(range(ncpus)), "\n".join(lines) + "\n" + sh.tail()
    return cpus


def spin_counts(sh, ncpus):
    """Every load's counter file: [(done, count)] in CPU order."""
    files = " ".join(f"/tmp/spin{i}" for i in range(ncpus))
    lines = [l.strip() for l in sh.run(f"cat {files}").splitlines()][-ncpus:]
    counts = [COUNT.match(l) for l in lines]
    assert len(counts) == ncpus and all(counts), "\n".join(lines) + "\n" + sh.tail()
    return [(m[1] == "done", int(m[2])) for m in counts]


def proc_pids(sh):
    """The pids in /proc, listed by the shell's own glob and echo (builtins: no child of the
    listing itself is in the list, so the same processes give the same list)."""
    line = sh.last("echo /proc/[0-9]*")
    pids = re.findall(r"/proc/(\d+)", line)
    assert pids and len(pids) == len(line.split()), sh.tail()
    return sorted(int(p) for p in pids)


def interrupts(sh):
    """/proc/interrupts as {irq: (per-CPU counts, rest of the line)}, or None if the kernel
    has none. Format as Linux's: a header of CPU columns, then "IRQ: count... description"."""
    lines = sh.run("cat /proc/interrupts 2>/dev/null || echo no-interrupts").splitlines()
    if any(l.strip() == "no-interrupts" for l in lines):
        return None
    header = next((i for i, l in enumerate(lines) if re.match(r"\s*CPU0\b", l)), None)
    assert header is not None, "\n".join(lines)
    ncols = len(lines[header].split())
    rows = {}
    for line in lines[header + 1:]:
        m = re.match(r"\s*(\w+):\s+(.*)$", line)
        fields = m[2].split() if m else []
        # a counter row has one count per CPU column (the "balance:" summary line has not)
        if len(fields) < ncols or not all(f.isdigit() for f in fields[:ncols]):
            continue
        rows[m[1]] = ([int(f) for f in fields[:ncols]], " ".join(fields[ncols:]))
    assert rows, "\n".join(lines)
    return rows


def irq_target(irq, rest):
    """The CPU a device irq (a numbered row) is routed to: "... target N affinity LIST"
    (kernel/fs/procfs.c); None for a row that is not a device irq."""
    m = re.search(r"\btarget (\d+)\b", rest)
    assert m or not irq.isdigit(), f"irq {irq} names no target CPU: {rest}"
    return int(m[1]) if m else None


@pytest.fixture(params=CONFIGS)
def booted(request):
    """(shell, ncpus) at the busybox prompt."""
    pcpus, vcpus = request.param
    require(KERNEL)
    require(INITRD)
    if vcpus:
        require(MOAT)
    sh = Shell(pcpus, vcpus=vcpus, timeout=150)
    ncpus = vcpus or pcpus
    try:
        sh.read_until(PROMPT)
        yield sh, ncpus
    finally:
        sh.close()


def test_hotplug_20_rounds_under_a_load_on_every_cpu(booted):
    sh, n = booted
    assert f"smp: {n} CPUs online" in sh.out, sh.tail()
    # the command's refusals: the boot CPU, a CPU that does not exist, a bad argument
    out = sh.run("cpu offline 0; echo rc=$?")
    assert "Invalid argument" in out and "rc=1" in out, out
    out = sh.run(f"cpu online {n}; echo rc=$?")
    assert "Invalid argument" in out and "rc=1" in out, out
    assert sh.last("cpu offline 1x; echo rc=$?") == "rc=2"

    before = cpu_status(sh, n)
    assert all(c["online"] and c["stray"] == 0 for c in before.values()), before
    sh.run(f"pids=; for i in {' '.join(map(str, range(n)))}; do "
           f"spin {SPIN_SECONDS} /tmp/spin$i > /tmp/spin$i.out & pids=\"$pids $!\"; done")
    pids = sh.last("echo $pids").split()
    assert len(pids) == n and all(p.isdigit() for p in pids), sh.tail()
    procs = proc_pids(sh)
    assert set(map(int, pids)) <= set(procs), (pids, procs)
    assert int(sh.last("ps | grep -c '[s]pin '")) == n, sh.tail()
    time.sleep(0.5)  # each load writes its first counts
    start = spin_counts(sh, n)

    cpus = " ".join(map(str, range(1, n)))
    t = time.monotonic()
    out = sh.run(f"r=0; fail=0; while test $r -lt {ROUNDS}; do for c in {cpus}; do "
                 f"cpu offline $c || fail=1; cpu online $c || fail=1; done; r=$((r+1)); done; "
                 f"echo loop-done r=$r fail=$fail")
    loop_seconds = time.monotonic() - t
    assert f"loop-done r={ROUNDS} fail=0" in out, sh.tail()
    assert not re.search(r"^cpu: ", out, re.M), out

    # nothing lost: every load alive and moving, the same processes, the counters consistent
    assert sh.last("for p in $pids; do kill -0 $p || echo dead $p; done; echo checked") \
        == "checked", sh.tail()
    assert proc_pids(sh) == procs, sh.tail()
    after_loop = spin_counts(sh, n)
    for i, ((_, a), (done, b)) in enumerate(zip(start, after_loop)):
        assert not done and b > a, f"load {i} made no progress during the loop: {a} -> {b}"
    after = cpu_status(sh, n)
    for c in range(1, n):
        assert after[c]["online"] and after[c]["stray"] == 0, after[c]
        assert after[c]["boots"] == before[c]["boots"] + ROUNDS, (before[c], after[c])
    assert after[0]["stray"] == 0, after[0]

    # an offline CPU is quiet: its counters (and its /proc/interrupts column) do not move
    quiet = [1] if n == 2 else [1, n - 1]
    for c in quiet:
        assert sh.last(f"cpu offline {c}; echo rc=$?") == "rc=0", sh.tail()
    off1, irq1 = cpu_status(sh, n), interrupts(sh)
    sh.run("sleep 1")
    off2, irq2 = cpu_status(sh, n), interrupts(sh)
    for c in quiet:
        assert not off1[c]["online"] and off2[c] == off1[c], (off1[c], off2[c])
    if irq1 is not None:
        for irq, (counts, rest) in irq2.items():
            target = irq_target(irq, rest)
            assert target not in quiet, f"irq {irq} targets offline cpu {target}: {rest}"
            for c in quiet:
                if c < len(counts) and irq in irq1 and c < len(irq1[irq][0]):
                    assert counts[c] == irq1[irq][0][c], f"irq {irq} reached offline cpu {c}"
    for c in quiet:
        assert sh.last(f"cpu online {c}; echo rc=$?") == "rc=0", sh.tail()

    # the loads end on SIGTERM, each with status 0 and a final count past the one after the loop
    out = sh.run("kill -TERM $pids; for p in $pids; do wait $p; echo status=$?; done")
    assert re.findall(r"^status=(\d+)", out, re.M) == ["0"] * n, sh.tail()
    final = spin_counts(sh, n)
    for i, ((_, a), (done, b)) in enumerate(zip(after_loop, final)):
        assert done and b >= a, f"load {i} did not finish: {a} -> {b} done={done}"
    end = cpu_status(sh, n)
    assert all(c["stray"] == 0 and c["online"] for c in end.values()), end
    assert "KERNEL PANIC" not in sh.out, sh.tail()
    print(f"{n} CPUs: {ROUNDS} rounds in {loop_seconds:.1f} s; loads {[b for _, b in final]}")

    # NEEDS THE PER-CPU SCHEDULER (lead, issue 10): processes run on every CPU, so each CPU
    # but 0 switched tasks in while the loads ran. Fails on a tree where only CPU 0 runs them.
    for c in range(1, n):
        assert after[c]["tasks"] is not None, f"cpu{c}/stat has no 'tasks' field: {after[c]}"
        assert after[c]["tasks"] > before[c]["tasks"], \
            f"no task ran on cpu{c} during the loads: {before[c]} -> {after[c]}"
