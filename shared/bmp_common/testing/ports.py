"""Ports for the servers a test starts.

Not the port the kernel hands out for port 0: that comes from the ephemeral range, where every
outgoing connection of the machine (to MariaDB, Redis, RabbitMQ, between the platform's own
services) takes its source port too, so that between the test's choice and the server's bind it
may be taken. A random port below that range, checked free, is taken only by another test that
drew the same number.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

LOWEST = 20000


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_port(kind: int = socket.SOCK_STREAM, host: str = "127.0.0.1") -> int:
    """A port of ``host`` that nothing of ``kind`` (TCP or UDP) is bound to, below the ephemeral
    range."""
    highest = _ephemeral_start() - 1
    for _ in range(1000):
        port = random.randint(LOWEST, highest)  # noqa: S311 (not a secret)
        with socket.socket(socket.AF_INET, kind) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port between {LOWEST} and {highest} on {host}")
