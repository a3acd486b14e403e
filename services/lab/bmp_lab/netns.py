"""A provisioning network for PXE tests: a network namespace, a bridge, taps for VMs, probes.

    net = ProvisioningNetwork("bmpe2e7").create()
    tap = net.add_tap(0)                  # QEMU: -netdev tap,ifname=<tap> inside net.name
    net.run(["python", "-m", ...])        # any command inside the namespace
    net.destroy()

Everything lives inside the namespace (the bridge is the segment, its address is where DHCP,
TFTP, HTTP and the gateway listen), so nothing reaches the host's networks. A second namespace
(`<name>c`) holds a probe client on a veth port of the bridge, to ask DHCP questions with any
MAC. Needs root. Names stay within the kernel's 15 characters for names up to 11.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

PXE_VENDOR_CLASS = "PXEClient:Arch:00000:UNDI:002001"  # what a BIOS PXE ROM sends (option 60)


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    # Our argv lists, no shell; `ip` from PATH like every iproute2 user.
    command = ["ip", *args]
    return subprocess.run(command, capture_output=True, text=True, check=check, timeout=30)


@dataclass
class ProvisioningNetwork:
    name: str  # the namespace; the bridge is <name>br, taps <name>t<i>
    address: str = "10.200.0.1"  # the bridge's address: the platform's boot services
    prefixlen: int = 16

    @property
    def bridge(self) -> str:
        return f"{self.name}br"

    @property
    def client_ns(self) -> str:
        return f"{self.name}c"

    def tap(self, index: int) -> str:
        return f"{self.name}t{index}"

    def create(self) -> ProvisioningNetwork:
        self.destroy()  # a namespace left behind by a killed run
        ip("netns", "add", self.name)
        self.ns_ip("link", "set", "lo", "up")
        self.ns_ip("link", "add", self.bridge, "type", "bridge", "forward_delay", "0")
        self.ns_ip("addr", "add", f"{self.address}/{self.prefixlen}", "dev", self.bridge)
        self.ns_ip("link", "set", self.bridge, "up")
        return self

    def ns_ip(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return ip("-n", self.name, *args, check=check)

    def add_tap(self, index: int) -> str:
        tap = self.tap(index)
        self.ns_ip("tuntap", "add", "dev", tap, "mode", "tap")
        self.ns_ip("link", "set", tap, "master", self.bridge)
        self.ns_ip("link", "set", tap, "up")
        return tap

    def destroy(self) -> None:
        """Delete the namespaces (and with them the bridge, taps and veths). Processes inside
        must have been stopped by their owners first."""
        for namespace in (self.client_ns, self.name):
            ip("netns", "del", namespace, check=False)

    # -- running things inside -------------------------------------------------------------
    def argv(self, argv: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.name, *argv]

    def run(self, argv: list[str], timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("text", True)
        return subprocess.run(self.argv(argv), timeout=timeout, **kwargs)

    def http(
        self, url: str, body: dict | None = None, timeout: float = 10, cafile: str = ""
    ) -> tuple[int, str]:
        """(status, body) of a GET, or a JSON POST when `body` is given, made from inside; an
        https URL's certificate is verified against `cafile`."""
        result = self.run(
            [sys.executable, "-c", _HTTP_CLIENT, url, json.dumps(body) if body else "", cafile],
            timeout=timeout + 5,
            input="",
        )
        if result.returncode != 0:
            return 0, result.stderr.strip()
        status, _, text = result.stdout.partition("\n")
        return int(status), text

    # -- a probe client on the segment -----------------------------------------------------
    def dhcp_probe(self, mac: str, tries: int = 2, *, pxe: bool = False) -> bool:
        """Ask for a lease with `mac` from a client port of the bridge (busybox udhcpc, a real
        DHCP client on raw sockets); True when a server answered with a lease. `pxe`: ask as
        a BIOS PXE ROM does (vendor class PXEClient, client architecture 0), so the answer
        names the boot file and its TFTP server."""
        veth, peer = f"{self.name}v0", f"{self.name}v1"
        if ip("netns", "pids", self.client_ns, check=False).returncode != 0:
            ip("netns", "add", self.client_ns)
            self.ns_ip("link", "add", veth, "type", "veth", "peer", "name", peer)
            self.ns_ip("link", "set", peer, "netns", self.client_ns)
            self.ns_ip("link", "set", veth, "master", self.bridge)
            self.ns_ip("link", "set", veth, "up")
        ip("-n", self.client_ns, "link", "set", peer, "down")
        ip("-n", self.client_ns, "link", "set", peer, "address", mac)
        ip("-n", self.client_ns, "link", "set", peer, "up")
        argv = ["busybox", "udhcpc", "-i", peer, "-n", "-q", "-f", "-s", "/bin/true"]
        argv += ["-t", str(tries), "-T", "1", "-A", "1"]
        if pxe:
            argv += ["-V", PXE_VENDOR_CLASS, "-x", "0x5d:0000"]  # option 93: BIOS x86
        result = subprocess.run(
            ["ip", "netns", "exec", self.client_ns, *argv],
            capture_output=True,
            text=True,
            timeout=30 + 3 * tries,
        )
        return result.returncode == 0


# Runs inside the namespace: prints the status line, then the body.
_HTTP_CLIENT = """
import ssl, sys, urllib.request, urllib.error
url, body, cafile = sys.argv[1], sys.argv[2], sys.argv[3]
request = urllib.request.Request(url, data=body.encode() or None,
                                 headers={"Content-Type": "application/json"} if body else {})
context = ssl.create_default_context(cafile=cafile) if cafile else None
try:
    with urllib.request.urlopen(request, timeout=10, context=context) as answer:
        status, text = answer.status, answer.read().decode()
except urllib.error.HTTPError as error:
    status, text = error.code, error.read().decode()
print(status)
print(text, end="")
"""
