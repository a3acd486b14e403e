"""newc archives: what GNU cpio (the format's reference reader) extracts from ours."""

import os
import stat
import subprocess

import pytest

from bmp_common import cpio
from bmp_common.testing.requirements import require_tools

TOKEN_ARCHIVE = [
    cpio.directory("etc"),
    cpio.directory("etc/bmp", 0o700),
    cpio.regular_file("etc/bmp/agent-token", b"tok-123_odd-length", 0o600),
]


def test_gnu_cpio_extracts_the_files_with_their_modes(tmp_path):
    require_tools("cpio", install="apt-get install cpio (run-tests.sh does)")
    archive = cpio.write(TOKEN_ARCHIVE, mtime=1_700_000_000)
    listing = subprocess.run(
        ["cpio", "-i", "-d", "--no-absolute-filenames", "--quiet"],
        input=archive,
        cwd=tmp_path,
        capture_output=True,
        check=True,
    )
    assert listing.stderr == b""
    token = tmp_path / "etc" / "bmp" / "agent-token"
    assert token.read_bytes() == b"tok-123_odd-length"  # no newline added
    assert stat.S_IMODE(os.stat(token).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(token.parent).st_mode) == 0o700


def test_read_returns_what_write_wrote():
    archive = cpio.write(TOKEN_ARCHIVE)
    assert len(archive) % 4 == 0
    assert cpio.read(archive) == TOKEN_ARCHIVE
    token = cpio.read(archive)[2]
    assert (token.permissions, token.is_dir) == (0o600, False)


def test_read_refuses_what_is_not_an_archive():
    with pytest.raises(cpio.CpioError):
        cpio.read(b"#!ipxe\nsanboot\n")
    with pytest.raises(cpio.CpioError):
        cpio.read(cpio.write(TOKEN_ARCHIVE)[:-200])
