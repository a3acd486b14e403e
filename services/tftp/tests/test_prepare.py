"""``python -m bmp_tftp prepare``: the iPXE boot programs land in the root, whole and readable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bmp_tftp.prepare import BOOT_PROGRAMS, IPXE_SOURCE, MissingBootPrograms, prepare_root

from .conftest import RunningServer, download


def test_copies_every_boot_program(tmp_path):
    source = tmp_path / "ipxe"
    source.mkdir()
    for index, name in enumerate(BOOT_PROGRAMS):
        (source / name).write_bytes(bytes([index]) * (1000 + index))
    root = tmp_path / "root"
    written = prepare_root(root, source)
    assert sorted(p.name for p in written) == sorted(BOOT_PROGRAMS)
    for name in BOOT_PROGRAMS:
        assert (root / name).read_bytes() == (source / name).read_bytes()
        assert (root / name).stat().st_mode & 0o777 == 0o444
    assert sorted(p.name for p in root.iterdir()) == sorted(BOOT_PROGRAMS)  # no partial files
    prepare_root(root, source)  # again, over read-only files: an upgrade replaces them


def test_a_missing_program_is_named(tmp_path):
    (tmp_path / "undionly.kpxe").write_bytes(b"x")
    with pytest.raises(MissingBootPrograms, match=r"ipxe\.efi, snponly\.efi not found"):
        prepare_root(tmp_path / "root", tmp_path)


def test_debian_ipxe_programs_are_served(tmp_path):
    """The real thing: Debian's ipxe package, copied by the command, then fetched over TFTP."""
    if not (IPXE_SOURCE / "undionly.kpxe").is_file():
        pytest.fail("Debian's ipxe package is missing: apt-get install ipxe")
    root = tmp_path / "root"
    done = subprocess.run(
        [sys.executable, "-m", "bmp_tftp", "prepare", "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("prepared ") == 3

    server = RunningServer(root)
    try:
        for name in BOOT_PROGRAMS:
            assert download(server.port, name, blksize=1432) == (IPXE_SOURCE / name).read_bytes()
    finally:
        server.stop()


def test_prepare_without_ipxe_says_what_to_install(tmp_path):
    command = [sys.executable, "-m", "bmp_tftp", "prepare", "--root", str(tmp_path / "r")]
    done = subprocess.run(
        [*command, "--source", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "apt-get install ipxe" in done.stderr
    assert not Path(tmp_path / "r").exists()
