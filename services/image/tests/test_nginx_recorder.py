"""Docker's image service: Debian's nginx with deploy/docker/nginx-image.conf, run as the image
runs it (``python -m bmp_image.nginx_log -- nginx ...``), on a loopback port; what it serves
shows up in the flight recorder, and its access lines still reach the container's log."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from bmp_common import flight
from bmp_common.testing.ports import free_port
from bmp_common.testing.requirements import require_tools

CONF = Path(__file__).resolve().parents[3] / "deploy" / "docker" / "nginx-image.conf"
KERNEL = os.urandom(100_000)


def nginx_conf(work: Path, root: Path, port: int) -> Path:
    """The image's configuration, with the paths and the port of this test."""
    text = CONF.read_text()
    for old, new in {
        "listen 10000 default_server;": f"listen 127.0.0.1:{port} default_server;",
        "root /srv/bmp-image;": f"root {root};",
        "pid /tmp/nginx.pid;": f"pid {work}/nginx.pid;",
        "/tmp/nginx-": f"{work}/nginx-",
    }.items():
        assert old in text, f"{CONF.name} no longer has {old!r}: update this test"
        text = text.replace(old, new)
    path = work / "nginx.conf"
    path.write_text(text)
    return path


class NginxService:
    """The launcher and its nginx; ``lines``: what it wrote to its standard output."""

    def __init__(self, work: Path, root: Path):
        self.port = free_port()
        conf = nginx_conf(work, root, self.port)
        nginx = ["nginx", "-c", str(conf), "-e", "stderr", "-g", "daemon off;"]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bmp_image.nginx_log", "--", *nginx],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self._wait_healthy()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def _wait_healthy(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, "the launcher or nginx exited"
            try:
                if self.fetch("GET", "/health")[0] == 200:
                    return
            except OSError:
                pass
            assert time.monotonic() < deadline, "nginx did not answer /health"
            time.sleep(0.1)

    def fetch(self, method: str, path: str) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


@pytest.fixture(scope="module")
def nginx_service():
    require_tools("nginx", install="apt-get install nginx-light")
    # nginx's workers run as nobody when the test runs as root: a folder they can read.
    work = Path(tempfile.mkdtemp(prefix="fl-nginx-"))
    try:
        work.chmod(0o755)
        root = work / "root"
        (root / "liveos").mkdir(parents=True)
        (root / "liveos" / "vmlinuz").write_bytes(KERNEL)
        for folder in (root, root / "liveos"):
            folder.chmod(0o755)
        (root / "liveos" / "vmlinuz").chmod(0o644)
        service = NginxService(work, root)
        try:
            yield service
        finally:
            service.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def fetched_since(since: float, count: int, timeout: float = 5.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while len(found := flight.read("-", nodes=["127.0.0.1"], since=since)) < count:
        assert time.monotonic() < deadline, found
        time.sleep(0.05)
    return found


def test_each_file_nginx_serves_is_in_the_flight_recorder_by_client_address(nginx_service):
    since = time.time()
    assert nginx_service.fetch("GET", "/liveos/vmlinuz?try=1") == (200, KERNEL)
    assert nginx_service.fetch("HEAD", "/liveos/vmlinuz")[0] == 200
    assert nginx_service.fetch("GET", "/no-such-file")[0] == 404
    assert nginx_service.fetch("POST", "/liveos/vmlinuz")[0] == 405  # not a fetch: not recorded
    assert nginx_service.fetch("GET", "/health")[0] == 200  # not logged by nginx at all

    fetched = fetched_since(since, 3)

    assert [(e["source"], e["kind"]) for e in fetched] == [("http", "file_fetched")] * 3
    details = [e["detail"] for e in fetched]
    assert [(d["file"], d["status"]) for d in details] == [
        ("/liveos/vmlinuz", 200),
        ("/liveos/vmlinuz", 200),
        ("/no-such-file", 404),
    ]
    assert [d["bytes"] for d in details[:2]] == [len(KERNEL), 0]
    time.sleep(0.3)
    assert len(flight.read("-", nodes=["127.0.0.1"], since=since)) == 3


def test_nginx_access_lines_still_reach_the_container_log(nginx_service):
    nginx_service.fetch("GET", "/liveos/vmlinuz?log=1")
    deadline = time.monotonic() + 5
    while not any("log=1" in line for line in nginx_service.lines):
        assert time.monotonic() < deadline, nginx_service.lines
        time.sleep(0.05)
    line = json.loads(next(line for line in nginx_service.lines if "log=1" in line))
    assert line["event"] == "http_access" and line["service"] == "image"
    assert (line["client"], line["method"], line["status"]) == ("127.0.0.1", "GET", 200)
    assert line["path"] == "/liveos/vmlinuz?log=1" and line["bytes"] == len(KERNEL)


def test_a_stop_signal_reaches_nginx_and_the_launcher_exits_with_it(tmp_path):
    require_tools("nginx", install="apt-get install nginx-light")
    work = Path(tempfile.mkdtemp(prefix="fl-nginx-"))
    try:
        work.chmod(0o755)
        (work / "root").mkdir(mode=0o755)
        service = NginxService(work, work / "root")
        assert service.stop() == 0
        with pytest.raises(OSError):
            service.fetch("GET", "/health")  # nginx is gone with it
    finally:
        shutil.rmtree(work, ignore_errors=True)
