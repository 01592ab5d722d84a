"""The tools/moat-qemu contract (DESIGN.md), checked with a throwaway multiboot image so it does
not depend on the kernel or the hypervisor: exit status from the isa-debug-exit device only,
the reason on stderr, the timeout kills a hang and shows the last lines, the guest command line
and modules arrive intact, usage errors, and no QEMU left behind."""

import os
import shlex
import signal
import socket
import subprocess
import time

import pytest

from conftest import MOAT_QEMU, REPO, run_moat_qemu, show


def qemu_processes_mentioning(text):
    """PIDs of live processes whose command line contains text (zombies ignored)."""
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().decode("utf-8", "replace")
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if text in cmdline and "qemu" in cmdline and state != "Z":
            pids.append(int(pid))
    return pids


def test_clean_power_off_exits_0_and_streams_the_serial_output(multiboot_probe):
    boot = run_moat_qemu("--native", multiboot_probe, "hello", "world", timeout=30)
    assert boot.status == 0, show(boot)
    assert "probe cmdline: " in boot.stdout
    assert "hello world" in boot.stdout, "the CMDLINE words must reach the guest as -append"


def test_failure_status_35_exits_1_with_the_reason(multiboot_probe):
    boot = run_moat_qemu("--native", multiboot_probe, "@fail", timeout=30)
    assert boot.status == 1, show(boot)
    assert "guest crashed / hypervisor reported failure (qemu status 35)" in boot.stderr


def test_triple_fault_is_not_success(multiboot_probe):
    # With -no-reboot QEMU exits 0 on a triple fault: moat-qemu must not call that a pass.
    boot = run_moat_qemu("--native", multiboot_probe, "@triple", timeout=30)
    assert boot.status == 1, show(boot)
    assert "QEMU exited 0 without a clean power-off (triple fault?)" in boot.stderr


def test_timeout_kills_a_hang_and_shows_the_last_lines(multiboot_probe):
    boot = run_moat_qemu("--native", multiboot_probe, "@hang", timeout=3)
    assert boot.status == 1, show(boot)
    assert "timeout after 3 s" in boot.stderr
    # The tail on stderr repeats the guest's last output lines.
    assert "probe: hanging now" in boot.stderr
    assert boot.seconds < 3 + 15, "the timeout must cut the run short"
    assert not qemu_processes_mentioning(str(multiboot_probe.parent)), "QEMU left running"


def test_initrd_is_the_native_guests_module(multiboot_probe, tmp_path):
    initrd = tmp_path / "fake,initrd"
    initrd.write_bytes(b"0" * 100)
    boot = run_moat_qemu("--native", "--initrd", initrd, multiboot_probe, "x", timeout=30)
    assert boot.status == 0, show(boot)
    # The comma in the file name had to be doubled for QEMU and arrives single again.
    assert f"probe module: {initrd}" in boot.stdout


def test_moat_mode_passes_guest_and_cmdline_as_the_first_module(multiboot_probe, tmp_path):
    # The probe stands in for build/moat: it prints the module strings Moat would receive.
    initrd = tmp_path / "initrd.cpio"
    initrd.write_bytes(b"0" * 100)
    guest = multiboot_probe
    boot = run_moat_qemu("--initrd", initrd, guest, "test", "list=a,b", timeout=30,
                         env={"MOAT_IMAGE": str(multiboot_probe), "MOAT_APPEND": "hvopt=1"})
    assert boot.status == 0, show(boot)
    modules = [l.split("probe module: ", 1)[1].strip()
               for l in boot.stdout.splitlines() if "probe module: " in l]
    assert modules == [f"{guest} test list=a,b", str(initrd)], boot.stdout
    assert "hvopt=1" in boot.stdout, "MOAT_APPEND is Moat's own command line"


def test_print_command_shows_the_qemu_line(multiboot_probe):
    out = subprocess.run([str(MOAT_QEMU), "--print-command", "--native", "--smp", "2",
                          "--mem", "128", "--icount", "--initrd", "none", str(multiboot_probe),
                          "a,b"], capture_output=True, text=True, check=True).stdout
    argv = shlex.split(out)
    assert argv[0].endswith("qemu-system-i386")
    for expected in (["-accel", "tcg"], ["-cpu", "max"], ["-m", "128"], ["-smp", "2"],
                     ["-no-reboot"], ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"],
                     ["-icount", "shift=0,align=off,sleep=off"],
                     ["-kernel", str(multiboot_probe)], ["-append", "a,b"]):
        n = len(expected)
        assert any(argv[i:i + n] == expected for i in range(len(argv))), (expected, argv)
    assert "-initrd" not in argv, "--initrd none must drop the default initrd"
    gdb = subprocess.run([str(MOAT_QEMU), "--print-command", "--gdb", "--native",
                          str(multiboot_probe)], capture_output=True, text=True,
                         check=True, env=dict(os.environ, MOAT_GDB_PORT="1234")).stdout
    assert "-s" in shlex.split(gdb) and "-S" in shlex.split(gdb)


def test_gdb_flag_waits_for_a_debugger(multiboot_probe):
    # --gdb stops the CPU before the first instruction until a debugger connects; speak just
    # enough of the GDB remote protocol to say "continue" and expect a normal clean run.
    # A free port rather than the default 1234, which a developer's session may hold.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(MOAT_QEMU), "--gdb", "--timeout", "20", "--native",
                             str(multiboot_probe)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO,
                            env=dict(os.environ, MOAT_GDB_PORT=str(port)))
    try:
        time.sleep(1.5)
        assert proc.poll() is None, "QEMU must wait for the debugger: " + proc.stderr.read().decode()
        deadline = time.monotonic() + 10
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        with sock:
            sock.sendall(b"+$c#63")
            out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 0, err
    assert b"probe cmdline" in out
    assert f"target remote :{port}".encode() in err


@pytest.mark.parametrize("args, message", [
    (["--bogus", "x"], "unknown option '--bogus'"),
    (["--smp"], "option --smp needs a value"),
    (["--smp", "two", "x"], "--smp needs a whole number"),
    (["--timeout", "-1", "x"], "--timeout must not be negative"),
    ([], "no GUEST image given"),
])
def test_usage_errors_exit_2(args, message):
    proc = subprocess.run([str(MOAT_QEMU)] + args, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=30)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert "usage: tools/moat-qemu" in proc.stderr


def test_missing_guest_is_reported(tmp_path):
    proc = subprocess.run([str(MOAT_QEMU), "--native", str(tmp_path / "nope")],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30)
    assert proc.returncode == 2
    assert "not found" in proc.stderr


def test_options_after_the_guest_belong_to_the_guest(multiboot_probe):
    boot = run_moat_qemu("--native", multiboot_probe, "--smp", "x", timeout=30)
    assert boot.status == 0, show(boot)
    assert "--smp x" in boot.stdout


def test_no_qemu_survives_a_killed_moat_qemu(multiboot_probe):
    # Even SIGKILL, which moat-qemu cannot catch, must take QEMU down with it.
    proc = subprocess.Popen([str(MOAT_QEMU), "--native", "--timeout", "100",
                             str(multiboot_probe), "@hang"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=REPO)
    marker = str(multiboot_probe)
    try:
        deadline = time.monotonic() + 20
        while not qemu_processes_mentioning(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert qemu_processes_mentioning(marker), "QEMU never started"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while qemu_processes_mentioning(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not qemu_processes_mentioning(marker), "QEMU outlived moat-qemu"
    finally:
        proc.kill()
        proc.wait()
        for pid in qemu_processes_mentioning(marker):  # only the QEMU this test started
            os.kill(pid, signal.SIGKILL)
