"""The network-boot services of the test segment (DHCP, TFTP, HTTP images), in its namespace.

Two sets behind one interface, chosen with ``BMP_E2E_BOOT_SERVICES``:

- ``ours`` (the default when the modules exist): ``bmp_dhcp_agent serve`` (answers from the
  IDC's host table, records events there), ``bmp_tftp`` and ``bmp_image``;
- ``debian``: dnsmasq (DHCP + TFTP) and ``python -m http.server``, a baseline to develop the
  test against. dnsmasq cannot read our host table, so a thread copies the reservations into
  a ``--dhcp-hostsdir`` (which dnsmasq watches); iPXE gets one static script that chains to the
  gateway with its own MAC. dnsmasq does not answer iPXE's IPv6 router solicitation: iPXE
  waits ~16 s more per boot.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sqlite3
import sys
import threading
from pathlib import Path

from bmp_lab.netns import ProvisioningNetwork
from bmp_lab.platform import Platform

IPXE_DIR = Path("/usr/lib/ipxe")
BOOT_FILES = ("undionly.kpxe", "ipxe.efi", "snponly.efi")
IMAGE_PORT = 8080  # inside the namespace: nothing else listens there


def choose() -> str:
    wanted = os.environ.get("BMP_E2E_BOOT_SERVICES", "")
    if wanted:
        return wanted
    modules = ("bmp_dhcp_agent.dhcp.server", "bmp_tftp.__main__", "bmp_image.__main__")
    return "ours" if all(importlib.util.find_spec(m) for m in modules) else "debian"


def tftp_root(work: Path) -> Path:
    root = work / "tftp"
    root.mkdir(parents=True, exist_ok=True)
    for name in BOOT_FILES:
        shutil.copyfile(IPXE_DIR / name, root / name)
    return root


class BootServices:
    kind = ""

    def __init__(self, platform: Platform, net: ProvisioningNetwork, idc_id: str, images: Path):
        self.platform = platform
        self.net = net
        self.idc_id = idc_id
        self.images = images
        self.work = platform.work / "boot"
        self.image_url = f"http://{net.address}:{IMAGE_PORT}"

    @property
    def host_table(self) -> Path:
        return Path(self.platform.env["BMP_DATA_DIR"]) / "dhcp" / f"hosts-{self.idc_id}.sqlite3"

    def start(self) -> None:
        raise NotImplementedError

    def dhcp_events(self, mac: str) -> list[tuple[str, int]]:
        """(kind, xid) of every DHCP message seen or sent for `mac`, oldest first."""
        raise NotImplementedError

    def tftp_log(self) -> str:
        raise NotImplementedError

    def stop(self) -> None:
        pass


def _import_path(*packages: str) -> str:
    """PYTHONPATH that finds `packages` the way this test process does (the venv may not yet
    list every service folder)."""
    folders = []
    for package in packages:
        spec = importlib.util.find_spec(package)
        folders.append(str(Path(spec.origin).parent.parent))
    return os.pathsep.join(dict.fromkeys([*folders, os.environ.get("PYTHONPATH", "")]))


class OurBootServices(BootServices):
    kind = "ours"

    def start(self) -> None:
        address, python = self.net.address, sys.executable
        env = {"PYTHONPATH": _import_path("bmp_dhcp_agent", "bmp_tftp", "bmp_image")}
        dhcp_args = ["--interface", self.net.bridge, "--server-ip", address]
        tftp_args = ["--root", str(tftp_root(self.work)), "--host", address, "--port", "69"]
        image_args = ["--root", str(self.images), "--bind", f"{address}:{IMAGE_PORT}"]
        self.platform.spawn(
            "bmp-dhcp-server",
            [python, "-m", "bmp_dhcp_agent", "serve", "--idc", self.idc_id, *dhcp_args],
            netns=self.net.name,
            env=env,
        )
        self.platform.spawn(
            "bmp-tftp",
            [python, "-m", "bmp_tftp", *tftp_args],
            netns=self.net.name,
            env=env,
        )
        self.platform.spawn(
            "bmp-image",
            [python, "-m", "bmp_image", *image_args],
            netns=self.net.name,
            env=env,
        )

    def dhcp_events(self, mac: str) -> list[tuple[str, int]]:
        from bmp_dhcp_agent.dhcp.events import read_events

        return [(event.kind, event.xid) for event in read_events(self.host_table, mac)]

    def tftp_log(self) -> str:
        return (self.platform.logs / "bmp-tftp.log").read_text(errors="replace")


class DebianBootServices(BootServices):
    kind = "debian"

    def start(self) -> None:
        hostsdir = self.work / "dnsmasq-hosts"
        hostsdir.mkdir(parents=True, exist_ok=True)
        script = self.images / "boot.ipxe"
        gateway = self.platform.env["BMP_GATEWAY_BOOT_URL"]  # plain HTTP: iPXE's side
        script.write_text(f"#!ipxe\nchain {gateway}/v1/boot/ipxe?mac=${{net0/mac}}\n")
        network = f"{self.net.address.rsplit('.', 2)[0]}.0.0"
        argv = [
            "dnsmasq",
            "--no-daemon",
            "--conf-file=/dev/null",
            "--port=0",  # no DNS
            f"--interface={self.net.bridge}",
            "--bind-interfaces",
            f"--dhcp-range={network},static,255.255.0.0",
            f"--dhcp-hostsdir={hostsdir}",
            f"--dhcp-leasefile={self.work / 'dnsmasq.leases'}",
            f"--dhcp-option=3,{self.net.address}",
            "--dhcp-match=set:ipxe,175",
            "--dhcp-match=set:efi64,option:client-arch,7",
            "--dhcp-match=set:efi64,option:client-arch,9",
            f"--dhcp-boot=tag:ipxe,{self.image_url}/boot.ipxe",
            "--dhcp-boot=tag:!ipxe,tag:efi64,snponly.efi",
            "--dhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe",
            "--enable-tftp",
            f"--tftp-root={tftp_root(self.work)}",
            "--log-dhcp",
            "--log-facility=-",
            "--user=root",
            "--pid-file=",
        ]
        self.platform.spawn("dnsmasq", argv, netns=self.net.name)
        images = [sys.executable, "-m", "http.server", str(IMAGE_PORT)]
        images += ["--bind", self.net.address, "--directory", str(self.images)]
        self.platform.spawn("http-images", images, netns=self.net.name)
        self._stop = threading.Event()
        self._sync = threading.Thread(target=self._copy_reservations, args=(hostsdir,))
        self._sync.start()

    def _copy_reservations(self, hostsdir: Path) -> None:
        written = None
        while not self._stop.wait(0.2):
            if not self.host_table.exists():
                continue
            with sqlite3.connect(self.host_table) as db:
                rows = db.execute("SELECT mac, ip FROM hosts ORDER BY mac").fetchall()
            text = "".join(f"{mac},{ip}\n" for mac, ip in rows)
            if text != written:
                (hostsdir / "hosts.tmp").write_text(text)
                (hostsdir / "hosts.tmp").rename(hostsdir / "hosts")
                written = text

    def stop(self) -> None:
        self._stop.set()
        self._sync.join(timeout=5)

    def dhcp_events(self, mac: str) -> list[tuple[str, int]]:
        log = (self.platform.logs / "dnsmasq.log").read_text(errors="replace")
        pattern = re.compile(r"dnsmasq-dhcp\S*: (\d+) DHCP([A-Z]+)\(\S+\) (?:\S+ )?" + mac)
        return [(kind, int(xid)) for xid, kind in pattern.findall(log)]

    def tftp_log(self) -> str:
        return (self.platform.logs / "dnsmasq.log").read_text(errors="replace")


def boot_services(kind: str, *args) -> BootServices:
    return {"ours": OurBootServices, "debian": DebianBootServices}[kind](*args)
