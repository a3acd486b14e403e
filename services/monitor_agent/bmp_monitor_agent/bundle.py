"""The agent bundle that the image service serves and the LiveOS agent installs into a guest.

``python -m bmp_monitor_agent.bundle --out DIR`` writes ``DIR/bmp-monitor-agent.tar.gz``
(the package and ``dist/``: systemd unit, SysV script, ``install.sh``, and the shell heartbeat
of guests without python3, at the archive's top)
and ``DIR/bmp-monitor-agent.tar.gz.sha256``. The archive is reproducible (sorted names, owner
root, mtime 0, gzip without a name or time): the same sources give the same bytes, so a
restart that rebuilds it changes no checksum.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import tarfile
from pathlib import Path

NAME = "bmp-monitor-agent.tar.gz"
PACKAGE = Path(__file__).resolve().parent
DIST = PACKAGE.parent / "dist"
# What a guest needs: the package without its test helpers, and the service definitions.
LEFT_OUT = {"fake.py", "bundle.py"}
DIST_FILES = ("bmp-monitor-agent.service", "bmp-monitor-agent.sh", "bmpd.init", "install.sh")


def members() -> list[tuple[str, Path, int]]:
    """(name in the archive, source, mode), sorted by name."""
    found = [
        (f"bmp_monitor_agent/{path.name}", path, 0o644)
        for path in PACKAGE.glob("*.py")
        if path.name not in LEFT_OUT
    ]
    found += [(name, DIST / name, 0o755 if name != DIST_FILES[0] else 0o644) for name in DIST_FILES]
    return sorted(found)


def archive() -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, source, mode in members():
            data = source.read_bytes()
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, 0
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            tar.addfile(info, io.BytesIO(data))
    packed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=packed, mtime=0) as out:
        out.write(raw.getvalue())
    return packed.getvalue()


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def build(out_dir: Path) -> tuple[Path, str]:
    """Writes the bundle and its checksum file into ``out_dir``; (bundle path, sha256)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = archive()
    digest = hashlib.sha256(data).hexdigest()
    bundle = out_dir / NAME
    _write(bundle, data)
    _write(out_dir / f"{NAME}.sha256", f"{digest}  {NAME}\n".encode())
    return bundle, digest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bmp_monitor_agent.bundle")
    parser.add_argument("--out", type=Path, required=True, help="folder served by bmp-image")
    args = parser.parse_args(argv)
    bundle, digest = build(args.out)
    print(f"{bundle} sha256={digest}")


if __name__ == "__main__":
    main()
