"""Third-party-style Xen PV test guests (tests/guests/, built against Xen's public headers only)
boot on Moat as the initial domain, exactly as they boot on real Xen 4.17 (checked with
/work/shared/tools/run-on-xen): the three ways a guest describes itself (Linux-style notes,
XTF-style section notes, legacy __xen_guest), the start-of-day layout of xen.h, and the
hypercall answers of probe.elf."""

import re

import pytest

from conftest import BUILD, MOAT, require, run_moat_qemu, show

GUESTS = BUILD / "tests" / "guests"
HELLOS = ["hello", "hello-low", "hello-legacy"]
PAGE = 4096


def field(out, name):
    m = re.search(r"^%s: (\S*)" % re.escape(name), out, re.M)
    assert m, f"no '{name}:' line in the guest output"
    return m.group(1)


def number(out, name):
    return int(field(out, name), 0)


def pgup(v):
    return (v + PAGE - 1) & ~(PAGE - 1)


def check_cpus(out, smp):
    """Moat brought up every physical CPU QEMU gave it (issue 10: the guests must not notice)."""
    want = "moat: 1 CPU online" if smp == 1 else f"moat: {smp} CPUs online"
    assert want in out, f"no '{want}' line"


# --smp 2: a one-vcpu guest on a two-CPU Moat behaves exactly as on one (issue 10 "Done when").
@pytest.mark.parametrize("smp", [1, 2])
@pytest.mark.parametrize("guest", HELLOS)
def test_hello_boots_and_powers_off(guest, smp):
    require(MOAT)
    elf = require(GUESTS / f"{guest}.elf")
    boot = run_moat_qemu("--smp", smp, "--initrd", "none", elf, "console=hvc0", "greeting=hi",
                         timeout=60)
    assert boot.status == 0, show(boot)
    out = boot.stdout
    check_cpus(out, smp)
    assert "hello from a Xen PV guest" in out, show(boot)
    assert "magic: xen-3.0-x86_32p" in out, show(boot)
    assert "hello: powering off" in out, show(boot)
    assert "moat: domain 0 shut down: poweroff" in out, show(boot)
    assert re.search(r"^cmd_line: .*console=hvc0 greeting=hi", out, re.M), show(boot)
    assert number(out, "nr_pages") > 0
    # xen.h start-of-day order: p2m list, start_info, page tables (L3 first), stack, each
    # element 4 KB aligned and packed, the p2m holding nr_pages 4-byte entries
    nr_pages = number(out, "nr_pages")
    mfn_list = number(out, "mfn_list")
    start_info = int(re.search(r"^start_info: (0x[0-9a-f]+)", out, re.M).group(1), 16)
    stack = int(re.search(r"stack: (0x[0-9a-f]+)", out).group(1), 16)
    pt_base = number(out, "pt_base")
    nr_pt = number(out, "nr_pt_frames")
    assert mfn_list % PAGE == 0
    assert start_info == pgup(mfn_list + 4 * nr_pages), show(boot)
    assert pt_base == start_info + PAGE, show(boot)
    # 1 L3 + 4 L2 + one L1 per 2 MB of the region, as Xen 4.17 counts for a 32-bit guest
    assert nr_pt >= 6, show(boot)
    stack_end = pt_base + (nr_pt + 1) * PAGE
    assert stack_end - PAGE < stack < stack_end, show(boot)
    assert number(out, "flags") & 0x2, "SIF_INITDOMAIN not set"


def test_hello_memory_option():
    require(MOAT)
    elf = require(GUESTS / "hello.elf")
    boot = run_moat_qemu("--initrd", "none", elf, "mem=64M", timeout=60)
    assert boot.status == 0, show(boot)
    assert number(boot.stdout, "nr_pages") == 64 * 256, show(boot)


@pytest.mark.parametrize("guest", ["hello", "hello-low"])
def test_hello_sees_its_initrd(guest, tmp_path):
    require(MOAT)
    elf = require(GUESTS / f"{guest}.elf")
    initrd = tmp_path / "initrd.bin"
    data = b"MOATINIT" + bytes(range(256)) * 40  # 10248 bytes: spans three pages
    initrd.write_bytes(data)
    boot = run_moat_qemu("--initrd", initrd, elf, timeout=60)
    assert boot.status == 0, show(boot)
    out = boot.stdout
    m = re.search(r"^mod_start: (0x[0-9a-f]+) mod_len: (\d+)", out, re.M)
    assert m, show(boot)
    mod_start, mod_len = int(m.group(1), 16), int(m.group(2))
    assert mod_len == len(data)
    assert mod_start % PAGE == 0
    # the initrd comes right after the kernel, the p2m list right after the initrd
    assert number(out, "mfn_list") == pgup(mod_start + mod_len), show(boot)
    assert "initrd: 4d 4f 41 54 49 4e 49 54" in out, show(boot)


@pytest.mark.parametrize("smp", [1, 2])
def test_probe_hypercall_answers(smp):
    require(MOAT)
    elf = require(GUESTS / "probe.elf")
    boot = run_moat_qemu("--smp", smp, "--initrd", "none", elf, timeout=60)
    out = boot.stdout
    check_cpus(out, smp)
    not_ok = re.findall(r"^not ok \d+ - .*$", out, re.M)
    assert not not_ok, "\n".join(not_ok) + "\n" + show(boot)
    oks = re.findall(r"^ok (\d+) - ", out, re.M)
    m = re.search(r"^probe: (\d+) passed, (\d+) failed$", out, re.M)
    assert m, show(boot)
    assert int(m.group(2)) == 0 and int(m.group(1)) == len(oks) >= 37, show(boot)
    assert [int(n) for n in oks] == list(range(1, len(oks) + 1)), "probe lines missing"
    assert boot.status == 0, show(boot)
    assert "moat: domain 0 shut down: poweroff" in out, show(boot)
