"""The read-only TFTP server: fbtftp (one process per transfer) over a root directory.

fbtftp's own request loop is replaced here because, as shipped, it lets a short datagram
crash the server, ignores write requests silently (a client then retries until it times out)
and passes option values such as ``blksize=0`` straight to the transfer.
"""

from __future__ import annotations

import collections
import logging
import socket
import struct
from pathlib import Path

from fbtftp import constants
from fbtftp.base_handler import BaseHandler, ResponseData, SessionStats
from fbtftp.base_server import BaseServer, ServerStats

from bmp_common import flight
from bmp_tftp.logs import LOGGER_NAME
from bmp_tftp.paths import RequestRefused, resolve_request

log = logging.getLogger(f"{LOGGER_NAME}.server")

# RFC 2348: blksize 8..65464; RFC 2349: timeout 1..255 s.
BLKSIZE_RANGE = (8, 65464)
TIMEOUT_RANGE = (1, 255)
MAX_DATAGRAM = 65535
_DATA_HEADER = struct.Struct("!HH")  # opcode 3, block number
_ACK_HEADER = struct.Struct("!HH")  # opcode, block number (or error code)
# A transfer reads its file in large chunks: one read(2) per ~170 blocks of 1468 bytes.
READ_BUFFER = 256 * 1024
# Longest wait, in seconds, between two looks at the stray-datagram socket.
STRAY_CHECK = 0.2


class BootFile(ResponseData):
    """A file opened lazily, in the transfer's own process, so the server keeps no descriptor."""

    def __init__(self, path: Path):
        self._path = path
        self._size = path.stat().st_size
        self._file = None

    def read(self, n: int) -> bytes:
        if self._file is None:
            self._file = open(self._path, "rb", buffering=READ_BUFFER)  # closed by close()
        return self._file.read(n)

    def size(self) -> int:
        return self._size

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


