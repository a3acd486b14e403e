"""``python -m bmp_tftp --root DIR [--host IP] [--port PORT]``: serve DIR read-only over TFTP.

``python -m bmp_tftp prepare --root DIR [--source /usr/lib/ipxe]``: copy the iPXE boot programs
into DIR first (install or image build time).
"""

from __future__ import annotations

import argparse
import logging.config
import signal
import sys
from pathlib import Path

from bmp_common import env
from bmp_tftp.logs import tftp_logging_config
from bmp_tftp.prepare import IPXE_SOURCE, MissingBootPrograms, prepare_root


def _stop(_signum, _frame):
    raise SystemExit(0)


def serve_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bmp_tftp", description=__doc__)
    parser.add_argument("--root", type=Path, default=env.env_str("BMP_TFTP_ROOT"))
    parser.add_argument("--host", default=env.env_str("BMP_TFTP_HOST", "0.0.0.0"))  # noqa: S104
    parser.add_argument("--port", type=int, default=env.env_int("BMP_TFTP_PORT", 69))
    parser.add_argument("--loglevel", default=env.env_str("BMP_LOG_LEVEL", "INFO"))
    args = parser.parse_args(argv)
    if args.root is None or not args.root.is_dir():
        parser.error("--root (or BMP_TFTP_ROOT) must name an existing directory")
    logging.config.dictConfig(tftp_logging_config(args.loglevel))
    signal.signal(signal.SIGTERM, _stop)

    from bmp_tftp.server import serve  # fbtftp only where it serves

    serve(args.root, args.host, args.port)


def prepare_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bmp_tftp prepare", description=prepare_root.__doc__)
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--source", type=Path, default=IPXE_SOURCE)
    args = parser.parse_args(argv)
    try:
        written = prepare_root(args.root, args.source)
    except MissingBootPrograms as exc:
        sys.exit(f"bmp_tftp prepare: {exc}")
    for path in written:
        print(f"prepared {path}")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["prepare"]:
        prepare_main(argv[1:])
    else:
        serve_main(argv)


if __name__ == "__main__":
    main()
