"""Shared helpers for the system tests (pytest; run with /usr/bin/python3 -m pytest tests/system).

Every test that boots something goes through tools/moat-qemu, the same command a user runs, so
the tests check the command contract as well as the guest. The helper is optional: other test
files may call tools/moat-qemu through subprocess directly.

  run_moat_qemu(*args, timeout=60) -> Boot(status, stdout, stderr, output, seconds)
  moat_qemu(*args, timeout=60)     -> (status, output)   [also a fixture of the same name]

`timeout` is passed on as --timeout; the subprocess itself gets a margin on top, so a broken
moat-qemu that ignores its own timeout fails the test instead of hanging the suite.
"""

import collections
import os
import re
import selectors
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "build"
MOAT_QEMU = REPO / "tools" / "moat-qemu"
KERNEL = BUILD / "kernel"
MOAT = BUILD / "moat"
SUBPROCESS_MARGIN = 30

class Boot(collections.namedtuple("Boot", "status stdout stderr output seconds")):
    """One moat-qemu run. The short repr keeps pytest's assertion messages readable; the
    failure messages add the output tail through show()."""

    def __repr__(self):
        return f"Boot(status={self.status}, {self.seconds:.1f} s)"


def require(path):
    """Fail (not skip) when an artefact is missing: a suite that skips what was not built
    would report success for nothing."""
    path = Path(path)
    if not path.is_file():
        pytest.fail(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path} "
                    f"does not exist: run make first")
    return path


def run_moat_qemu(*args, timeout=60, env=None):
    """Runs tools/moat-qemu --timeout TIMEOUT ARGS... with stdin closed."""
    cmd = [str(MOAT_QEMU), "--timeout", str(timeout)] + [str(a) for a in args]
    full_env = dict(os.environ)
    full_env.update(env or {})
    start = time.monotonic()
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, cwd=REPO,
                          env=full_env, timeout=timeout + SUBPROCESS_MARGIN)
    seconds = time.monotonic() - start
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    return Boot(proc.returncode, out, err, out + err, seconds)


def moat_qemu(*args, timeout=60, env=None):
    boot = run_moat_qemu(*args, timeout=timeout, env=env)
    return boot.status, boot.output


@pytest.fixture(name="moat_qemu")
def moat_qemu_fixture():
    return moat_qemu


def show(boot, lines=60):
    """Failure message tail: the last lines a human needs to see why a boot went wrong."""
    tail = "\n".join(boot.output.splitlines()[-lines:])
    return f"moat-qemu exited {boot.status} after {boot.seconds:.1f} s; output tail:\n{tail}"


def tap_summary(name, out):
    """(passed, failed) from a test guest's closing line `NAME: P passed, F failed`, or None."""
    m = re.search(rf"^{re.escape(name)}: (\d+) passed, (\d+) failed", out, re.M)
    return (int(m.group(1)), int(m.group(2))) if m else None


def assert_guest_passed(name, boot, minimum):
    """The verdict every self-checking test guest shares: its closing line reports at least
    `minimum` passed checks and none failed, and no `not ok` line was printed."""
    summary = tap_summary(name, boot.stdout)
    assert summary is not None, show(boot)
    passed, failed = summary
    assert failed == 0 and passed >= minimum, show(boot)
    assert "not ok" not in boot.stdout, show(boot)


# A throwaway multiboot v1 image for testing tools/moat-qemu itself, independent of the kernel
# and the hypervisor. It prints its command line and every module's string on COM1, then acts
# on the first '@' keyword of its command line: @fail writes MOAT_EXIT_FAIL to the exit port,
# @hang spins forever, @triple loads an empty IDT and traps (triple fault), anything else
# writes MOAT_EXIT_PASS.
MULTIBOOT_PROBE_S = r"""
    .text
    .align 4
    .long 0x1BADB002, 0x00000003, -(0x1BADB002 + 0x00000003)
    .globl _start
_start:
    mov %ebx, %ebp              /* multiboot info */
    mov $msg_cmdline, %esi
    call puts
    mov 16(%ebp), %esi          /* cmdline (flags bit 2; QEMU always sets it) */
    call puts
    call newline
    mov 20(%ebp), %ecx          /* mods_count */
    mov 24(%ebp), %edi          /* mods_addr: {start, end, string, reserved} */
1:  test %ecx, %ecx
    jz 2f
    mov $msg_module, %esi
    call puts
    mov 8(%edi), %esi
    call puts
    call newline
    add $16, %edi
    dec %ecx
    jmp 1b
2:  mov 16(%ebp), %esi          /* find the first '@' keyword */
3:  movb (%esi), %al
    test %al, %al
    jz pass
    inc %esi
    cmp $'@', %al
    jne 3b
    movb (%esi), %al
    cmp $'f', %al
    je fail
    cmp $'h', %al
    je hang
    cmp $'t', %al
    je triple
pass:
    mov $0x10, %al
    jmp leave
fail:
    mov $0x11, %al
leave:
    mov $0xf4, %dx
    outb %al, %dx
    cli
4:  hlt
    jmp 4b
hang:
    mov $msg_hang, %esi
    call puts
5:  jmp 5b
triple:
    lidt empty_idt
    int $3
puts:                           /* print the NUL-terminated string at %esi */
    push %eax
    push %edx
6:  movb (%esi), %al
    test %al, %al
    jz 7f
    mov $0x3f8, %dx
    outb %al, %dx
    inc %esi
    jmp 6b
7:  pop %edx
    pop %eax
    ret
newline:
    push %esi
    mov $msg_newline, %esi
    call puts
    pop %esi
    ret
    .data
msg_cmdline: .asciz "probe cmdline: "
msg_module:  .asciz "probe module: "
msg_hang:    .asciz "probe: hanging now\n"
msg_newline: .asciz "\n"
empty_idt:   .word 0
             .long 0
"""


