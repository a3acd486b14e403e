"""The DHCP server loop: sockets in, ``policy.decide`` in the middle, replies and events out.

One thread and a selector: the DHCP socket (67), the ProxyDHCP boot server socket (4011, in
proxy mode) and the router-solicitation socket. A ready socket is drained in batches (up to
``MAX_BATCH`` datagrams read into one reused buffer). The host table is re-read whenever its
``version()`` moves, so reservations the worker writes apply to the next packet, no restart
(``WalWatch`` says when the version can have moved). Several processes on one port cannot
share the load: a broadcast DISCOVER reaches every socket bound to port 67, so each would
answer it.
A packet that cannot be parsed, or that makes the handler fail, is dropped and counted.
"""

from __future__ import annotations

import dataclasses
import logging
import mmap
import selectors
import socket
import threading
import time
from pathlib import Path

from bmp_dhcp_agent.dhcp import codec, policy
from bmp_dhcp_agent.dhcp.events import FLUSH_DELAY, FLUSH_EVERY, EventLog, EventWriter
from bmp_dhcp_agent.dhcp.ra import RouterAdvertiser
from bmp_dhcp_agent.hosts import HostTable, Lookup

log = logging.getLogger(__name__)

MAX_BATCH = 64  # datagrams read from one socket before the loop looks at the others
RECEIVE_BUFFER = 1 << 20  # a PXE storm arrives in bursts


@dataclasses.dataclass(frozen=True)
class ServerConfig:
    policy: policy.PolicyConfig
    table_path: Path
    interface: str | None = None  # SO_BINDTODEVICE; None only for loopback tests
    listen_ip: str = "0.0.0.0"  # noqa: S104 - broadcasts reach only a socket on INADDR_ANY
    port: int = 67
    proxy_port: int = 4011
    client_port: int = 68
    relay_port: int = 67
    broadcast_address: str = "255.255.255.255"
    answer_router_solicitations: bool = True
    max_events: int = 100_000


