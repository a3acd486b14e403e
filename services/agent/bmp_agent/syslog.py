"""The agent's log lines also go to the platform's syslog receiver (bmp-rsyslog), as upstream's
agent sent them: RFC 5424 messages over UDP (RFC 5426), one datagram per line, to
``bmp.rsyslog=HOST:PORT`` of the kernel command line. The receiver files them per node address
and program (``<address>/bmp-agent-<date>.log``). UDP: a receiver that is down costs nothing and
never blocks a step. The agent logs no secret (the steps never log their params)."""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime

FACILITY_LOCAL0 = 16
MAX_DATAGRAM = 2048  # RFC 5426: receivers take at least 2048 octets
_SEVERITY = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}


def _token(value: str, limit: int) -> str:
    """A header field: printable ASCII without spaces, ``-`` when empty (RFC 5424 NILVALUE)."""
    kept = "".join(c for c in value if 33 <= ord(c) <= 126)[:limit]
    return kept or "-"


def parse_address(value: str) -> tuple[str, int] | None:
    host, _, port = value.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        return None
    return host, int(port)


class Rfc5424Handler(logging.Handler):
    def __init__(self, address: tuple[str, int], *, hostname: str, app: str = "bmp-agent"):
        super().__init__()
        self.address = address
        self.hostname = _token(hostname, 255)
        self.app = _token(app, 48)
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_DGRAM)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def line(self, record: logging.LogRecord) -> bytes:
        severity = _SEVERITY.get(record.levelno, 6 if record.levelno < logging.WARNING else 3)
        stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        header = (
            f"<{FACILITY_LOCAL0 * 8 + severity}>1 {stamp.replace('+00:00', 'Z')} "
            f"{self.hostname} {self.app} {os.getpid()} {_token(record.name or '', 32)} -"
        )
        text = self.format(record).replace("\n", " | ")
        return f"{header} {text}".encode()[:MAX_DATAGRAM]

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.socket.sendto(self.line(record), self.address)
        except OSError:
            pass  # no route yet (the network comes up after the agent), receiver down: lost

    def close(self) -> None:
        self.socket.close()
        super().close()
