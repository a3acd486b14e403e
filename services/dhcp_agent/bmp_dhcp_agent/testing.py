"""Tools for tests and benchmarks of the DHCP server: client messages and a namespace pair.

``client_message`` builds what a PXE/iPXE/plain client sends. ``VethPair`` (root only) creates
two network namespaces joined by a veth, so a real client and our server (or dnsmasq) talk over
a real link without touching the host's network.
"""

from __future__ import annotations

import os
import struct
import subprocess
import uuid

from bmp_dhcp_agent.dhcp import codec
from bmp_dhcp_agent.dhcp.codec import Packet


def mac_bytes(mac: str) -> bytes:
    return bytes.fromhex(mac.replace(":", ""))


def client_message(
    kind: int,
    mac: str,
    xid: int,
    *,
    requested: str | None = None,
    server_id: str | None = None,
    vendor: str | None = None,
    arch: int | None = None,
    user_class: bytes | None = None,
    ipxe_encap: bool = False,
    giaddr: str = codec.ZERO_IP,
    ciaddr: str = codec.ZERO_IP,
    broadcast: bool = True,
) -> Packet:
    options: dict[int, bytes] = {codec.OPT_MESSAGE_TYPE: bytes((kind,))}
    if requested:
        options[codec.OPT_REQUESTED_IP] = codec.ip_list([requested])
    if server_id:
        options[codec.OPT_SERVER_ID] = codec.ip_list([server_id])
    if vendor:
        options[codec.OPT_VENDOR_CLASS] = vendor.encode()
    if arch is not None:
        options[codec.OPT_CLIENT_ARCH] = struct.pack("!H", arch)
    if user_class:
        options[codec.OPT_USER_CLASS] = user_class
    if ipxe_encap:
        options[codec.OPT_IPXE_ENCAP] = bytes((177, 5, 1, 0x1A, 0xF4, 0x10, 0))
    options[codec.OPT_PARAMETER_LIST] = bytes((1, 3, 6, 12, 43, 51, 54, 60, 66, 67, 175))
    return Packet(
        xid=xid,
        chaddr=mac_bytes(mac),
        ciaddr=ciaddr,
        giaddr=giaddr,
        flags=codec.BROADCAST_FLAG if broadcast else 0,
        options=options,
    )


def is_root() -> bool:
    return os.geteuid() == 0


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)  # noqa: S603, S607


class VethPair:
    """Namespaces ``<prefix>s<tag>`` (server, holding ``server_ip``) and ``<prefix>c<tag>``
    (client, no address), joined by veths of the same names. Use as a context manager."""

    def __init__(self, prefix: str = "bmpdh", server_cidr: str = "10.77.0.1/16"):
        tag = uuid.uuid4().hex[:5]
        self.server_ns = self.server_if = f"{prefix}s{tag}"
        self.client_ns = self.client_if = f"{prefix}c{tag}"
        self.server_cidr = server_cidr
        self.server_ip = server_cidr.split("/")[0]

    def __enter__(self) -> VethPair:
        try:
            _ip("netns", "add", self.server_ns)
            _ip("netns", "add", self.client_ns)
            _ip("link", "add", self.server_if, "type", "veth", "peer", "name", self.client_if)
            _ip("link", "set", self.server_if, "netns", self.server_ns)
            _ip("link", "set", self.client_if, "netns", self.client_ns)
            for ns, link in ((self.server_ns, self.server_if), (self.client_ns, self.client_if)):
                # No duplicate address detection: link-local addresses (for the RA) are
                # usable at once instead of after ~2 s of tentative state.
                _ip("netns", "exec", ns, "sysctl", "-qw", f"net.ipv6.conf.{link}.accept_dad=0")
                _ip("-n", ns, "link", "set", "lo", "up")
                _ip("-n", ns, "link", "set", link, "up")
            _ip("-n", self.server_ns, "addr", "add", self.server_cidr, "dev", self.server_if)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        for ns in (self.server_ns, self.client_ns):
            # Deleting a namespace deletes the veth end inside it, and so its peer.
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)  # noqa: S603, S607

    def server_cmd(self, *command: str) -> list[str]:
        return ["ip", "netns", "exec", self.server_ns, *command]

    def client_cmd(self, *command: str) -> list[str]:
        return ["ip", "netns", "exec", self.client_ns, *command]

    def set_client_mac(self, mac: str) -> None:
        _ip("-n", self.client_ns, "link", "set", self.client_if, "address", mac)