@pytest.fixture(scope="session")
def multiboot_probe(tmp_path_factory):
    """Path of the throwaway multiboot image described above."""
    d = tmp_path_factory.mktemp("probe")
    src, obj, elf = d / "probe.S", d / "probe.o", d / "probe.elf"
    src.write_text(MULTIBOOT_PROBE_S)
    subprocess.run(["gcc", "-m32", "-c", str(src), "-o", str(obj)], check=True)
    subprocess.run(["ld", "-m", "elf_i386", "-Ttext", "0x100000", "-o", str(elf), str(obj)],
                   check=True)
    return elf


# ---------------------------------------------------------------- typing at the guest's shell

INITRD = BUILD / "initrd.cpio"
PROMPT = "/ # "


class SerialConsole:
    """QEMU with the guest's serial port on this process's pipes, to type at the busybox shell
    (tools/moat-qemu reads stdin only interactively). mode "moat": Moat is the multiboot kernel
    and the guest kernel (with guest_args as its command line) and the initrd its modules;
    "native": the guest kernel boots directly. Subclasses may refine `out` and `run`."""

    def __init__(self, mode="native", timeout=120, smp=1, guest_args=""):
        self.deadline = time.monotonic() + timeout
        cmd = ["qemu-system-i386", "-accel", "tcg", "-cpu", "max", "-m", "256",
               *(["-smp", str(smp)] if smp != 1 else []), "-display", "none", "-no-reboot", "-monitor", "none", "-nic", "none",
               "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        if mode == "moat":  # Moat is the multiboot kernel; the guest and initrd its modules
            guest = f"{KERNEL} {guest_args}" if guest_args else str(KERNEL)
            cmd += ["-kernel", str(MOAT), "-initrd", f"{guest},{INITRD}"]
        else:
            cmd += ["-kernel", str(KERNEL), "-initrd", str(INITRD)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, cwd=REPO)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.proc.stdout, selectors.EVENT_READ)
        self.raw = ""

    @property
    def out(self):
        return self.raw.replace("\r\n", "\n")

    def read_until(self, text, start=0):
        """Output up to and including the first `text` after offset start; fails on timeout."""
        while text not in self.out[start:]:
            left = self.deadline - time.monotonic()
            if left <= 0:
                self.close()
                pytest.fail(f"timed out waiting for {text!r}; output:\n{self.tail()}")
            if not self.sel.select(timeout=min(left, 1.0)):
                continue
            data = os.read(self.proc.stdout.fileno(), 65536)
            if not data:
                self.close()
                pytest.fail(f"QEMU ended before {text!r}; output:\n{self.tail()}")
            self.raw += data.decode("utf-8", "replace")
        return self.out[start:self.out.index(text, start) + len(text)]

    def run(self, line):
        """Types one command line at the prompt; returns what it printed before the next one."""
        start = len(self.out)
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()
        text = self.read_until(PROMPT, start)
        # the echo of the line itself, then the output, then the prompt
        text = text[:-len(PROMPT)]
        if line in text:
            text = text[text.index(line) + len(line):]
        return text.lstrip("\n")

    def wait(self):
        try:
            status = self.proc.wait(timeout=max(1, self.deadline - time.monotonic()))
            self.raw += self.proc.stdout.read().decode("utf-8", "replace")
            return status
        except subprocess.TimeoutExpired:
            self.close()
            pytest.fail("QEMU did not power off; output:\n" + self.tail())

    def tail(self, n=60):
        return "\n".join(self.out.splitlines()[-n:])

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


CPU = "/sys/devices/system/cpu"
# cpuN/stat (kernel/fs/sysfs.c); "tasks T" (task switch-ins on that CPU) is newer than the rest
CPU_STAT = re.compile(r"ticks (\d+) ipis (\d+) stray (\d+) boots (\d+) state (\w+)(?: tasks (\d+))?")


def parse_cpu_stat(line):
    """A cpuN/stat line as a dict (tasks is None on a kernel that does not count it); None if
    the line is not one."""
    m = CPU_STAT.search(line)
    if not m:
        return None
    return {"ticks": int(m[1]), "ipis": int(m[2]), "stray": int(m[3]), "boots": int(m[4]),
            "state": m[5], "tasks": int(m[6]) if m[6] is not None else None}


class Shell(SerialConsole):
    """The busybox shell on QEMU's serial port (SerialConsole) with smp CPUs, on Moat
    with `vcpus=` when vcpus is given. Its output drops terminal escapes and the kernel's
    one-time "syscall N not implemented" notices, which the hotplug reads must not see."""

    def __init__(self, smp, vcpus=None, timeout=90):
        super().__init__("moat" if vcpus else "native", timeout, smp=smp,
                         guest_args=f"vcpus={vcpus}" if vcpus else "")

    @property
    def out(self):
        return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", super().out)

    def run(self, line):
        return re.sub(r"^syscall \d+ not implemented .*\n", "", super().run(line), flags=re.M)

    def last(self, line):
        """The last line a command printed (the console echo of the typed line may arrive in
        pieces, redrawn by busybox's line editor, so only the end of the output is certain)."""
        out = self.run(line).strip().splitlines()
        return out[-1].strip() if out else ""

    def stat(self, cpu):
        line = self.last(f"cat {CPU}/cpu{cpu}/stat")
        st = parse_cpu_stat(line)
        assert st, line
        return st
