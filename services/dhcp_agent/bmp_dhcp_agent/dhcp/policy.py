"""What the DHCP server answers to one request: pure functions, no sockets, no clock.

``decide(request, lookup, config)`` returns a ``Decision``: the reply packet (or None) and a
short reason when there is no reply. ``destination(...)`` says where a reply goes (RFC 2131
section 4.1). Only MACs in the host table get an answer: there is no dynamic range, as upstream.
The boot data follow what clients on this machine accept (see netboot-notes): iPXE gets its
script URL and never a ``PXEClient`` echo; firmware PXE gets the echo plus option 43.
"""

from __future__ import annotations

import dataclasses
import functools
import struct

from bmp_dhcp_agent.dhcp import codec
from bmp_dhcp_agent.dhcp.codec import Packet
from bmp_dhcp_agent.hosts import Lookup, Subnet

PXE_CLIENT = "PXEClient"
HTTP_CLIENT = "HTTPClient"
# PXE discovery control (option 43 sub-option 6) = 8: "use the boot file of this offer", so the
# firmware does not look for a boot server on port 4011 (PXE-E16 otherwise).
PXE_USE_BOOTFILE = bytes((6, 1, 8, 255))

# Option 93 values (RFC 4578 and the IANA registry) this server has a boot file for.
ARCH_BIOS = 0
ARCH_EFI_X64 = (7, 9)  # 9 is what some firmware (EFI BC) reports for x86-64 too
ARCH_EFI_ARM64 = 11
ARCH_EFI_HTTP_X64 = 16


@dataclasses.dataclass(frozen=True)
class PolicyConfig:
    server_ip: str  # option 54: the address clients and relays reach this server at
    tftp_host: str  # siaddr and option 66
    gateway_url: str  # base of the per-node iPXE script: {gateway_url}/v1/boot/ipxe?mac=
    bios_file: str = "undionly.kpxe"
    efi_file: str = "snponly.efi"
    arm64_file: str = "snponly-arm64.efi"
    efi_http_url: str = ""  # UEFI HTTP boot (arch 16): URL of the EFI iPXE binary; empty = none
    lease_time: int = 600  # upstream's dhcpd default
    proxy: bool = False  # ProxyDHCP: another server gives addresses, we give boot data only

    def script_url(self, mac: str) -> str:
        # A MAC is hex and colons, both legal in a query string: no escaping needed.
        return f"{self.gateway_url.rstrip('/')}/v1/boot/ipxe?mac={mac}"


@dataclasses.dataclass(frozen=True)
class Decision:
    reply: Packet | None
    reason: str = ""  # why there is no reply (a counter name), empty when there is one


@dataclasses.dataclass(frozen=True)
class Boot:
    """The boot part of an answer: siaddr/file plus the options that go with them."""

    file: str
    options: dict[int, bytes]


def is_ipxe(request: Packet) -> bool:
    return codec.OPT_IPXE_ENCAP in request.options or b"iPXE" in request.user_classes()


def vendor_class(request: Packet) -> str:
    return request.option_text(codec.OPT_VENDOR_CLASS)


def boot_file_for_arch(arch: int | None, config: PolicyConfig) -> str | None:
    if arch is None or arch == ARCH_BIOS:  # old PXE 2.0 BIOS ROMs omit option 93
        return config.bios_file
    if arch in ARCH_EFI_X64:
        return config.efi_file
    if arch == ARCH_EFI_ARM64:
        return config.arm64_file
    if arch == ARCH_EFI_HTTP_X64 and config.efi_http_url:
        return config.efi_http_url
    return None


