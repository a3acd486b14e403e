"""The real server as a process (`python -m bmp_image`) on 127.0.0.1, over a root of test files."""

from __future__ import annotations

import http.client
import os
import sys
from pathlib import Path

import pytest

from bmp_common.testing.logged_process import LoggedProcess

BIG = 5 * 1024 * 1024 + 17  # several sendfile rounds, not a multiple of a page


class RunningServer(LoggedProcess):
    def __init__(self, root: Path):
        super().__init__(
            [sys.executable, "-m", "bmp_image", "--root", str(root), "--bind", "127.0.0.1:0"]
        )

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def fetch(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
        """(status, headers, body) of one request on a new connection; the path is sent as is."""
        connection = self.connect()
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()


@pytest.fixture(scope="module")
def image_root(tmp_path_factory) -> Path:
    """One root per test module: no test writes to it (writes are refused, and checked)."""
    base = tmp_path_factory.mktemp("image")
    root = base / "images"
    (root / "liveos").mkdir(parents=True)
    (root / "liveos" / "vmlinuz").write_bytes(os.urandom(100_000))
    (root / "big.tar.xz").write_bytes(os.urandom(BIG))
    (root / "empty.img").write_bytes(b"")
    (root / "boot.ipxe").write_text("#!ipxe\nsanboot --no-describe --drive 0x80\n")
    (root / "name with space.qcow2").write_bytes(b"qcow")
    secret = base / "secret.txt"
    secret.write_text("not for clients\n")
    (root / "link-out").symlink_to(secret)
    (root / "link-in").symlink_to(root / "liveos" / "vmlinuz")
    return root


@pytest.fixture(scope="module")
def image_server(image_root):
    server = RunningServer(image_root)
    try:
        yield server
    finally:
        server.stop()
