"""User space checked on this host's Linux (an x86_64 kernel running i386 programs): a test
that passes here is a correct expectation of the Linux i386 system-call ABI the guest kernel
implements (issue 8). The same binaries go into build/initrd.cpio; the in-guest runs are added
once the kernel runs processes.

  - build/user/usertests passes completely, its options work, and it can fail;
  - build/user/bench prints one well-formed line per operation, in order, then `bench: done`;
  - user/scripts/busybox-smoke.sh run by /bin/busybox sh prints exactly the .expected file;
  - the initrd holds the programs, the script and every applet the script uses.
"""

import re
import shutil
import subprocess

import pytest

from conftest import BUILD, REPO, require

USERTESTS = BUILD / "user" / "usertests"
BENCH = BUILD / "user" / "bench"
BENCH_TRUE = BUILD / "user" / "bench-true"
INITRD = BUILD / "initrd.cpio"
SMOKE = REPO / "user" / "scripts" / "busybox-smoke.sh"
SMOKE_EXPECTED = REPO / "user" / "scripts" / "busybox-smoke.expected"
BUSYBOX = "/bin/busybox"

SUMMARY = re.compile(r"^usertests: (\d+) passed, (\d+) failed$", re.M)
BENCH_OPS = ["null_syscall", "null_io", "stat", "open_close", "sig_install", "sig_handler",
             "fork_exit", "fork_execve", "fork_sh_c", "ctx_switch", "pipe_latency",
             "page_fault", "mmap_munmap_1mb"]


def run(cmd, tmp_path, timeout=300, **kw):
    return subprocess.run([str(c) for c in cmd], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, cwd=tmp_path, timeout=timeout,
                          env={"PATH": "/usr/bin:/bin", "USERTESTS_TMP": str(tmp_path)}, **kw)


def default_tests():
    out = subprocess.run([str(USERTESTS), "-l"], capture_output=True, text=True, check=True)
    return [line for line in out.stdout.splitlines() if not line.endswith("(optional)")]


def test_usertests_all_pass_on_host(tmp_path):
    require(USERTESTS)
    p = run([USERTESTS], tmp_path)
    names = default_tests()
    summary = SUMMARY.findall(p.stdout)
    assert summary, "no closing line\n" + p.stdout + p.stderr
    passed, failed = map(int, summary[-1])
    assert (passed, failed) == (len(names), 0), p.stdout
    assert p.returncode == 0, p.stdout
    assert not re.search(r"^not ok", p.stdout, re.M), p.stdout
    # One `ok <n> - <name>` per test, numbered from 1, in list order.
    oks = re.findall(r"^ok (\d+) - (\w+)", p.stdout, re.M)
    assert [int(n) for n, _ in oks] == list(range(1, len(names) + 1))
    assert [name for _, name in oks] == names
    # Nothing left behind in the scratch directory.
    assert list(tmp_path.iterdir()) == []


def test_usertests_list_and_selection(tmp_path):
    require(USERTESTS)
    names = default_tests()
    assert len(names) >= 50 and "fork_bomb" in names and "efault" in names
    p = run([USERTESTS, "getpid_getppid", "uname"], tmp_path)
    lines = p.stdout.splitlines()
    assert p.returncode == 0, p.stdout
    assert re.match(r"ok 1 - getpid_getppid$", lines[0]) and re.match(r"ok 2 - uname\b", lines[1])
    assert lines[-1] == "usertests: 2 passed, 0 failed"
    assert len(lines) == 3


def test_usertests_reports_failure(tmp_path):
    require(USERTESTS)
    p = run([USERTESTS, "uname", "no_such_test"], tmp_path)
    assert p.returncode == 1
    assert "not ok 2 - no_such_test: no such test" in p.stdout
    assert p.stdout.splitlines()[-1] == "usertests: 1 passed, 1 failed"


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace not installed")
def test_usertests_detect_a_broken_kernel(tmp_path):
    """Fault injection makes the host kernel lie; the suite must notice, not pass."""
    require(USERTESTS)
    cases = [("getppid:retval=1", "fork_basic"), ("mprotect:retval=0", "mprotect"),
             ("getdents64:retval=0", "getdents64"), ("rt_sigprocmask:retval=0", "sig_mask"),
             ("nanosleep:retval=0", "nanosleep")]
    for inject, name in cases:
        p = run(["strace", "-f", "-qq", "-o", "/dev/null", "-e", "inject=" + inject,
                 USERTESTS, name], tmp_path)
        assert p.returncode == 1, f"{name} passed with {inject}:\n{p.stdout}"
        assert f"not ok 1 - {name}: " in p.stdout, p.stdout


def test_bench_output_contract(tmp_path):
    require(BENCH)
    require(BENCH_TRUE)
    p = run([BENCH], tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    lines = p.stdout.splitlines()
    assert lines[-1] == "bench: done"
    rows = [re.fullmatch(r"bench: (\w+) (\d+) (\d+)", line) for line in lines[:-1]]
    assert all(rows), p.stdout
    assert [m.group(1) for m in rows] == BENCH_OPS
    iters = {m.group(1): int(m.group(2)) for m in rows}
    assert iters["null_syscall"] == 200 and iters["fork_execve"] == 20
    # Every operation costs something; a fork costs more than a null system call.
    ticks = {m.group(1): int(m.group(3)) for m in rows}
    assert all(t > 0 for t in ticks.values()), ticks
    assert ticks["fork_exit"] > ticks["null_syscall"]
    assert ticks["fork_execve"] > ticks["fork_exit"] / 2


def test_busybox_smoke_script_on_host(tmp_path):
    require(SMOKE_EXPECTED)
    p = run([BUSYBOX, "sh", SMOKE], tmp_path, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stderr == ""
    assert p.stdout == SMOKE_EXPECTED.read_text()
    assert list(tmp_path.iterdir()) == [], "the script left files behind"


def script_applets():
    header = SMOKE.read_text().split("# Applets used", 1)[1].split("\n\n", 1)[0]
    words = re.sub(r"#|\(.*?\)|:", " ", header.split(":", 1)[1]).split()
    return [w.rstrip(".") for w in words if re.fullmatch(r"[a-z]+\.?", w)]


def test_initrd_holds_user_programs_and_applets():
    require(INITRD)
    listing = subprocess.run(["cpio", "-it", "--quiet"], stdin=open(INITRD, "rb"),
                             capture_output=True, text=True, check=True).stdout.split()
    for path in ["bin/usertests", "bin/bench", "bin/bench-true", "bin/sh", "bin/busybox",
                 "etc/busybox-smoke.sh", "etc/busybox-smoke.expected", "init"]:
        assert path in listing, f"{path} missing from the initrd"
    applets = script_applets()
    assert len(applets) >= 16, applets
    missing = [a for a in applets if f"bin/{a}" not in listing]
    assert not missing, f"applets used by the smoke script but not in the initrd: {missing}"
