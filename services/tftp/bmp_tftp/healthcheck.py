"""``python -m bmp_tftp.healthcheck [--host IP] [--port PORT] [--file NAME]``: exit 0 when the
server answers a read request for NAME (default undionly.kpxe) with its size.

It asks for ``tsize`` only and then aborts, as firmware does when it probes a file, so a check
costs two datagrams and logs one ``client_aborted`` line.
"""

from __future__ import annotations

import argparse
import socket
import struct
import sys

from bmp_common import env

OPCODE_RRQ, OPCODE_ERROR, OPCODE_OACK = 1, 5, 6


def probe(host: str, port: int, name: str, timeout: float = 3.0) -> int | None:
    """The size the server announces for ``name``, or None (no answer, error, no tsize)."""
    request = struct.pack("!H", OPCODE_RRQ) + b"\x00".join(
        [name.encode(), b"octet", b"tsize", b"0", b""]
    )
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendto(request, (host, port))
            answer, transfer = sock.recvfrom(1024)
        except OSError:
            return None
        if answer[:2] != struct.pack("!H", OPCODE_OACK):
            return None
        sock.sendto(struct.pack("!HH", OPCODE_ERROR, 0) + b"health check\x00", transfer)
    fields = answer[2:].rstrip(b"\x00").split(b"\x00")
    options = dict(zip(fields[::2], fields[1::2], strict=False))
    size = options.get(b"tsize", b"")
    return int(size) if size.isdigit() else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bmp_tftp.healthcheck", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=env.env_int("BMP_TFTP_PORT", 69))
    parser.add_argument("--file", default="undionly.kpxe")
    args = parser.parse_args(argv)
    size = probe(args.host, args.port, args.file)
    if size is None:
        sys.exit(f"tftp {args.host}:{args.port} did not offer {args.file}")
    print(f"tftp ok: {args.file} {size} bytes")


if __name__ == "__main__":
    main()
