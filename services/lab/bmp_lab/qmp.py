"""A minimal QMP (QEMU Machine Protocol) client over a unix socket: one command per connection.

QEMU is started with ``-qmp unix:PATH,server=on,wait=off``: it accepts one client at a time,
greets it, wants ``qmp_capabilities``, then answers commands; asynchronous events (SHUTDOWN,
RESET, ...) are interleaved and skipped here.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path


class QmpError(Exception):
    pass


def qmp_command(path: Path, command: str, timeout: float = 5.0, **arguments) -> dict:
    """Run one QMP command and return its ``return`` value (``{}`` for most commands)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
        except OSError as exc:
            raise QmpError(f"cannot connect to QMP at {path}: {exc}") from exc
        stream = sock.makefile("rwb")
        _read_reply(stream, greeting=True)
        _send(stream, "qmp_capabilities")
        _read_reply(stream)
        _send(stream, command, arguments)
        try:
            return _read_reply(stream)
        except QmpError:
            if command == "quit":
                return {}  # QEMU may close the socket before its answer reaches us
            raise


def _send(stream, command: str, arguments: dict | None = None) -> None:
    message = {"execute": command, **({"arguments": arguments} if arguments else {})}
    stream.write(json.dumps(message).encode() + b"\n")
    stream.flush()


def _read_reply(stream, greeting: bool = False) -> dict:
    while True:
        try:
            line = stream.readline()
        except OSError as exc:
            raise QmpError(f"QMP read failed: {exc}") from exc
        if not line:
            raise QmpError("QMP connection closed")
        message = json.loads(line)
        if greeting and "QMP" in message:
            return message
        if "error" in message:
            raise QmpError(f"{message['error'].get('class')}: {message['error'].get('desc')}")
        if "return" in message:
            return message["return"]
        # an asynchronous event: not what we wait for
