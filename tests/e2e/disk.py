"""Look inside a lab server's qcow2 disk after an install, read-only.

There is no nbd module on these hosts (qemu-nbd cannot attach) and no udev in the test's
container (a partitioned loop device gets no /dev/loopNpM nodes), so the disk is converted to a
sparse raw file and its partitions are read at their offsets: ``sfdisk --json``, ``blkid -p
-O``, ``mount -o loop,offset=…,ro,noload`` (no journal replay: the copy is never changed).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

SECTOR = 512


def _run(*argv: str) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True, timeout=120).stdout


@contextlib.contextmanager
def raw_copy(qcow2: Path) -> Iterator[str]:
    """A sparse raw copy of `qcow2`, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bmpin-disk-") as work:
        raw = Path(work) / "disk.raw"
        _run("qemu-img", "convert", "-U", "-O", "raw", str(qcow2), str(raw))
        yield str(raw)


def partition_table(raw: str) -> dict:
    """sfdisk's view: {"label": "gpt", "partitions": [{"start", "size", "type", ...}]}, or {}."""
    answer = subprocess.run(["sfdisk", "--json", raw], capture_output=True, text=True, timeout=30)
    if answer.returncode != 0:
        return {}
    return json.loads(answer.stdout)["partitiontable"]


def signatures(raw: str) -> str:
    """What `wipefs` (no changes) finds on the whole disk: empty when wiped."""
    return _run("wipefs", "--no-act", raw).strip()


def label_of(raw: str, partition: dict) -> str:
    offset = str(partition["start"] * SECTOR)
    answer = subprocess.run(
        ["blkid", "-p", "-O", offset, "-o", "value", "-s", "LABEL", raw],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return answer.stdout.strip()


def find_partition(raw: str, label: str) -> dict:
    table = partition_table(raw)
    found = [part for part in table.get("partitions", []) if label_of(raw, part) == label]
    assert found, f"no partition labelled {label}: {table}"
    return found[0]


@contextlib.contextmanager
def mounted(raw: str, partition: dict) -> Iterator[Path]:
    offset, size = partition["start"] * SECTOR, partition["size"] * SECTOR
    options = f"loop,ro,noload,offset={offset},sizelimit={size}"
    with tempfile.TemporaryDirectory(prefix="bmpin-mnt-") as point:
        _run("mount", "-o", options, raw, point)
        try:
            yield Path(point)
        finally:
            _run("umount", point)
