"""tools/check-privileged must be able to fail: planted violations compiled with the kernel's own
flags, in a directory laid out like the kernel's object tree, are found and named; clean and
exempt objects pass; and the real kernel objects pass (`make check-privileged`)."""

import shlex
import subprocess
from pathlib import Path

import pytest

from conftest import REPO

CHECK = REPO / "tools" / "check-privileged"


def kernel_cflags():
    """FREESTANDING_CFLAGS plus kernel_CFLAGS, asked from the Makefile so they never drift."""
    out = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval",
         "h3-kernel-cflags: ; @echo $(FREESTANDING_CFLAGS) $(kernel_CFLAGS)", "h3-kernel-cflags"],
        cwd=REPO, capture_output=True, text=True, check=True).stdout
    return shlex.split(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def cflags():
    return kernel_cflags()


def compile_c(cflags, objdir, rel, source):
    src = objdir.parent / "src" / Path(rel).with_suffix(".c")
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_text(source)
    obj = objdir / rel
    obj.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["gcc"] + cflags + ["-c", str(src), "-o", str(obj)], cwd=REPO, check=True)
    return obj


def assemble_s(objdir, rel, source):
    src = objdir.parent / "src" / Path(rel).with_suffix(".S")
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_text(source)
    obj = objdir / rel
    obj.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["gcc", "-m32", "-D__ASSEMBLY__", "-c", str(src), "-o", str(obj)],
                   check=True)
    return obj


def check(objdir):
    proc = subprocess.run([str(CHECK), str(objdir)], capture_output=True, text=True,
                          timeout=120)
    return proc.returncode, proc.stdout + proc.stderr


CLEAN_C = "int triple(int x) { return 3 * x; }\n"
CLI_C = "void planted_cli(void) { asm volatile(\"cli\"); }\n"
OUTB_C = """
static inline void outb(unsigned short port, unsigned char v)
{ asm volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
void planted_outb(void) { outb(0x3f8, 'x'); }
"""


def test_planted_cli_is_found_and_named(cflags, tmp_path):
    objdir = tmp_path / "kernel"
    compile_c(cflags, objdir, "core/ok.o", CLEAN_C)
    compile_c(cflags, objdir, "core/planted_cli.o", CLI_C)
    status, out = check(objdir)
    assert status != 0, out
    assert "core/planted_cli.o: planted_cli+0x" in out
    assert "'cli'" in out
    assert "core/ok.o" not in out.split("FAILED")[0], "the clean object must not be blamed"


def test_planted_outb_is_found_and_named(cflags, tmp_path):
    objdir = tmp_path / "kernel"
    compile_c(cflags, objdir, "drivers/planted_outb.o", OUTB_C)
    status, out = check(objdir)
    assert status != 0, out
    assert "drivers/planted_outb.o: planted_outb+0x" in out
    assert "'out %al,(%dx)'" in out


@pytest.mark.parametrize("insn", [
    "sti", "hlt", "lidt (%eax)", "lgdt (%eax)", "ltr %ax", "mov %cr3,%eax", "mov %eax,%cr0",
    "invlpg (%eax)", "wrmsr", "rdmsr", "popf", "wbinvd", "clts", "inb %dx,%al", "insl",
    "outsw", "rep outsb", "iret", "mov %db7,%eax", "cpuid",
])
def test_each_forbidden_instruction_is_caught(cflags, tmp_path, insn):
    objdir = tmp_path / "kernel"
    compile_c(cflags, objdir, "mm/planted.o",
              f'void planted(void) {{ asm volatile("{insn}"); }}\n')
    status, out = check(objdir)
    assert status != 0, out
    assert "mm/planted.o: planted+0x0" in out


def test_clean_objects_pass(cflags, tmp_path):
    objdir = tmp_path / "kernel"
    compile_c(cflags, objdir, "core/ok.o", CLEAN_C)
    compile_c(cflags, objdir, "mm/ok2.o", CLEAN_C.replace("triple", "thrice"))
    status, out = check(objdir)
    assert status == 0, out
    assert "check-privileged: 2 objects clean" in out


def test_native_backend_and_assembled_entry_code_are_exempt(cflags, tmp_path):
    objdir = tmp_path / "kernel"
    compile_c(cflags, objdir, "pv/native.o", CLI_C)
    assemble_s(objdir, "arch/x86_32/entry.o", ".text\n.globl e\ne: cli\n hlt\n iret\n")
    compile_c(cflags, objdir, "core/ok.o", CLEAN_C)
    status, out = check(objdir)
    assert status == 0, out
    assert "check-privileged: 1 objects clean" in out


def test_c_in_the_entry_directory_is_not_exempt(cflags, tmp_path):
    # Only code assembled from .S is entry code; C cannot hide in arch/x86_32/.
    objdir = tmp_path / "kernel"
    compile_c(cflags, objdir, "arch/x86_32/sneaky.o", CLI_C)
    status, out = check(objdir)
    assert status != 0, out
    assert "arch/x86_32/sneaky.o: planted_cli" in out


def test_a_native_object_elsewhere_is_not_exempt(cflags, tmp_path):
    objdir = tmp_path / "kernel"
    compile_c(cflags, objdir, "pv/xen/native.o", CLI_C)
    status, out = check(objdir)
    assert status != 0, out


def test_pv_cpuid_prefix_is_allowed_but_plain_cpuid_is_not(cflags, tmp_path):
    objdir = tmp_path / "kernel"
    compile_c(cflags, objdir, "pv/xen/cpuid.o",
              'void pv_cpuid(void) { asm volatile("ud2; .ascii \\"xen\\"; cpuid" ::: '
              '"eax", "ebx", "ecx", "edx"); }\n')
    status, out = check(objdir)
    assert status == 0, out
    compile_c(cflags, objdir, "core/raw_cpuid.o",
              'void raw_cpuid(void) { asm volatile("cpuid" ::: "eax", "ebx", "ecx", "edx"); }\n')
    status, out = check(objdir)
    assert status != 0, out
    assert "core/raw_cpuid.o: raw_cpuid" in out
    assert "pv/xen/cpuid.o" not in out


def test_no_objects_is_a_failure(tmp_path):
    status, out = check(tmp_path)
    assert status != 0
    assert "no objects" in out


def test_the_real_kernel_objects_are_clean():
    proc = subprocess.run(["make", "-s", "--no-print-directory", "check-privileged"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "objects clean" in out
    n = int(out.split("check-privileged: ", 1)[1].split()[0])
    assert n > 0
