"""``python -m bmp_image --root DIR [--bind IP:PORT]``: serve DIR read-only over HTTP.

GET and HEAD with byte ranges; every other method is answered 405. Default bind 0.0.0.0:10000.
"""

from __future__ import annotations

import argparse
import logging.config
import signal
from pathlib import Path

from bmp_common import env
from bmp_image.logs import image_logging_config
from bmp_image.server import serve

DEFAULT_PORT = 10000


def parse_bind(value: str) -> tuple[str, int]:
    """``IP:PORT``, ``[IPv6]:PORT``, ``IP`` or ``:PORT``."""
    host, sep, port = value.rpartition(":")
    if not sep or "]" in port:  # no port given: "10.0.0.1" or "[::1]"
        host, port = value, str(DEFAULT_PORT)
    host = host.strip("[]") or "0.0.0.0"  # noqa: S104 - the provisioning network must reach it
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"bad port in {value!r}")
    return host, int(port)


def _stop(_signum, _frame):
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bmp_image", description=__doc__)
    parser.add_argument("--root", type=Path, default=env.env_str("BMP_IMAGE_ROOT"))
    parser.add_argument(
        "--bind",
        type=parse_bind,
        default=env.env_str("BMP_IMAGE_BIND", f"0.0.0.0:{DEFAULT_PORT}"),
        help="IP:PORT (default $BMP_IMAGE_BIND or 0.0.0.0:10000)",
    )
    parser.add_argument("--loglevel", default=env.env_str("BMP_LOG_LEVEL", "INFO"))
    args = parser.parse_args(argv)
    if args.root is None or not args.root.is_dir():
        parser.error("--root (or BMP_IMAGE_ROOT) must name an existing directory")
    logging.config.dictConfig(image_logging_config(args.loglevel))
    signal.signal(signal.SIGTERM, _stop)
    serve(args.root, *args.bind)


if __name__ == "__main__":
    main()
