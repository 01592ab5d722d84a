"""Malformed guest images (tests/guests/make-bad-images: one broken rule each, from hello.elf)
are refused by Moat's domain builder with their own reason: Moat prints
"moat: domain builder: <reason>", leaves QEMU through the failure exit (not a triple fault, not
a hang) and tools/moat-qemu exits non-zero well within the timeout."""

import re

import pytest

from conftest import BUILD, MOAT, require, run_moat_qemu, show

BAD = BUILD / "tests" / "guests" / "bad"
TIMEOUT = 30


def expected():
    manifest = BAD / "expected.tsv"
    if not manifest.is_file():
        return [pytest.param(None, None, marks=pytest.mark.xfail(
            reason="build/tests/guests/bad/expected.tsv missing: run make", strict=True))]
    rows = [line.rstrip("\n").split("\t", 1) for line in manifest.read_text().splitlines()]
    return [pytest.param(name, why, id=name) for name, why in rows]


def test_manifest_covers_the_required_cases():
    require(BAD / "expected.tsv")
    names = {line.split("\t")[0] for line in (BAD / "expected.tsv").read_text().splitlines()}
    for must in ["truncated.elf", "not-elf.elf", "elf64.elf", "pae-no.elf",
                 "hypervisor-area.elf", "overlap.elf", "note-past-section.elf",
                 "entry-outside.elf", "required-feature.elf"]:
        assert must in names


@pytest.mark.parametrize("name,why", expected())
def test_bad_image_refused_with_reason(name, why):
    require(MOAT)
    image = require(BAD / name)
    boot = run_moat_qemu("--initrd", "none", image, timeout=TIMEOUT)
    assert boot.status != 0, show(boot)
    assert f"moat: domain builder: {why}" in boot.stdout, show(boot)
    # refused by the builder and reported through the failure exit, long before the timeout
    assert re.search(r"\b35\b", boot.stderr), show(boot)
    assert boot.seconds < TIMEOUT, show(boot)
    assert "starting domain 0" not in boot.stdout, show(boot)
