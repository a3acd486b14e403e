"""DHCPv4 packets (RFC 2131/2132) as bytes and back: a small struct codec, no policy.

``parse(data)`` returns a ``Packet`` or raises ``CodecError`` (and nothing else) for input that
is not a BOOTP/DHCP message. ``build(packet)`` returns the wire form. Options are kept as raw
bytes by code; helpers decode the few whose shape the server needs.
"""

from __future__ import annotations

import dataclasses
import socket
import struct

# The fixed BOOTP header: op, htype, hlen, hops, xid, secs, flags, ciaddr, yiaddr, siaddr,
# giaddr, chaddr(16), sname(64), file(128), then the 4-byte magic cookie.
_HEADER = struct.Struct("!BBBBIHH4s4s4s4s16s64s128s4s")
HEADER_SIZE = _HEADER.size  # 240
MAGIC_COOKIE = b"\x63\x82\x53\x63"
BOOTP_MIN_SIZE = 300  # RFC 1542: some relays and old clients drop shorter replies

BOOTREQUEST = 1
BOOTREPLY = 2
BROADCAST_FLAG = 0x8000
ZERO_IP = "0.0.0.0"  # noqa: S104 - an empty address field, not a bind

# Option codes the server reads or writes.
OPT_PAD = 0
OPT_SUBNET_MASK = 1
OPT_ROUTERS = 3
OPT_DNS_SERVERS = 6
OPT_HOSTNAME = 12
OPT_VENDOR_SPECIFIC = 43
OPT_REQUESTED_IP = 50
OPT_LEASE_TIME = 51
OPT_OVERLOAD = 52
OPT_MESSAGE_TYPE = 53
OPT_SERVER_ID = 54
OPT_PARAMETER_LIST = 55
OPT_MAX_MESSAGE_SIZE = 57
OPT_VENDOR_CLASS = 60
OPT_CLIENT_ID = 61
OPT_TFTP_SERVER = 66
OPT_BOOTFILE = 67
OPT_USER_CLASS = 77
OPT_RELAY_AGENT = 82
OPT_CLIENT_ARCH = 93
OPT_CLIENT_UUID = 97
OPT_IPXE_ENCAP = 175  # iPXE's encapsulated options; sub-option 176 = no-pxedhcp
IPXE_NO_PXEDHCP = 176
OPT_END = 255

# Message types (option 53).
DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM = range(1, 9)
MESSAGE_NAMES = {
    DISCOVER: "DISCOVER",
    OFFER: "OFFER",
    REQUEST: "REQUEST",
    DECLINE: "DECLINE",
    ACK: "ACK",
    NAK: "NAK",
    RELEASE: "RELEASE",
    INFORM: "INFORM",
}


class CodecError(ValueError):
    """The bytes are not a well-formed DHCP message."""


@dataclasses.dataclass
class Packet:
    op: int = BOOTREQUEST
    xid: int = 0
    chaddr: bytes = b"\x00" * 6  # the hardware address, hlen bytes long
    htype: int = 1  # Ethernet
    hops: int = 0
    secs: int = 0
    flags: int = 0
    ciaddr: str = ZERO_IP
    yiaddr: str = ZERO_IP
    siaddr: str = ZERO_IP
    giaddr: str = ZERO_IP
    sname: bytes = b""
    file: bytes = b""
    options: dict[int, bytes] = dataclasses.field(default_factory=dict)  # insertion-ordered

    @property
    def message_type(self) -> int | None:
        value = self.options.get(OPT_MESSAGE_TYPE)
        return value[0] if value and len(value) == 1 else None

    @property
    def mac(self) -> str:
        return self.chaddr.hex(":")

    @property
    def broadcast(self) -> bool:
        return bool(self.flags & BROADCAST_FLAG)

    def option_ip(self, code: int) -> str | None:
        value = self.options.get(code)
        return _ip(value) if value and len(value) == 4 else None

    def option_text(self, code: int) -> str:
        return self.options.get(code, b"").decode("ascii", "replace")

    def client_arch(self) -> int | None:
        """The first architecture of option 93 (a list of 16-bit types, RFC 4578)."""
        value = self.options.get(OPT_CLIENT_ARCH)
        return struct.unpack_from("!H", value)[0] if value and len(value) >= 2 else None

    def user_classes(self) -> list[bytes]:
        """Option 77 as RFC 3004 (length-prefixed list); iPXE's plain ``iPXE`` also works."""
        value = self.options.get(OPT_USER_CLASS, b"")
        classes, offset = [], 0
        while offset < len(value):
            size = value[offset]
            item = value[offset + 1 : offset + 1 + size]
            if size == 0 or len(item) != size:
                return [value]  # not RFC 3004: the whole option is one class name
            classes.append(item)
            offset += 1 + size
        return classes


_ip = socket.inet_ntoa  # 4 bytes -> dotted quad; ipaddress is ~10x slower per packet


# Addresses a server writes are few (its own, the subnets', the reservations'): each is
# converted once. Bounded so that addresses from requests cannot grow it without limit.
_IP_BYTES: dict[str, bytes] = {}
_IP_BYTES_MAX = 1 << 16


def _ip_bytes(text: str) -> bytes:
    packed = _IP_BYTES.get(text)
    if packed is not None:
        return packed
    try:
        packed = socket.inet_pton(socket.AF_INET, text)
    except (OSError, TypeError) as exc:
        raise CodecError(f"not an IPv4 address: {text!r}") from exc
    if len(_IP_BYTES) >= _IP_BYTES_MAX:
        _IP_BYTES.clear()
    _IP_BYTES[text] = packed
    return packed


