"""tools/bench and the kernel's `bench` mode (issue 9): the harness parses what the guest prints,
reports what is missing instead of inventing it, and icount runs are repeatable to the
instruction. Quick by design (about 30 s): the full suite is `make bench`, not part of make test.
"""

import importlib.machinery
import importlib.util
import subprocess

import pytest

from conftest import BUILD, KERNEL, MOAT, REPO, require, run_moat_qemu, show


def load_bench_tool():
    path = str(REPO / "tools" / "bench")
    loader = importlib.machinery.SourceFileLoader("bench_tool", path)
    spec = importlib.util.spec_from_loader("bench_tool", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


bench = load_bench_tool()

# What the kernel prints on Moat (kbench.h), with the noise around it that real runs have:
# other console lines, a Xen-style prefix, CRLF line ends, Moat's shutdown line.
TRANSCRIPT = """\
Moat guest kernel 0.1: booting on Xen PV ABI (Xen 4.17.0-moat)\r
bench: boot_tsc 667149365 kernel-init\r
bench: counters moat
bench: moat_entry_tsc 8121269
bench: null_hypercall 1000 416 1.000 0.000
bench: mmu_update_512 20 355190 1.000 0.000
(XEN) [    0.49] some hypervisor line bench: exception_int3 200 604 0.000 1.000
bench: error as_switch: an iteration failed
bench: kernel-done
bench: user-start
unix: initrd unpacked: 38 files
bench: null_syscall 200 729
bench: stat 200 3648
bench: error fork_exit: 1 of 21 fork+exit children failed
bench: done
bench: user-end 0 14641 6754
bench: user-hypercalls 1:434 26:220 56:3
moat: shutdown after 810367386 TSC ticks; domain 0: 24383 hypercalls (21346 traps), 7159 exceptions, 14 events
"""

NATIVE = """\
bench: boot_tsc 28423855 kernel-init
bench: counters none
bench: null_hypercall n/a native (no hypervisor to call)
bench: mmu_update_512 20 9269 0.000 0.000
bench: exception_int3 200 65 0.000 0.000
bench: as_switch 200 174 0.000 0.000
bench: kernel-done
bench: user-start
bench: null_syscall 200 176
bench: stat 200 3095
bench: fork_exit 20 476307
bench: page_fault 200 16996
bench: done
bench: user-end 0 0 0
"""


def test_parse_kernel_and_user_lines():
    r = bench.parse_output(TRANSCRIPT)
    assert r["boot_tsc"] == 667149365 and r["boot_point"] == "kernel-init"
    assert r["counters"] == "moat" and r["moat_entry_tsc"] == 8121269
    assert r["ops"]["null_hypercall"] == {"kind": "kernel", "iterations": 1000, "ticks": 416,
                                          "traps": 1.0, "exceptions": 0.0}
    assert r["ops"]["exception_int3"]["exceptions"] == 1.0   # found behind a console prefix
    assert r["ops"]["null_syscall"] == {"kind": "user", "iterations": 200, "ticks": 729,
                                        "traps": None, "exceptions": None}
    assert r["errors"] == {"as_switch": "an iteration failed",
                           "fork_exit": "1 of 21 fork+exit children failed"}
    assert "as_switch" not in r["ops"] and "fork_exit" not in r["ops"]
    assert r["kernel_done"] and r["user_started"] and r["user_done"]
    assert r["user_end"] == {"status": 0, "traps": 14641, "exceptions": 6754}
    assert r["user_hypercalls"] == {1: 434, 26: 220, 56: 3}
    assert r["shutdown"] == {"tsc_ticks": 810367386, "hypercalls": 24383, "traps": 21346,
                             "exceptions": 7159, "events": 14}


def test_parse_keeps_kernel_and_user_formats_apart():
    # A 3-field line before user-start is not a user op; a 5-field line inside it is not a
    # kernel op; garbage numbers are not numbers.
    r = bench.parse_output("bench: stat 200 3095\nbench: user-start\n"
                           "bench: as_switch 200 174 0.000 0.000\nbench: stat 2x0 30\n")
    assert r["ops"] == {}


def test_combine_reports_missing_instead_of_inventing():
    native, moat = bench.parse_output(NATIVE), bench.parse_output(TRANSCRIPT)
    report = bench.combine({"native": native, "moat": moat}, ["null_syscall", "stat", "fork_exit",
                                                              "page_fault"], "icount")
    assert report["unit"] == "instructions"
    assert report["boot"] == {"native": 28423855, "moat": 667149365}
    assert report["boot_point"] == "kernel-init"
    ops = {e["name"]: e for e in report["ops"]}
    # The shape: name, native, moat, ratio, moat_traps_per_op on every op.
    for e in report["ops"]:
        for key in ("name", "native", "moat", "ratio", "moat_traps_per_op"):
            assert key in e, (e["name"], key)
    assert ops["mmu_update_512"]["ratio"] == round(355190 / 9269, 3)
    assert ops["mmu_update_512"]["moat_traps_per_op"] == 1.0
    assert ops["null_hypercall"]["native"] is None and ops["null_hypercall"]["ratio"] is None
    assert ops["null_hypercall"]["missing"]["native"].startswith("native")
    assert ops["as_switch"]["moat"] is None
    assert ops["as_switch"]["missing"]["moat"] == "error: an iteration failed"
    assert ops["fork_exit"]["missing"]["moat"].startswith("error:")
    assert ops["page_fault"]["moat"] is None and "page_fault" in [e["name"] for e in report["ops"]]
    assert ops["stat"]["ratio"] == round(3648 / 3095, 3)
    assert "xen" not in report["boot"] and ops["stat"]["xen"] is None
    # The table shows every op and a '-' for what is missing.
    table = bench.render_table(report, False)
    assert "page_fault" in table and "boot (kernel-init)" in table


def test_bench_only_token(tmp_path):
    """kbench_cmdline.c is pure: compiled for the host and checked here."""
    src = tmp_path / "t.c"
    src.write_text(r"""
#include <stdio.h>
#include "bench/kbench.h"
int main(int argc, char **argv) {
    char buf[16];
    for (int i = 1; i < argc; i++) {
        int r = kbench_only_op(argv[i], buf, sizeof buf);
        printf("%d:%s\n", r, r ? buf : "");
    }
    return 0;
}
""")
    exe = tmp_path / "t"
    cc = subprocess.run(["gcc", "-m32", "-DMOAT_HOST_TEST", "-Wall", "-Werror", f"-I{REPO}/kernel",
                         f"-I{REPO}/kernel/include", f"-I{REPO}/include", f"-I{REPO}/lib/include",
                         str(src), str(REPO / "kernel" / "bench" / "kbench_cmdline.c"), "-o", str(exe)],
                        capture_output=True, text=True)
    assert cc.returncode == 0, cc.stderr
    cases = ["bench bench.only=null_syscall", "bench.only=stat loglevel=3", "bench",
             "xbench.only=stat", "bench bench.only=", "bench bench.only=a-b",
             "bench bench.only=" + "x" * 15, "bench bench.only=" + "x" * 16]
    out = subprocess.run([str(exe)] + cases, capture_output=True, text=True).stdout.split("\n")
    assert out[:len(cases)] == ["1:null_syscall", "1:stat", "0:", "0:", "0:", "0:",
                                "1:" + "x" * 15, "0:"]


def kernel_bench(*args):
    boot = run_moat_qemu(*args, timeout=90)
    assert boot.status == 0, show(boot)
    return boot, bench.parse_output(boot.stdout)


def test_native_run_is_repeatable():
    require(KERNEL)
    b1, r1 = kernel_bench("--native", "--icount", KERNEL, "bench")
    b2, r2 = kernel_bench("--native", "--icount", KERNEL, "bench")
    assert r1["counters"] == "none" and r1["kernel_done"], show(b1)
    assert r1["boot_point"] == "kernel-init" and r1["boot_tsc"] > 0
    for name in ("null_hypercall", "hypercall_x16", "multicall_16"):
        assert name in r1["na"], name   # hypercalls are N/A natively, and say so
    for name in ("mmu_update_1", "mmu_update_512", "as_switch", "exception_int3"):
        assert r1["ops"][name]["traps"] == 0.0, name
    assert r1["ops"] == r2["ops"] and r1["boot_tsc"] == r2["boot_tsc"]


def test_moat_run_is_repeatable_and_counts_traps():
    require(KERNEL)
    require(MOAT)
    # The whole `bench` run (kernel ops, then /bin/bench): about 8 s under icount.
    b1, r1 = kernel_bench("--icount", KERNEL, "bench")
    b2, r2 = kernel_bench("--icount", KERNEL, "bench")
    assert r1["counters"] == "moat", show(b1)
    ops = r1["ops"]
    assert ops["null_hypercall"]["traps"] == 1.0
    assert ops["hypercall_x16"]["traps"] == 16.0
    assert ops["multicall_16"]["traps"] == 1.0
    assert ops["mmu_update_512"]["traps"] == 1.0
    assert ops["as_switch"]["traps"] == 1.0 and ops["as_switch_unbatched"]["traps"] == 7.0
    assert ops["exception_int3"]["exceptions"] == 1.0
    assert r1["ops"] == r2["ops"] and r1["boot_tsc"] == r2["boot_tsc"]
    assert r1["user_end"] == r2["user_end"]
