"""Fixtures: loop devices on sparse files under /tmp/bmpag-*, a temporary target root, a local
HTTP server for images. Everything that touches block devices needs root and the disk tools."""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from bmp_agent.context import StepContext
from bmp_common.testing.requirements import require_root, require_tools

DISK_TOOLS = ["losetup", "sgdisk", "sfdisk", "wipefs", "blkid", "mkfs.ext4", "mkswap", "partprobe"]


def needs_disk_tools(*extra: str):
    """Marks a test (or a module, as ``pytestmark``) that runs the disk tools on loop devices."""
    return pytest.mark.disk_tools(*DISK_TOOLS, *extra)


def pytest_configure(config):
    config.addinivalue_line("markers", "disk_tools(*tools): needs root and these programs")


@pytest.fixture(autouse=True)
def _disk_tools_present(request):
    marker = request.node.get_closest_marker("disk_tools")
    if marker is not None:
        require_root("loop devices")
        require_tools(*marker.args, install="run-tests.sh installs the agent's disk tools")


def sh(*argv: str) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def loop_disks():
    """make(size_mb) -> /dev/loopN on a sparse file; all detached and deleted afterwards."""
    made: list[tuple[str, Path]] = []

    def make(size_mb: int) -> str:
        image = Path(f"/tmp/bmpag-disk-{uuid.uuid4().hex[:8]}.img")
        with open(image, "wb") as out:
            out.truncate(size_mb << 20)
        device = sh("losetup", "--find", "--show", "--partscan", str(image)).strip()
        made.append((device, image))
        return device

    yield make
    for device, image in made:
        for line in Path("/proc/mounts").read_text().splitlines()[::-1]:
            if line.startswith(device):
                subprocess.run(["umount", "-l", line.split()[1]], check=False)
        subprocess.run(["losetup", "-d", device], check=False)
        image.unlink(missing_ok=True)


@pytest.fixture
def target(tmp_path_factory):
    """A target root outside pytest's tmp dir, so a failed unmount cannot block its cleanup."""
    root = Path(f"/tmp/bmpag-target-{uuid.uuid4().hex[:8]}")
    root.mkdir()
    yield root
    for line in Path("/proc/mounts").read_text().splitlines()[::-1]:
        if line.split()[1].startswith(str(root)):
            subprocess.run(["umount", "-l", line.split()[1]], check=False)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def make_ctx(tmp_path, target):
    def make(disks: list[str], **kwargs) -> StepContext:
        return StepContext(target_root=target, work_dir=tmp_path / "work", disks=disks, **kwargs)

    return make


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def http_dir(tmp_path):
    """(folder, base URL): a real HTTP server on 127.0.0.1 serving the folder."""
    folder = tmp_path / "www"
    folder.mkdir()
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@dataclass(frozen=True)
class Certs:
    """TLS material for test gateways on 127.0.0.1, made by the gateway's own ``ensure``."""

    ours: Path  # our CA, a certificate for 127.0.0.1
    other_ca: Path  # another CA, a certificate for 127.0.0.1
    wrong_name: Path  # our CA, a certificate for 10.0.0.9 only

    @property
    def ca(self) -> Path:
        return self.ours / "ca.pem"


@pytest.fixture(scope="session")
def certs(tmp_path_factory) -> Certs:
    from bmp_scheduler import tls  # the gateway's CA maker: the test trusts what it makes

    root = tmp_path_factory.mktemp("tls")
    tls.ensure(root / "ours", ["127.0.0.1"])
    tls.ensure(root / "other", ["127.0.0.1"])
    (root / "wrong").mkdir(mode=0o700)
    for name in ("ca.key", "ca.pem"):
        shutil.copy2(root / "ours" / name, root / "wrong" / name)
    tls.ensure(root / "wrong", ["10.0.0.9"])
    return Certs(root / "ours", root / "other", root / "wrong")
