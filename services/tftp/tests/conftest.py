"""The real server as a process (``python -m bmp_tftp``) on 127.0.0.1, over a root of test files."""

from __future__ import annotations

import io
import logging
import os
import sys
from pathlib import Path

import pytest
import tftpy

from bmp_common.testing.logged_process import LoggedProcess

BLOCK = 512
LOOPBACK_ANY_PORT = ("--host", "127.0.0.1", "--port", "0")  # the server logs the port it got

logging.getLogger("tftpy").setLevel(logging.CRITICAL)  # it logs every refusal at ERROR


def download(port: int, name: str, **options) -> bytes:
    """``name`` fetched with tftpy, a client independent of fbtftp."""
    client = tftpy.TftpClient("127.0.0.1", port, options=options)
    buffer = io.BytesIO()
    client.download(name, buffer, timeout=5)
    return buffer.getvalue()


class RunningServer(LoggedProcess):
    def __init__(self, root: Path):
        self.root = root
        super().__init__(
            [sys.executable, "-m", "bmp_tftp", "--root", str(root), *LOOPBACK_ANY_PORT]
        )

    def transfer_log(self, file: str) -> dict:
        return self.wait_for("tftp_transfer", file=file)


@pytest.fixture
def tftp_root(tmp_path) -> Path:
    root = tmp_path / "tftp"
    (root / "sub").mkdir(parents=True)
    (root / "undionly.kpxe").write_bytes(os.urandom(70_001))
    (root / "exact.bin").write_bytes(os.urandom(BLOCK * 3))  # ends with an empty DATA block
    (root / "empty.bin").write_bytes(b"")
    (root / "sub" / "ipxe.efi").write_bytes(os.urandom(2_000))
    secret = tmp_path / "secret.txt"
    secret.write_text("not for clients\n")
    (root / "link-out").symlink_to(secret)
    (root / "link-in").symlink_to(root / "sub" / "ipxe.efi")
    return root


@pytest.fixture
def tftp_server(tftp_root):
    server = RunningServer(tftp_root)
    try:
        yield server
    finally:
        server.stop()
