"""Network boot end to end: the platform, a PXE segment in a network namespace, QEMU servers.

Needs root (namespaces, taps, DHCP on port 67) and the Debian packages below, which the
`host_packages` fixture installs when they are missing; otherwise every test is skipped with
the reason. One TCG VM runs at a time (this machine has 2 cores).

Layout: namespace ``bmpe2e<N>`` with bridge ``bmpe2e<N>br`` (10.200.0.1/16, the lab's enrolled
subnet) and taps ``bmpe2e<N>t0`` (SeaBIOS server LAB-0001) and ``t1`` (OVMF server LAB-0002).
Inside: the gateway, DHCP, TFTP and image HTTP, bound to 10.200.0.1. On the host: openapi, its
worker, the scheduler, the driver and the dhcp-agent worker; the BMCs on 127.0.0.1 (QMP over a
unix socket crosses the namespace; the database and redis are files and unix sockets too).

The install tests use the agent LiveOS and the GuestOS (``install_images``, built once a session):
``install_lab`` (namespace ``bmpin<N>``, three servers that install side by side, see
INSTALL_FIRMWARES) for test_install.py and test_install_boot_uefi_raid.py, and a one-server lab
of its own for test_install_crash.py.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bmp_common.testing.requirements import require_root
from bmp_lab import enrol
from bmp_lab.fleet import Fleet
from bmp_lab.netns import ProvisioningNetwork
from bmp_lab.platform import Platform, wait_for
from bmp_lab.qemu import BIOS, UEFI, QemuMachine, QemuPower

from .boot_services import IMAGE_PORT, boot_services, choose

ROOT = Path(__file__).resolve().parents[2]
BUILD_LIVEOS = ROOT / "services" / "agent" / "liveos" / "build-minimal.sh"
BUILD_AGENT_LIVEOS = ROOT / "services" / "agent" / "liveos" / "build.sh"
BUILD_GUESTOS = ROOT / "services" / "guestos" / "build.sh"
PACKAGES = (
    "qemu-system-x86 qemu-utils ipxe-qemu ipxe ovmf ipmitool busybox-static bridge-utils cpio "
    "dnsmasq-base mtools mdadm socat"
).split()
NEEDED_FILES = (
    "/usr/bin/qemu-system-x86_64",
    "/usr/bin/qemu-img",
    "/usr/bin/ipmitool",
    "/bin/busybox",
    "/usr/bin/cpio",
    "/usr/sbin/dnsmasq",
    "/usr/lib/ipxe/snponly.efi",
    "/usr/lib/ipxe/undionly.kpxe",
    "/usr/lib/ipxe/qemu/efi-virtio.rom",
    "/usr/share/OVMF/OVMF_CODE_4M.fd",
    "/usr/bin/mdir",  # the ESP read from the host (mtools)
    "/sbin/mdadm",  # RAID members examined from the host; the GuestOS's initramfs carries it
    "/usr/bin/socat",  # the install lab's monitor-proxy reaches openapi across the namespace
)
PLATFORM_SERVICES = ("bmp-openapi", "bmp-openapi-worker", "bmp-scheduler")
ADDRESS = "10.200.0.1"  # the bridge: where the lab's enrolled devices find their gateway
GATEWAY_PORT = 8803  # inside the namespace: iPXE's scripts, plain HTTP
GATEWAY_TLS_PORT = 8813  # inside the namespace: the agents' HTTPS gateway
MONITOR_PROXY_PORT = 8805  # inside the namespace: where the GuestOS's monitoring agent reports
OPENAPI_RELAY_PORT = 8801  # inside the namespace, on its loopback: openapi, relayed from the host
FIRMWARES = {1: BIOS, 2: UEFI}  # lab index -> firmware


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "e2e: network boot with QEMU, namespaces and taps (root; pytest -m e2e)"
    )


@pytest.fixture(scope="session")
def host_packages():
    require_root("network namespaces, taps, DHCP port 67")
    missing = [path for path in NEEDED_FILES if not os.path.exists(path)]
    if missing and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        command = ["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES]
        subprocess.run(command, env=env, capture_output=True, timeout=900)
        missing = [path for path in NEEDED_FILES if not os.path.exists(path)]
    if missing:
        pytest.fail(
            f"cannot install {' '.join(PACKAGES)}: missing {', '.join(missing)}", pytrace=False
        )


@pytest.fixture(scope="session")
def gateway_tls(tmp_path_factory) -> Path:
    """The gateway's TLS folder, made before the LiveOS builds that embed its CA (the platform's
    TLS gateway keeps that CA: BMP_TLS_DIR)."""
    directory = tmp_path_factory.mktemp("tls") / "tls"
    made = subprocess.run(
        [sys.executable, "-m", "bmp_scheduler.tls", "ensure", "--dir", str(directory)],
        env={**os.environ, "BMP_GATEWAY_TLS_NAMES": ADDRESS},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    return directory


def build_env(gateway_tls: Path) -> dict[str, str]:
    """The LiveOS builders' environment: the CA they embed."""
    return {**os.environ, "BMP_LIVEOS_GATEWAY_CA": str(gateway_tls / "ca.pem")}


