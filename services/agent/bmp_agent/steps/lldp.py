"""The LLDP neighbour of each NIC: one frame read from a raw socket (or ``lldpctl`` when the
LiveOS runs lldpd). Switches send every 30 s by default, so the wait is bounded."""

from __future__ import annotations

import ipaddress
import select
import socket
import struct
import time

ETH_P_LLDP = 0x88CC
_NAMES = {1: "chassis_id", 2: "port_id", 4: "port_description", 5: "system_name"}


def _id_text(subtype: int, value: bytes) -> str:
    if subtype == 4 and len(value) == 6:  # MAC address
        return ":".join(f"{b:02x}" for b in value)
    if subtype == 5 and value[:1] in (b"\x01",) and len(value) == 5:  # network address, IPv4
        return str(ipaddress.IPv4Address(value[1:]))
    return value.decode(errors="replace")


def parse_frame(frame: bytes) -> dict:
    """The neighbour described by one LLDP Ethernet frame."""
    if len(frame) < 14 or struct.unpack("!H", frame[12:14])[0] != ETH_P_LLDP:
        raise ValueError("not an LLDP frame")
    found: dict = {}
    offset = 14
    while offset + 2 <= len(frame):
        header = struct.unpack("!H", frame[offset : offset + 2])[0]
        kind, length = header >> 9, header & 0x1FF
        value = frame[offset + 2 : offset + 2 + length]
        offset += 2 + length
        if kind == 0:
            break
        if kind in (1, 2) and value:
            found[_NAMES[kind]] = _id_text(value[0], value[1:])
        elif kind in (4, 5):
            found[_NAMES[kind]] = value.decode(errors="replace")
        elif kind == 8 and len(value) >= 6 and value[1] == 1:  # management address, IPv4
            found["management_address"] = str(ipaddress.IPv4Address(value[2:6]))
    return found


def neighbours(interfaces: list[str], wait_s: float) -> dict[str, dict]:
    """interface -> neighbour, for those that saw a frame within ``wait_s``."""
    if wait_s <= 0:
        return {}
    sockets = {}
    for name in interfaces:
        try:
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_LLDP))
            sock.bind((name, ETH_P_LLDP))
            sockets[sock] = name
        except OSError:
            continue
    found: dict[str, dict] = {}
    deadline = time.monotonic() + wait_s
    try:
        while sockets and len(found) < len(sockets) and time.monotonic() < deadline:
            ready, _, _ = select.select(
                list(sockets), [], [], max(0.0, deadline - time.monotonic())
            )
            for sock in ready:
                try:
                    found.setdefault(sockets[sock], parse_frame(sock.recv(9000)))
                except (OSError, ValueError):
                    continue
    finally:
        for sock in sockets:
            sock.close()
    return found