def boot_for(request: Packet, config: PolicyConfig) -> Boot | None:
    """The boot data ``request``'s client understands, or None for a plain DHCP client."""
    vendor = vendor_class(request)
    if is_ipxe(request):
        options: dict[int, bytes] = {}
        if config.proxy:
            # A ProxyDHCP offer is recognised by its PXEClient echo; iPXE must see it here.
            options[codec.OPT_VENDOR_CLASS] = PXE_CLIENT.encode()
        else:
            # Echoing PXEClient would make iPXE wait for a boot server on 4011 instead.
            options[codec.OPT_IPXE_ENCAP] = codec.ipxe_no_pxedhcp()
        return Boot(config.script_url(request.mac), options)
    arch = request.client_arch()
    if vendor.startswith(HTTP_CLIENT):
        if arch != ARCH_EFI_HTTP_X64 or not config.efi_http_url:
            return None
        return Boot(config.efi_http_url, {codec.OPT_VENDOR_CLASS: HTTP_CLIENT.encode()})
    if vendor.startswith(PXE_CLIENT):
        file = boot_file_for_arch(arch, config)
        if file is None:
            return None
        options = {
            codec.OPT_VENDOR_CLASS: PXE_CLIENT.encode(),
            codec.OPT_VENDOR_SPECIFIC: PXE_USE_BOOTFILE,
        }
        if codec.OPT_CLIENT_UUID in request.options:
            options[codec.OPT_CLIENT_UUID] = request.options[codec.OPT_CLIENT_UUID]
        return Boot(file, options)
    return None


def _reply(request: Packet, message_type: int, config: PolicyConfig) -> Packet:
    options = {
        codec.OPT_MESSAGE_TYPE: bytes((message_type,)),
        codec.OPT_SERVER_ID: codec.ip_list([config.server_ip]),
    }
    return Packet(
        op=codec.BOOTREPLY,
        xid=request.xid,
        chaddr=request.chaddr,
        htype=request.htype,
        flags=request.flags,
        giaddr=request.giaddr,
        options=options,
    )


def _add_boot(reply: Packet, boot: Boot | None, config: PolicyConfig) -> None:
    if boot is None:
        return
    reply.siaddr = config.tftp_host
    encoded = boot.file.encode()
    # A long URL does not fit the 128-byte file field; option 67 still carries it.
    reply.file = encoded if len(encoded) <= 127 else b""
    reply.options[codec.OPT_TFTP_SERVER] = config.tftp_host.encode()
    reply.options[codec.OPT_BOOTFILE] = encoded
    reply.options.update(boot.options)


def _add_echoes(reply: Packet, request: Packet) -> None:
    # RFC 6842: echo the client identifier; RFC 3046: echo relay agent info to the relay.
    if codec.OPT_CLIENT_ID in request.options:
        reply.options[codec.OPT_CLIENT_ID] = request.options[codec.OPT_CLIENT_ID]
    if request.giaddr != codec.ZERO_IP and codec.OPT_RELAY_AGENT in request.options:
        reply.options[codec.OPT_RELAY_AGENT] = request.options[codec.OPT_RELAY_AGENT]


def _address_reply(
    request: Packet, lookup: Lookup, message_type: int, config: PolicyConfig, *, inform=False
) -> Packet:
    """An OFFER or ACK carrying the reservation, its subnet's settings and boot data.

    The ACK to an INFORM carries settings only: the client already has its address.
    """
    reply = _reply(request, message_type, config)
    subnet = lookup.subnet
    assert subnet is not None  # decide() answers only hosts inside a known subnet
    options = reply.options
    if inform:
        reply.ciaddr = request.ciaddr
    else:
        reply.yiaddr = lookup.host.ip
        options.update(_lease_options(config.lease_time))
    options.update(_subnet_options(subnet))
    if lookup.host.hostname:
        options[codec.OPT_HOSTNAME] = lookup.host.hostname.encode()
    _add_boot(reply, boot_for(request, config), config)
    _add_echoes(reply, request)
    return reply