@pytest.fixture(scope="session")
def liveos_images(host_packages, gateway_tls, tmp_path_factory) -> Path:
    """The image root: liveos/vmlinuz and liveos/initrd.img from the minimal LiveOS build."""
    images = tmp_path_factory.mktemp("images")
    built = subprocess.run(
        ["bash", str(BUILD_LIVEOS), str(images / "liveos")],
        capture_output=True,
        text=True,
        timeout=600,
        env=build_env(gateway_tls),
    )
    assert built.returncode == 0, built.stderr[-2000:]
    print(built.stdout.strip().splitlines()[-1])
    # UEFI's kernel stub loads the token cpio right after it: only a 4-byte boundary is found.
    assert (images / "liveos" / "initrd.img").stat().st_size % 4 == 0
    return images


def _build(script: Path, out: Path, env: dict[str, str] | None = None) -> str:
    built = subprocess.run(
        ["bash", str(script), str(out)], capture_output=True, text=True, timeout=1800, env=env
    )
    assert built.returncode == 0, built.stderr[-3000:]
    return "\n".join(ln for ln in built.stdout.splitlines() if ln.startswith("build-"))


@pytest.fixture(scope="session")
def install_images(host_packages, gateway_tls, tmp_path_factory) -> Path:
    """The image root of the install labs: the agent LiveOS and the GuestOS (tar and qcow2)."""
    if not shutil.which("mmdebstrap"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        command = ["apt-get", "install", "-y", "--no-install-recommends", "mmdebstrap"]
        subprocess.run(command, env=env, capture_output=True, timeout=600)
    images = tmp_path_factory.mktemp("images")
    print(_build(BUILD_AGENT_LIVEOS, images / "liveos", build_env(gateway_tls)))
    print(_build(BUILD_GUESTOS, images / "guestos"))
    # installBmpAgent's bundle, where the image service serves it (BMP_MONITOR_AGENT_BUNDLE)
    bundle = [
        sys.executable,
        "-m",
        "bmp_monitor_agent.bundle",
        "--out",
        str(images / "monitor-agent"),
    ]
    subprocess.run(bundle, check=True, capture_output=True, timeout=60)
    return images


# The install lab's servers: LAB-0001 for test_install.py (SeaBIOS, one disk); for
# test_install_boot_uefi_raid.py LAB-0002 (OVMF, one disk) and LAB-0003 (SeaBIOS, a virtio disk
# and an NVMe one).
INSTALL_FIRMWARES = {1: BIOS, 2: UEFI, 3: BIOS}
INSTALL_DISKS = {3: 2}
INSTALL_NVME = {3: (2,)}  # LAB-0003's mirror: a virtio disk and an NVMe one


@pytest.fixture(scope="session")
def install_lab(install_images, gateway_tls, tmp_path_factory):
    """One lab for the install tests, whose three servers install side by side: the UEFI and
    RAID1 creates are submitted as soon as the lab is up (``lab.side_installs``), so they run
    while test_install.py drives LAB-0001; test_install_boot_uefi_raid.py checks them after."""
    from .test_install_boot_uefi_raid import submit_side_installs

    with _file_platform():
        work = tmp_path_factory.mktemp("install")
        yield from _netboot(
            install_images,
            gateway_tls,
            work,
            prefix="bmpin",
            servers=3,
            memory_mb=1536,
            firmwares=INSTALL_FIRMWARES,
            disk_counts=INSTALL_DISKS,
            nvme_disks=INSTALL_NVME,
            monitoring=True,
            on_ready=submit_side_installs,
        )


class NetBoot:
    """The running platform, segment, boot services and QEMU-backed lab servers."""

    def __init__(self, platform: Platform, net: ProvisioningNetwork, fleet: Fleet, password: str):
        self.platform = platform
        self.api = None  # after platform.up()
        self.net = net
        self.fleet = fleet
        self.password = password
        self.gateway = f"http://{ADDRESS}:{GATEWAY_PORT}"  # iPXE's scripts
        self.agent_gateway = f"https://{ADDRESS}:{GATEWAY_TLS_PORT}"
        self.gateway_ca = platform.gateway_ca
        self.qemu: dict[str, QemuPower] = {}
        self.device_ids: dict[str, str] = {}
        self.idc_id = ""
        self.device_type_id = ""
        self.services = None
        self.side_installs = None  # install_lab: the UEFI and RAID1 creates under way

    def device(self, sn: str) -> dict:
        return self.api.get(f"/devices/{self.device_ids[sn]}")["device"]

    def steps(self, sn: str) -> list[tuple[str, str]]:
        """(action, status) of the steps of `sn`'s latest job."""
        assert re.fullmatch(r"LAB-\d+", sn)  # platform.sql takes no parameters
        latest = f"(SELECT MAX(id) FROM scheduler_job WHERE sn = '{sn}')"  # noqa: S608
        return self.platform.sql(
            "SELECT action, status FROM scheduler_step "  # noqa: S608 (checked above)
            f'WHERE job_id = {latest} ORDER BY "index"'
        )


def _settings(gateway_tls: Path) -> dict[str, str]:
    return {
        "BMP_GATEWAY_PORT": str(GATEWAY_PORT),
        "BMP_GATEWAY_BOOT_URL": f"http://{ADDRESS}:{GATEWAY_PORT}",
        "BMP_GATEWAY_TLS_PORT": str(GATEWAY_TLS_PORT),
        "BMP_GATEWAY_URL": f"https://{ADDRESS}:{GATEWAY_TLS_PORT}",
        "BMP_GATEWAY_TLS_NAMES": ADDRESS,
        "BMP_TLS_DIR": str(gateway_tls),
        "BMP_IMAGE_URL": f"http://{ADDRESS}:{IMAGE_PORT}",
        # quiet: a kernel printing to an emulated 115200 serial port is slow under TCG;
        # bmp.image: what the agent puts for {host} in image URLs; no_timer_check: under a
        # loaded host TCG's timer can miss the kernel's IO-APIC check, which then panics at
        # 0.05 s ("IO-APIC + timer doesn't work!", seen once on the RAID server) and the
        # install waits out INSTALL_TIMEOUT for a server that is off
        "BMP_LIVEOS_CMDLINE": (
            f"console=ttyS0,115200n8 panic=-1 quiet no_timer_check bmp.heartbeat=2 "
            f"bmp.image=http://{ADDRESS}:{IMAGE_PORT}"
        ),
        "BMP_DRIVER_TIMEOUT": "5",
        # A dead server is noticed in 20 s, not 120 (test_install_crash.py); a working agent
        # heartbeats every 2 s, so no live one looks silent.
        "BMP_SCHEDULER_AGENT_SILENCE": "20",
        # The GuestOS (busybox, no acpid) ignores the ACPI power button: stop falls back to a
        # hard off after the grace, 3 s here instead of 30 (four stops per run).
        "BMP_DRIVER_SOFT_OFF_GRACE": "3",
        # installBmpAgent: the GuestOS's agent reports to the proxy on the segment, every 15 s
        # (a first heartbeat at its start) rather than every minute.
        "BMP_MONITOR_TOKEN": secrets.token_urlsafe(24),
        "BMP_MONITOR_AGENT_PROXY_URL": f"http://{ADDRESS}:{MONITOR_PROXY_PORT}/api/v1/agent/",
        "BMP_MONITOR_AGENT_INTERVAL_S": "15",
    }


@pytest.fixture(scope="module")
def netboot(liveos_images, gateway_tls, tmp_path_factory):
    with _file_platform():
        yield from _netboot(liveos_images, gateway_tls, tmp_path_factory.mktemp("netboot"))


@contextlib.contextmanager
def _file_platform():
    # The gateway runs inside the namespace, where the host's 127.0.0.1 is out of reach: the
    # platform must use its file database and unix-socket redis, not a TCP MySQL or broker.
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("BMP_DATABASE_URL", raising=False)
        patch.delenv("BMP_BROKER_URL", raising=False)
        yield


def _netboot(
    liveos_images: Path,
    gateway_tls: Path,
    work: Path,
    *,
    prefix: str = "bmpe2e",
    servers: int = 2,
    memory_mb: int = 512,
    firmwares: dict[int, str] = FIRMWARES,
    disk_counts: dict[int, int] | None = None,
    nvme_disks: dict[int, tuple[int, ...]] | None = None,
    monitoring: bool = False,
    on_ready: Callable[[NetBoot], None] | None = None,
):
    """The lab: `servers` QEMU servers (lab index -> `firmwares`, else BIOS; `disk_counts`
    disks, else one; `nvme_disks`: which of them are NVMe, else virtio), enrolled into a running
    platform; with `monitoring`, the monitor-proxy on the segment; `on_ready(lab)` before it is
    yielded."""
    net = ProvisioningNetwork(f"{prefix}{os.getpid() % 10000}", address=ADDRESS).create()
    try:
        platform = Platform(work, settings=_settings(gateway_tls))
    except BaseException:
        net.destroy()
        raise
    password = secrets.token_urlsafe(12)
    fleet = Fleet(servers, base_port=0, username="admin", password=password)
    lab = NetBoot(platform, net, fleet, password)
    try:
        platform.up(*PLATFORM_SERVICES)
        lab.api = platform.api
        lab.idc_id = enrol.ensure_idc(platform.api, "lab")[0]
        platform.env["BMP_IDC_IDS"] = lab.idc_id
        platform.start("bmp-driver")
        platform.start("bmp-dhcp-agent")
        platform.start("bmp-scheduler-gateway", netns=net.name, env={"BMP_HOST_IP": ADDRESS})
        tls = "bmp-scheduler-gateway-tls"
        platform.start(tls, netns=net.name, env={"BMP_HOST_IP": ADDRESS})
        wait_for(lambda: net.http(f"{lab.gateway}/health")[0] == 200, 60, "the gateway")
        ca = str(platform.gateway_ca)
        https_health = f"{lab.agent_gateway}/health"
        wait_for(lambda: net.http(https_health, cafile=ca)[0] == 200, 60, "the TLS gateway")
        if monitoring:
            _monitor_proxy(platform, net)
        kind = choose()
        print(f"boot services: {kind}")
        lab.services = boot_services(kind, platform, net, lab.idc_id, liveos_images)
        lab.services.start()
        fleet.start()
        for server in fleet.nodes:
            tap = net.add_tap(server.index - 1)
            machine = QemuMachine(
                work / "vm" / server.sn,
                tap=tap,
                netns=net.name,
                firmware=firmwares.get(server.index, BIOS),
                memory_mb=memory_mb,
                disk_count=(disk_counts or {}).get(server.index, 1),
                nvme_disks=(nvme_disks or {}).get(server.index, ()),
                serial=server.sn,  # DMI's: what the GuestOS's monitoring agent reports as
            )
            lab.qemu[server.sn] = QemuPower(server.node, machine).attach()
        report = enrol.enrol(
            platform.api, fleet.state(), password, wait=True, timeout=120, say=lambda _: None
        )
        assert not report.get("failed"), report
        lab.device_type_id = report["device_type_id"]
        devices = platform.api.get(f"/devices?idcId={lab.idc_id}&isAll=1")["devices"]
        lab.device_ids = {device["sn"]: device["deviceId"] for device in devices}
        if on_ready is not None:
            on_ready(lab)
        yield lab
    except BaseException:
        print(platform.log_tails())
        raise
    finally:
        for qemu in lab.qemu.values():
            qemu.detach()
        fleet.stop()
        if lab.services is not None:
            lab.services.stop()
        platform.stop()
        net.destroy()


def _monitor_proxy(platform: Platform, net: ProvisioningNetwork) -> None:
    """The monitor-proxy where a deployment puts it, on the provisioning side (the segment's
    address, as the gateway). It calls openapi, which listens on the host's loopback: two socats
    relay it to the namespace's loopback through a unix socket (the files are shared), standing
    in for the route between a deployment's provisioning and API networks."""
    relay = platform.var / "run" / "openapi-relay.sock"
    host_side = ["socat", f"UNIX-LISTEN:{relay},fork,unlink-early"]
    platform.spawn("openapi-relay", [*host_side, f"TCP:127.0.0.1:{platform.openapi_port}"])
    wait_for(relay.exists, 10, "the openapi relay's socket")
    listen = f"TCP-LISTEN:{OPENAPI_RELAY_PORT},bind=127.0.0.1,fork,reuseaddr"
    platform.spawn("openapi-relay-ns", ["socat", listen, f"UNIX-CONNECT:{relay}"], netns=net.name)
    env = {
        "BMP_HOST_IP": ADDRESS,
        "BMP_OPENAPI_URL": f"http://127.0.0.1:{OPENAPI_RELAY_PORT}",
        "BMP_MONITOR_PROXY_PORT": str(MONITOR_PROXY_PORT),
        "BMP_MONITOR_WORKERS": "1",
    }
    platform.start("bmp-monitor-proxy", netns=net.name, env=env)
    health = f"http://{ADDRESS}:{MONITOR_PROXY_PORT}/health"
    wait_for(lambda: net.http(health)[0] == 200, 60, "the monitor-proxy")


def wait_for_line(path: Path, pattern: str, timeout: float) -> float | None:
    """time.time() when regex `pattern` first matched in `path` (polled every 0.1 s), or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and re.search(pattern, path.read_text(errors="replace")):
            return time.time()
        time.sleep(0.1)
    return None