def open_udp_socket(ip: str, port: int, interface: str | None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        if interface:
            # Replies to 255.255.255.255 leave through this interface only, and requests
            # from other segments never reach us.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, interface.encode())
        sock.bind((ip, port))
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def index_hosts(table: HostTable) -> tuple[int, dict[str, Lookup]]:
    """The table's version and every reservation with its subnet, keyed by MAC."""
    snapshot = table.snapshot()
    hosts: dict[str, Lookup] = {}
    for host in snapshot.hosts:
        subnet = next((s for s in snapshot.subnets if s.contains(host.ip)), None)
        hosts[host.mac] = Lookup(host, subnet)
    return snapshot.version, hosts


class WalWatch:
    """Whether a SQLite database in WAL mode may have changed since the last call, from the
    wal-index header (the first 48 bytes of its ``-shm`` file): every commit rewrites it (its
    frame count, change counter or salts move), and it is what SQLite's own readers compare.
    Reading it costs a fraction of a microsecond where ``SELECT version`` cost ~10 µs, a fifth
    of a packet's CPU. Any doubt (no file, a header in mid-write) answers True: the caller then
    asks SQLite. The host table stays open in this process, so its ``-shm`` file stays too."""

    HEADER = 48

    def __init__(self, path: Path):
        self._path = Path(f"{path}-shm")
        self._map: mmap.mmap | None = None
        self._seen = b""

    def changed(self) -> bool:
        if self._map is None:
            try:
                with open(self._path, "rb") as file:
                    self._map = mmap.mmap(file.fileno(), self.HEADER, access=mmap.ACCESS_READ)
            except (OSError, ValueError):  # not there yet, or shorter than a header
                return True
        header = self._map[: self.HEADER]
        if header == self._seen:
            return False
        self._seen = header
        return True

    def close(self) -> None:
        if self._map is not None:
            self._map.close()


class DhcpServer:
    """Open the sockets on construction (so ``port`` is known), then ``serve_forever()``."""

    def __init__(self, config: ServerConfig):
        self.config = config
        self.table = HostTable(config.table_path)
        self.events = EventLog(config.table_path, max_rows=config.max_events)
        self._writer = EventWriter(config.table_path, max_rows=config.max_events)
        self._table_watch = WalWatch(config.table_path)
        self.version, self.hosts = index_hosts(self.table)
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._stopping = threading.Event()
        self._sockets: list[socket.socket] = []
        # Every datagram is read into this one buffer; a DHCP message is at most 576 bytes
        # unless the client raised option 57, and 4 KiB covers any that fit an Ethernet frame.
        self._buffer = bytearray(4096)
        self._view = memoryview(self._buffer)
        self.ra: RouterAdvertiser | None = None
        try:
            self.sock = self._listen(config.port, "dhcp")
            self.port = self.sock.getsockname()[1]
            self.proxy_sock = None
            if config.policy.proxy:
                self.proxy_sock = self._listen(config.proxy_port, "proxy")
                self.proxy_port = self.proxy_sock.getsockname()[1]
            if config.interface and config.answer_router_solicitations:
                self.ra = RouterAdvertiser(config.interface)
                self._selector.register(self.ra.sock, selectors.EVENT_READ, "ra")
        except BaseException:
            self.close()
            raise
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")

    def _listen(self, port: int, name: str) -> socket.socket:
        sock = open_udp_socket(self.config.listen_ip, port, self.config.interface)
        self._sockets.append(sock)
        self._selector.register(sock, selectors.EVENT_READ, name)
        return sock

    # -- the loop ----------------------------------------------------------------------------

    def serve_forever(self) -> None:
        log.info(
            "DHCP server on %s port %s%s: %d reservations (table version %d)",
            self.config.interface or self.config.listen_ip,
            self.port,
            f" (ProxyDHCP, boot server on {self.proxy_port})" if self.proxy_sock else "",
            len(self.hosts),
            self.version,
        )
        events = self.events
        flush_due: float | None = None  # when the oldest unwritten event must be written
        while not self._stopping.is_set():
            # Block until a packet comes or unwritten events are due.
            timeout = None if flush_due is None else max(0.0, flush_due - time.monotonic())
            for key, _mask in self._selector.select(timeout):
                self._drain(key.fileobj, key.data)
            if not events.unwritten:
                continue
            now = time.monotonic()
            if flush_due is None:
                flush_due = now + FLUSH_DELAY
            if now >= flush_due or events.pending >= FLUSH_EVERY:
                self._flush()
                flush_due = None
        self._flush()

    def stop(self) -> None:
        self._stopping.set()
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def close(self) -> None:
        for sock in self._sockets:
            sock.close()
        if self.ra:
            self.ra.close()
        self._wake_r.close()
        self._wake_w.close()
        self._selector.close()
        self._writer.close()  # every batch handed over is written
        self._table_watch.close()
        self.events.close()
        self.table.close()

    def _flush(self) -> None:
        """Hand the unwritten events to the writer process (events.EventWriter)."""
        self._writer.submit(self.events.take())

    def _drain(self, sock, name: str) -> None:
        if name == "wake":
            sock.recv(64)
            return
        if name == "ra":
            try:
                if self.ra.handle():
                    self.events.count("router_advertisement")
            except OSError as exc:
                log.warning("router advertisement failed: %s", exc)
            return
        buffer, view = self._buffer, self._view
        for _ in range(MAX_BATCH):
            try:
                size, sender = sock.recvfrom_into(buffer)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. ICMP errors surfacing on a UDP socket
                log.debug("recvfrom on %s: %s", name, exc)
                continue
            try:
                self.handle(view[:size], sender, name, sock)
            except Exception:
                # A bug for one packet must not stop the server for every other client.
                log.exception("failed to handle a DHCP packet from %s", sender)
                self.events.count("internal_error")

    # -- one packet --------------------------------------------------------------------------

    def _reload_if_changed(self) -> None:
        if not self._table_watch.changed():
            return  # no transaction committed since the last look: same version
        version = self.table.version()
        if version != self.version:
            self.version, self.hosts = index_hosts(self.table)
            log.info("host table version %d: %d reservations", self.version, len(self.hosts))

    def handle(self, data: bytes, sender: tuple[str, int], port: str, sock) -> None:
        """Answer one datagram, with the host table as it is now."""
        self._reload_if_changed()
        self._answer(data, sender, port, sock)

    def _answer(self, data, sender: tuple[str, int], port: str, sock) -> None:
        try:
            request = codec.parse(data)
        except codec.CodecError as exc:
            self.events.count("malformed")
            log.debug("dropped a malformed packet from %s: %s", sender, exc)
            return
        mac = request.mac
        lookup = self.hosts.get(mac) if len(request.chaddr) == 6 else None
        decision = policy.decide(request, lookup, self.config.policy, port)
        kind = codec.MESSAGE_NAMES.get(request.message_type or 0)
        if kind:
            asked = request.option_ip(codec.OPT_REQUESTED_IP) or (
                "" if request.ciaddr == codec.ZERO_IP else request.ciaddr
            )
            self.events.record(mac, request.xid, kind, asked, decision.reason)
        if decision.reply is None:
            self.events.count(decision.reason)
            return
        reply = decision.reply
        if port == "proxy":
            target = sender  # the boot server answers whoever asked, as PXE expects
        else:
            target = policy.destination(
                request,
                reply,
                broadcast_address=self.config.broadcast_address,
                client_port=self.config.client_port,
                relay_port=self.config.relay_port,
            )
        sent_kind = codec.MESSAGE_NAMES[reply.message_type]
        try:
            sock.sendto(codec.build(reply), target)
        except OSError as exc:
            self.events.count("send_error")
            log.warning("could not send %s to %s for %s: %s", sent_kind, target, mac, exc)
            return
        given = "" if reply.yiaddr == codec.ZERO_IP else reply.yiaddr
        self.events.record(mac, request.xid, sent_kind, given)
        self.events.count(sent_kind.lower())