def parse_options(data: bytes, into: dict[int, bytes]) -> None:
    """Read a TLV option area; a code seen twice is concatenated (RFC 3396)."""
    offset, size = 0, len(data)
    while offset < size:
        code = data[offset]
        offset += 1
        if code == OPT_PAD:
            continue
        if code == OPT_END:
            return
        if offset >= size:
            raise CodecError(f"option {code} has no length byte")
        length = data[offset]
        offset += 1
        if offset + length > size:
            raise CodecError(f"option {code} claims {length} bytes, {size - offset} remain")
        if code in into:
            into[code] += data[offset : offset + length]
        else:
            into[code] = data[offset : offset + length]
        offset += length
    # Running off the end without an END option is tolerated: several PXE ROMs do it.


def parse(data: bytes) -> Packet:
    """The DHCP message in ``data`` (a UDP payload)."""
    if type(data) is not bytes:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise CodecError("a packet is bytes")
        data = bytes(data)
    if len(data) < HEADER_SIZE:
        raise CodecError(f"{len(data)} bytes is shorter than a DHCP header ({HEADER_SIZE})")
    fields = _HEADER.unpack_from(data)
    op, htype, hlen, hops, xid, secs, flags = fields[:7]
    ciaddr, yiaddr, siaddr, giaddr, chaddr, sname, file, cookie = fields[7:]
    if op not in (BOOTREQUEST, BOOTREPLY):
        raise CodecError(f"op {op} is neither BOOTREQUEST nor BOOTREPLY")
    if cookie != MAGIC_COOKIE:
        raise CodecError("no DHCP magic cookie (a plain BOOTP packet?)")
    if not 1 <= hlen <= 16:
        raise CodecError(f"hardware address length {hlen} is not 1..16")
    options: dict[int, bytes] = {}
    parse_options(data[HEADER_SIZE:], options)
    overload = options.pop(OPT_OVERLOAD, b"")
    if overload:
        # Option 52: the file and/or sname fields carry more options (RFC 2132 9.3).
        if len(overload) != 1 or overload[0] not in (1, 2, 3):
            raise CodecError(f"option 52 (overload) is {overload.hex()}, not 1, 2 or 3")
        if overload[0] & 1:
            parse_options(file, options)
            file = b""
        if overload[0] & 2:
            parse_options(sname, options)
            sname = b""
    message_type = options.get(OPT_MESSAGE_TYPE)
    if message_type is not None and (
        len(message_type) != 1 or message_type[0] not in (MESSAGE_NAMES)
    ):
        raise CodecError(f"option 53 (message type) is {message_type.hex()}")
    return Packet(
        op=op,
        xid=xid,
        chaddr=chaddr[:hlen],
        htype=htype,
        hops=hops,
        secs=secs,
        flags=flags,
        ciaddr=_ip(ciaddr),
        yiaddr=_ip(yiaddr),
        siaddr=_ip(siaddr),
        giaddr=_ip(giaddr),
        sname=sname.split(b"\x00", 1)[0],
        file=file.split(b"\x00", 1)[0],
        options=options,
    )


def encode_options(options: dict[int, bytes]) -> bytes:
    """TLVs ending with END; values over 255 bytes are split into several options (RFC 3396)."""
    out = bytearray()
    for code, value in options.items():
        # The common case first, in as few steps as possible: this runs for every option of
        # every reply. An empty value is a valid option.
        if type(value) is bytes and type(code) is int and 0 < code < OPT_END:
            size = len(value)
            if size <= 255:
                out.append(code)
                out.append(size)
                out += value
                continue
        if not 0 < code < OPT_END:
            raise CodecError(f"option code {code} cannot be sent")
        if not isinstance(value, bytes | bytearray):
            raise CodecError(f"option {code} value must be bytes")
        if len(value) <= 255:
            out += bytes((code, len(value)))
            out += value
            continue
        for start in range(0, len(value), 255):
            chunk = value[start : start + 255]
            out += bytes((code, len(chunk))) + chunk
    out.append(OPT_END)
    return bytes(out)


def build(packet: Packet) -> bytes:
    """The wire form of ``packet``, padded to the BOOTP minimum of 300 bytes."""
    if not 1 <= len(packet.chaddr) <= 16:
        raise CodecError(f"chaddr of {len(packet.chaddr)} bytes is not 1..16")
    if len(packet.sname) > 63 or len(packet.file) > 127:
        raise CodecError("sname is at most 63 bytes and file at most 127")
    try:
        header = _HEADER.pack(
            packet.op,
            packet.htype,
            len(packet.chaddr),
            packet.hops,
            packet.xid,
            packet.secs,
            packet.flags,
            _ip_bytes(packet.ciaddr),
            _ip_bytes(packet.yiaddr),
            _ip_bytes(packet.siaddr),
            _ip_bytes(packet.giaddr),
            bytes(packet.chaddr),
            bytes(packet.sname),
            bytes(packet.file),
            MAGIC_COOKIE,
        )
    except struct.error as exc:
        raise CodecError(f"a header field is out of range: {exc}") from exc
    data = header + encode_options(packet.options)
    return data.ljust(BOOTP_MIN_SIZE, b"\x00")


def ipxe_no_pxedhcp() -> bytes:
    """Option 175 with sub-option 176 = 1: iPXE skips waiting for a ProxyDHCP offer."""
    return bytes((IPXE_NO_PXEDHCP, 1, 1))


def ip_list(addresses: tuple[str, ...] | list[str]) -> bytes:
    if len(addresses) == 1:  # most lists (server id, mask, one router)
        return _ip_bytes(addresses[0])
    return b"".join([_ip_bytes(address) for address in addresses])
