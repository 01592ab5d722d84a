"""Build configuration (issue 11): config/default.config, overridable on the make command line,
turned into ONE generated header ($(BUILD)/config.h, -include'd by every compile), and a
reduced configuration that `make test` builds and boots so options cannot rot.

The reduced configuration (Makefile: MIN_CONFIG, built by `make test-min` into build/min):
CONFIG_SMP=n CONFIG_HOTPLUG_CPU=n CONFIG_VM86=n CONFIG_MOAT_GUEST=n CONFIG_DEBUG=n. Checked:
  - both headers define every option exactly once, as 1 or 0, with the configured values;
  - the reduced kernel boots natively with `test` and both suites pass;
  - it has no vm86 monitor and no PV backend in it, and no Xen ELF notes, so Moat refuses to
    build a domain from it with the domain builder's message (the default kernel has both);
  - it is smaller than the default kernel (`make sizes` prints both, size(1) style);
  - config.h is rewritten only when the configuration changes, and an object built with one
    configuration is out of date under another (checked with `make -q` on one lib object in a
    scratch BUILD directory, so nothing under build/ is touched).
"""

import re
import subprocess

from conftest import BUILD, KERNEL, MOAT, REPO, require, run_moat_qemu, show

MIN = BUILD / "min"
MIN_KERNEL = MIN / "kernel"
OPTIONS = ["CONFIG_SMP", "CONFIG_HOTPLUG_CPU", "CONFIG_VM86", "CONFIG_MOAT_GUEST", "CONFIG_DEBUG"]
MIN_CONFIG = {"CONFIG_SMP": 0, "CONFIG_HOTPLUG_CPU": 0, "CONFIG_VM86": 0,
              "CONFIG_MOAT_GUEST": 0, "CONFIG_DEBUG": 0}
KSUMMARY = re.compile(r"^kernel: (\d+) passed, (\d+) failed\s*$", re.M)
USUMMARY = re.compile(r"^usertests: (\d+) passed, (\d+) failed\s*$", re.M)


def defines(path):
    text = require(path).read_text()
    found = re.findall(r"^#define (CONFIG_\w+) (\S+)$", text, re.M)
    names = [n for n, _ in found]
    assert sorted(names) == sorted(OPTIONS), f"{path}: {names}"
    assert all(v in ("0", "1") for _, v in found), f"{path}: {found}"
    return {n: int(v) for n, v in found}


def default_config():
    vals = dict(re.findall(r"^(CONFIG_\w+)\s*=\s*([yn])\s*$",
                           (REPO / "config" / "default.config").read_text(), re.M))
    return {n: 1 if vals[n] == "y" else 0 for n in OPTIONS}


def symbols(path):
    out = subprocess.run(["nm", str(path)], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def notes(path):
    """readelf's dump of the ELF notes (it exits 1 on the reduced kernel's empty PT_NOTE
    segment, which the linker script always declares; the dump is what matters)."""
    return subprocess.run(["readelf", "-n", str(path)], capture_output=True, text=True).stdout


def make(*args):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=REPO,
                          capture_output=True, text=True)


def test_headers_hold_the_configured_values():
    assert defines(BUILD / "config.h") == default_config()
    assert defines(MIN / "config.h") == MIN_CONFIG


def test_reduced_kernel_boots_natively_and_passes():
    require(MIN_KERNEL)
    boot = run_moat_qemu("--native", MIN_KERNEL, "test", timeout=150)
    k, u = KSUMMARY.findall(boot.stdout), USUMMARY.findall(boot.stdout)
    assert k and u, "missing test summaries\n" + show(boot)
    assert int(k[-1][1]) == 0 and int(k[-1][0]) > 0, show(boot)
    assert int(u[-1][1]) == 0 and int(u[-1][0]) > 0, show(boot)
    assert "KERNEL PANIC" not in boot.stdout, show(boot)
    assert boot.status == 0, show(boot)


def test_reduced_kernel_leaves_out_vm86_and_the_pv_backend():
    full, small = symbols(require(KERNEL)), symbols(require(MIN_KERNEL))
    for sym in ("do_vm86", "vm86_trap", "vm86_monitor_gp", "xen_entry", "hypercall_page"):
        assert sym in full, f"{sym} missing from the default kernel"
        assert sym not in small, f"{sym} still in the reduced kernel"
    # the system-call entries stay (they answer -ENOSYS)
    assert {"sys_vm86", "sys_vm86old"} <= small
    assert "Xen" in notes(KERNEL)
    assert "Xen" not in notes(MIN_KERNEL)


def test_moat_refuses_the_native_only_kernel():
    require(MOAT)
    require(MIN_KERNEL)
    boot = run_moat_qemu(MIN_KERNEL, timeout=60)
    assert "domain builder: no Xen notes and no __xen_guest section" in boot.stdout, show(boot)
    assert boot.status != 0, show(boot)


def test_make_sizes_reports_both_configurations():
    r = make("sizes")
    assert r.returncode == 0, r.stdout + r.stderr
    rows = re.findall(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+[0-9a-f]+\s+(\S+)$", r.stdout, re.M)
    by_file = {f: (int(t), int(d), int(b)) for t, d, b, f in rows}
    assert set(by_file) == {"build/kernel", "build/min/kernel"}, r.stdout
    assert by_file["build/min/kernel"][0] < by_file["build/kernel"][0], r.stdout
    assert "CONFIG_VM86=n" in r.stdout, r.stdout


def test_config_header_changes_only_with_the_configuration(tmp_path):
    obj = tmp_path / "lib" / "string.o"
    base = [f"BUILD={tmp_path}", "CONFIG_DEBUG=n"]
    r = make(*base, str(obj))
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"-include {tmp_path}/config.h" in r.stdout and "-Wundef" in r.stdout, r.stdout
    header = tmp_path / "config.h"
    stamp = header.stat().st_mtime_ns
    assert make("-q", *base, str(obj)).returncode == 0, "same configuration: up to date"
    assert header.stat().st_mtime_ns == stamp, "config.h rewritten without a change"
    # another value: the header changes, and the object compiled with the old one is stale
    assert make("-q", f"BUILD={tmp_path}", "CONFIG_DEBUG=y", str(obj)).returncode == 1
    assert "#define CONFIG_DEBUG 1" in header.read_text()
    r = make(f"BUILD={tmp_path}", "CONFIG_DEBUG=oops", "config")
    assert r.returncode != 0 and "must be y or n" in r.stderr, r.stdout + r.stderr


def test_make_prints_the_active_configuration():
    r = make("BUILD=build/min", *(f"{k}={'y' if v else 'n'}" for k, v in MIN_CONFIG.items()), "config")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ("config (build/min): CONFIG_SMP=n CONFIG_HOTPLUG_CPU=n "
                                "CONFIG_VM86=n CONFIG_MOAT_GUEST=n CONFIG_DEBUG=n"), r.stdout
