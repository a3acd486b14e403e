"""An IPv6 router advertisement answer, so iPXE does not wait ~16 s for a router.

iPXE sends a router solicitation and waits for an advertisement before it gives up on IPv6.
We answer each solicitation with an RA of router lifetime 0 (we are no default router) and no
prefix: the client learns "no IPv6 here" at once. A raw ICMPv6 socket; Linux fills in the
checksum and picks the interface's link-local address as the source.
"""

from __future__ import annotations

import socket
import struct
import time

ICMPV6_ROUTER_SOLICITATION = 133
ICMPV6_ROUTER_ADVERTISEMENT = 134
ALL_NODES = "ff02::1"
ALL_ROUTERS = "ff02::2"
ND_HOP_LIMIT = 255  # RFC 4861: receivers drop neighbour discovery with any other hop limit
_ICMP6_FILTER = 1  # linux/icmpv6.h
MIN_INTERVAL = 0.2  # at most 5 RAs a second, whatever floods us with solicitations


def router_advertisement(cur_hop_limit: int = 64) -> bytes:
    """Type 134, code 0, checksum (kernel), hop limit, flags 0, lifetime 0, timers 0."""
    return struct.pack("!BBHBBHII", ICMPV6_ROUTER_ADVERTISEMENT, 0, 0, cur_hop_limit, 0, 0, 0, 0)


def is_router_solicitation(message: bytes) -> bool:
    return len(message) >= 8 and message[0] == ICMPV6_ROUTER_SOLICITATION and message[1] == 0


def _only_solicitations_filter() -> bytes:
    # ICMP6_FILTER is a 256-bit "block" mask: set every bit, then clear type 133.
    words = [0xFFFFFFFF] * 8
    words[ICMPV6_ROUTER_SOLICITATION >> 5] &= ~(1 << (ICMPV6_ROUTER_SOLICITATION & 31))
    return struct.pack("8I", *words)


class RouterAdvertiser:
    """Owns the raw socket on ``interface``; call ``handle()`` when it is readable."""

    def __init__(self, interface: str):
        self.interface = interface
        self.ifindex = socket.if_nametoindex(interface)
        sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, interface.encode())
            sock.setsockopt(socket.IPPROTO_ICMPV6, _ICMP6_FILTER, _only_solicitations_filter())
            group = socket.inet_pton(socket.AF_INET6, ALL_ROUTERS)
            membership = group + struct.pack("@I", self.ifindex)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, membership)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, ND_HOP_LIMIT)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, ND_HOP_LIMIT)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, self.ifindex)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self.sock = sock
        self.sent = 0
        self._last = 0.0

    def fileno(self) -> int:
        return self.sock.fileno()

    def handle(self) -> bool:
        """Read one message; answer it if it is a solicitation. True when an RA was sent."""
        try:
            message, _sender = self.sock.recvfrom(1500)
        except (BlockingIOError, InterruptedError):
            return False
        now = time.monotonic()
        if not is_router_solicitation(message) or now - self._last < MIN_INTERVAL:
            return False
        self._last = now
        self.sock.sendto(router_advertisement(), (ALL_NODES, 0, 0, self.ifindex))
        self.sent += 1
        return True

    def close(self) -> None:
        self.sock.close()