@functools.lru_cache(maxsize=16)
def _lease_options(lease: int) -> tuple[tuple[int, bytes], ...]:
    """Lease time, T1 (renewal) and T2 (rebinding), encoded once per lease time."""
    return (
        (codec.OPT_LEASE_TIME, struct.pack("!I", lease)),
        (58, struct.pack("!I", lease // 2)),
        (59, struct.pack("!I", lease * 7 // 8)),
    )


@functools.lru_cache(maxsize=4096)
def _subnet_options(subnet: Subnet) -> tuple[tuple[int, bytes], ...]:
    """A subnet's mask, routers and DNS servers as options, encoded once per subnet (a
    Subnet is immutable: a changed subnet is another key)."""
    options = [(codec.OPT_SUBNET_MASK, codec.ip_list([subnet.mask]))]
    if subnet.routers:
        options.append((codec.OPT_ROUTERS, codec.ip_list(subnet.routers)))
    if subnet.dns_servers:
        options.append((codec.OPT_DNS_SERVERS, codec.ip_list(subnet.dns_servers)))
    return tuple(options)


def _nak(request: Packet, config: PolicyConfig) -> Packet:
    reply = _reply(request, codec.NAK, config)
    if request.giaddr != codec.ZERO_IP:
        reply.flags |= codec.BROADCAST_FLAG  # the relay must broadcast it (RFC 2131 4.3.2)
    _add_echoes(reply, request)
    return reply


def _answer_request(request: Packet, lookup: Lookup, config: PolicyConfig) -> Decision:
    server_id = request.option_ip(codec.OPT_SERVER_ID)
    if server_id is not None and server_id != config.server_ip:
        return Decision(None, "other_server")  # the client took another server's offer
    wanted = request.option_ip(codec.OPT_REQUESTED_IP)
    if wanted is None and request.ciaddr != codec.ZERO_IP:
        wanted = request.ciaddr  # RENEWING / REBINDING
    if wanted == lookup.host.ip:
        return Decision(_address_reply(request, lookup, codec.ACK, config))
    return Decision(_nak(request, config))


def _decide_proxy(request: Packet, lookup: Lookup | None, config: PolicyConfig, port: str):
    kind = request.message_type
    wanted = codec.DISCOVER if port == "dhcp" else codec.REQUEST
    if kind != wanted:
        return Decision(None, "proxy_ignored")
    if not vendor_class(request).startswith(PXE_CLIENT):
        return Decision(None, "proxy_not_pxe")
    if lookup is None:
        return Decision(None, "unknown_mac")
    boot = boot_for(request, config)
    if boot is None:
        return Decision(None, "no_boot_file")
    reply = _reply(request, codec.OFFER if kind == codec.DISCOVER else codec.ACK, config)
    _add_boot(reply, boot, config)
    # yiaddr stays 0.0.0.0: the site's DHCP server gives the address.
    if codec.OPT_CLIENT_UUID in request.options:
        reply.options[codec.OPT_CLIENT_UUID] = request.options[codec.OPT_CLIENT_UUID]
    return Decision(reply)


def decide(
    request: Packet, lookup: Lookup | None, config: PolicyConfig, port: str = "dhcp"
) -> Decision:
    """The answer to ``request`` from the client whose reservation is ``lookup`` (or None).

    ``port`` is ``"dhcp"`` (67) or ``"proxy"`` (4011, ProxyDHCP boot server requests).
    """
    if request.op != codec.BOOTREQUEST:
        return Decision(None, "not_a_request")
    kind = request.message_type
    if kind is None:
        return Decision(None, "bootp")  # plain BOOTP: PXE and iPXE always speak DHCP
    if config.proxy:
        return _decide_proxy(request, lookup, config, port)
    if port != "dhcp":
        return Decision(None, "proxy_disabled")
    if kind in (codec.RELEASE, codec.DECLINE):
        return Decision(None, "recorded")  # static leases: nothing to free or mark
    if kind not in (codec.DISCOVER, codec.REQUEST, codec.INFORM):
        return Decision(None, "not_a_request")
    if lookup is None:
        return Decision(None, "unknown_mac")
    if lookup.subnet is None:
        return Decision(None, "no_subnet")  # no mask or router to give: stay silent
    if kind == codec.DISCOVER:
        return Decision(_address_reply(request, lookup, codec.OFFER, config))
    if kind == codec.INFORM:
        return Decision(_address_reply(request, lookup, codec.ACK, config, inform=True))
    return _answer_request(request, lookup, config)


def destination(
    request: Packet,
    reply: Packet,
    *,
    broadcast_address: str = "255.255.255.255",
    client_port: int = 68,
    relay_port: int = 67,
) -> tuple[str, int]:
    """Where ``reply`` goes on port 67 (RFC 2131 4.1); port 4011 replies go to the sender."""
    if request.giaddr != codec.ZERO_IP:
        return request.giaddr, relay_port
    if reply.message_type == codec.NAK:
        return broadcast_address, client_port
    if request.ciaddr != codec.ZERO_IP:
        return request.ciaddr, client_port
    # A client without an address cannot take unicast before ARP knows it: broadcast.
    return broadcast_address, client_port
