"""The real server as a process (``python -m bmp_tftp``) on 127.0.0.1, over a root of test files."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import tftpy

BLOCK = 512
LOOPBACK_ANY_PORT = ("--host", "127.0.0.1", "--port", "0")  # the server logs the port it got

logging.getLogger("tftpy").setLevel(logging.CRITICAL)  # it logs every refusal at ERROR


def download(port: int, name: str, **options) -> bytes:
    """``name`` fetched with tftpy, a client independent of fbtftp."""
    client = tftpy.TftpClient("127.0.0.1", port, options=options)
    buffer = io.BytesIO()
    client.download(name, buffer, timeout=5)
    return buffer.getvalue()


class RunningServer:
    def __init__(self, root: Path):
        self.root = root
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bmp_tftp", "--root", str(root), *LOOPBACK_ANY_PORT],
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[dict] = []
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()
        self.port = self._wait_for("listening", timeout=20)["port"]

    def _read_log(self) -> None:
        for line in self.process.stderr:
            try:
                self.lines.append(json.loads(line))
            except ValueError:
                self.lines.append({"raw": line})

    def _wait_for(self, event: str, timeout: float = 5, **match) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for entry in list(self.lines):
                if entry.get("event") == event and all(entry.get(k) == v for k, v in match.items()):
                    return entry
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited: {self.lines}")
            time.sleep(0.02)
        raise AssertionError(f"no {event} {match} in the log: {self.lines}")

    def transfer_log(self, file: str) -> dict:
        return self._wait_for("tftp_transfer", file=file)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


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