class BootFileHandler(BaseHandler):
    """One transfer: a file under ``root``, or the error packet that says why not.

    The transfer's socket is connected to the client, as tftpd-hpa's is: the kernel then sends
    and receives without a route lookup and an address per datagram (py-spy put 98 % of a
    transfer in ``sendto``/``recvfrom``). A connected socket no longer sees datagrams from other
    ports, so a second, unconnected socket shares the transfer's port (SO_REUSEPORT; Linux
    prefers the connected one for the client's own datagrams) and answers strays with error 5
    (RFC 1350), between two blocking receives of at most ``STRAY_CHECK`` seconds."""

    def __init__(self, server_addr, peer, path, options, stats_callback, *, root: Path):
        self._root = root
        self._receive_timeout = None  # the SO_RCVTIMEO set on the socket, in seconds
        self._strays: socket.socket | None = None
        super().__init__(server_addr, peer, path, options, stats_callback)

    def _get_listener(self) -> socket.socket:
        if self._listener is None:
            listener = socket.socket(self._family, socket.SOCK_DGRAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            listener.bind((str(self._server_addr[0]), 0))
            strays = socket.socket(self._family, socket.SOCK_DGRAM)
            strays.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            try:
                strays.bind(listener.getsockname())
                strays.setblocking(False)
                self._strays = strays
            except OSError:  # no second socket: strays then get ICMP port unreachable
                strays.close()
            listener.connect(self._peer)
            self._listener = listener
        return self._listener

    def _close(self, test=False):
        if self._strays is not None:
            self._strays.close()
        super()._close(test)

    def _answer_strays(self) -> None:
        """Error 5 to each datagram queued on the transfer's port from another port."""
        while True:
            try:
                _, peer = self._strays.recvfrom(MAX_DATAGRAM)
            except OSError:  # BlockingIOError: none left
                return
            self._strays.sendto(
                error_packet(constants.ERR_UNKNOWN_TRANSFER_ID, "Unknown TID"), peer
            )

    def on_new_data(self) -> None:
        """fbtftp's, with these changes. The socket stays blocking and its timeout is the
        kernel's (SO_RCVTIMEO), set once: a Python socket timeout costs a poll(2) before every
        receive and fbtftp set it twice per block (two fcntl calls). The socket is connected,
        so what it receives comes from the client (see the class). And the ACK that moves the
        transfer on is recognised first, with no further calls."""
        listener = self._listener or self._get_listener()
        if self._receive_timeout is None:
            self._receive_timeout = min(self._timeout, STRAY_CHECK)
            listener.settimeout(None)
            seconds = int(self._receive_timeout)
            microseconds = int((self._receive_timeout - seconds) * 1_000_000)
            timeval = struct.pack("ll", seconds, microseconds)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
        try:
            data = listener.recv(constants.DEFAULT_BLKSIZE)
        except (BlockingIOError, TimeoutError):  # SO_RCVTIMEO ran out: run_once retransmits
            if self._strays is not None:
                self._answer_strays()
            return
        except ConnectionRefusedError:  # ICMP port unreachable: the client has gone
            self._stats.error = {
                "error_code": constants.ERR_UNDEFINED,
                "error_message": "The client's port is closed",
            }
            self._should_stop = True
            return
        if len(data) < 4:
            return
        code, block_number = _ACK_HEADER.unpack_from(data)
        if code == constants.OPCODE_ACK:
            self._handle_ack(block_number)
            return
        if code == constants.OPCODE_ERROR:  # the client gave up (e.g. OVMF after a tsize probe)
            message = data[4:-1].decode("ascii", "replace")
            self._stats.error = {"error_code": block_number, "error_message": message}
            self._stats.client_aborted = True
        else:
            self._stats.error = {
                "error_code": constants.ERR_ILLEGAL_OPERATION,
                "error_message": "Only acknowledgements are expected",
            }
            self._transmit_error()
        self._should_stop = True

    def _handle_timeout(self) -> None:
        """fbtftp's, with the wait restarted after each retransmit: fbtftp's receive waited the
        whole timeout, ours wakes every ``STRAY_CHECK`` s and would otherwise retransmit on each
        wake once the first timeout ran out."""
        super()._handle_timeout()
        if not self._should_stop:
            self._reset_timeout()

    def _transmit_data(self) -> None:
        """fbtftp's, with the DATA header packed by a compiled struct instead of a format
        string built, parsed and used to copy the block for every block, and ``send`` on the
        connected socket."""
        block = self._current_block
        if block is None:
            self._transmit_oack()
            return
        packet = _DATA_HEADER.pack(constants.OPCODE_DATA, self._last_block_sent) + block
        try:
            (self._listener or self._get_listener()).send(packet)
        except ConnectionRefusedError:  # an earlier datagram's ICMP: the next receive ends it
            pass
        stats = self._stats
        stats.packets_sent += 1
        stats.bytes_sent += len(block)
        if len(block) < self._block_size:
            self._waiting_last_ack = True

    def get_response_data(self) -> ResponseData | None:
        try:
            return BootFile(resolve_request(self._root, self._path))
        except RequestRefused as refused:
            # fbtftp sends this error instead of data (run() checks it first).
            self._stats.error = {"error_code": refused.code, "error_message": refused.message}
            return None


def log_transfer(stats: SessionStats) -> None:
    """One JSON line per transfer, in the transfer's process."""
    fields = {
        "event": "tftp_transfer",
        "file": stats.file_path,
        "client": f"{stats.peer[0]}:{stats.peer[1]}",
        "bytes": stats.bytes_sent,
        "duration_s": round(stats.duration(), 4),
        "blksize": stats.blksize,
        "retransmits": stats.retransmits,
        "status": "error" if stats.error else "ok",
    }
    if getattr(stats, "client_aborted", False):
        # Normal for firmware: OVMF asks for tsize, then aborts and asks again with blksize.
        fields.update(status="client_aborted", error=stats.error.get("error_message"))
        log.info("tftp transfer ended by the client", extra={"fields": fields})
    elif stats.error:
        fields["error_code"] = stats.error.get("error_code")
        fields["error"] = stats.error.get("error_message")
        log.warning("tftp transfer failed", extra={"fields": fields})
    else:
        log.info("tftp transfer done", extra={"fields": fields})
    # For the jobs' timelines, by the client's address (the one its DHCP reservation holds):
    # a small record in Redis rather than this log, which may be a file, a journal or docker's.
    detail = {"file": stats.file_path, "bytes": stats.bytes_sent, "status": fields["status"]}
    if fields.get("error"):
        detail["error"] = fields["error"]
    flight.record_node([(stats.peer[0], flight.entry(flight.TFTP, flight.FILE_FETCHED, detail))])


def log_server_counters(stats: ServerStats) -> None:
    """fbtftp's periodic callback: what the request loop saw since the last call."""
    counters = stats.get_and_reset_all_counters()
    if counters:
        log.info("tftp requests", extra={"fields": {"event": "tftp_requests", **counters}})


def parse_request(datagram: bytes) -> tuple[int, str, dict[str, str]] | None:
    """(opcode, file name, options) of an RRQ/WRQ datagram, or None when it is malformed."""
    if len(datagram) < 4 or not datagram.endswith(b"\x00"):
        return None
    (opcode,) = struct.unpack("!H", datagram[:2])
    tokens = datagram[2:-1].decode("latin-1").split("\x00")
    if len(tokens) < 2 or len(tokens) % 2:
        return None
    name, mode, *pairs = tokens
    options = {"mode": mode.lower()}
    for key, value in zip(pairs[::2], pairs[1::2], strict=True):
        options[key.lower()] = value
    return opcode, name, options


def sanitize_options(options: dict[str, str]) -> dict[str, str]:
    """Options a transfer can honour: a bad number is dropped (the RFC default applies), a
    number above the maximum is lowered to it (RFC 2348 lets the server offer less)."""
    clean = dict(options)
    for key, (low, high) in (("blksize", BLKSIZE_RANGE), ("timeout", TIMEOUT_RANGE)):
        if key not in clean:
            continue
        value = clean.pop(key)
        if value.isascii() and value.isdigit() and int(value) >= low:
            clean[key] = str(min(int(value), high))
    return clean


def error_packet(code: int, message: str) -> bytes:
    return struct.pack("!HH", constants.OPCODE_ERROR, code) + message.encode("ascii") + b"\x00"


class BootFileServer(BaseServer):
    def __init__(self, root: Path, host: str, port: int, *, retries: int = 5, timeout: int = 2):
        self.root = Path(root).resolve(strict=True)
        super().__init__(
            host,
            port,
            retries,
            timeout,
            server_stats_callback=log_server_counters,
        )

    @property
    def address(self) -> tuple[str, int]:
        return self._listener.getsockname()[:2]

    def on_new_data(self) -> None:
        try:
            datagram, peer = self._listener.recvfrom(MAX_DATAGRAM)
        except OSError:  # e.g. an ICMP error from a vanished client
            return
        request = parse_request(datagram)
        if request is None:
            self._server_stats.increment_counter("malformed")
            return
        opcode, name, options = request
        if opcode == constants.OPCODE_WRQ:
            self._server_stats.increment_counter("write_refused")
            self._listener.sendto(
                error_packet(constants.ERR_ACCESS_VIOLATION, "This server is read-only"), peer
            )
            log.warning(
                "tftp write refused",
                extra={
                    "fields": {
                        "event": "tftp_write_refused",
                        "file": name,
                        "client": f"{peer[0]}:{peer[1]}",
                    }
                },
            )
            return
        if opcode != constants.OPCODE_RRQ:
            self._server_stats.increment_counter("unexpected_opcode")
            return
        options = collections.OrderedDict(
            mode=options.pop("mode"),
            default_timeout=self._timeout,
            retries=self._retries,
            **sanitize_options(options),
        )
        handler = BootFileHandler(
            (self._address, self._port), peer, name, options, log_transfer, root=self.root
        )
        handler.daemon = True
        handler.start()  # fork: the transfer runs in its own process
        self._server_stats.increment_counter("process_count")

    def stop(self) -> None:
        """Close the socket and the stats timer (a non-daemon thread that would keep us alive).
        Safe to call twice, and after run() returned."""
        self.close()
        if self._metrics_timer is not None:
            self._metrics_timer.cancel()
        self._selector.close()
        self._listener.close()


def serve(root: Path, host: str, port: int) -> None:
    server = BootFileServer(root, host, port)
    bound_host, bound_port = server.address
    log.info(
        "tftp serving %s on %s:%s",
        server.root,
        bound_host,
        bound_port,
        extra={"fields": {"event": "listening", "host": bound_host, "port": bound_port}},
    )
    try:
        server.run()
    except (KeyboardInterrupt, SystemExit):
        pass  # SIGINT/SIGTERM (see __main__): stop serving; running transfers are ended
    finally:
        server.stop()
