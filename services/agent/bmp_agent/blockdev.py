"""Block devices as the kernel shows them in sysfs: which disks, their partitions, sizes."""

from __future__ import annotations

import logging
import os
import shutil
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from bmp_agent import shell
from bmp_agent.context import StepContext
from bmp_agent.errors import StepError

log = logging.getLogger(__name__)

# Not installation targets: RAM disks, CD-ROMs, device-mapper, zram, floppies.
_SKIP_PREFIXES = ("loop", "ram", "sr", "dm-", "zram", "fd", "nbd", "md")


@dataclass(frozen=True)
class Disk:
    path: str  # /dev/sda
    name: str  # sda
    size: int  # bytes
    serial: str
    model: str
    rotational: bool

    def as_dict(self) -> dict:
        return {
            "name": self.path,
            "model": self.model,
            "size": self.size,
            "rotational": self.rotational,
            "serial": self.serial,
        }


def _read(path: Path, default: str = "") -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return default


def _serial(sys_block: Path) -> str:
    for candidate in ("serial", "device/serial", "wwid", "device/wwid"):
        value = _read(sys_block / candidate)
        if value:
            return value
    raw = sys_block / "device" / "vpd_pg80"  # SCSI unit serial number page
    try:
        return raw.read_bytes()[4:].decode(errors="replace").strip(" \x00")
    except OSError:
        return ""


def disk_info(ctx: StepContext, path: str) -> Disk:
    name = os.path.basename(os.path.realpath(path))
    sys_block = ctx.sys_root / "class" / "block" / name
    if not sys_block.exists():
        raise StepError("DISK_NOT_FOUND", f"{path} is not a block device known to the kernel")
    return Disk(
        path=path,
        name=name,
        size=int(_read(sys_block / "size", "0")) * 512,
        serial=_serial(sys_block),
        model=_read(sys_block / "device" / "model"),
        rotational=_read(sys_block / "queue" / "rotational", "0") == "1",
    )


def disks(ctx: StepContext) -> list[Disk]:
    """Installation candidates: the context's list, else every non-virtual, non-empty disk."""
    if ctx.disks is not None:
        paths = list(ctx.disks)
    else:
        names = sorted(os.listdir(ctx.sys_root / "block"))
        paths = [f"/dev/{n}" for n in names if not n.startswith(_SKIP_PREFIXES)]
    found = [disk_info(ctx, p) for p in paths]
    return [d for d in found if d.size > 0 and d.path not in holding_live_root(ctx)]


def partitions_of(ctx: StepContext, disk: str) -> list[str]:
    name = os.path.basename(os.path.realpath(disk))
    base = ctx.sys_root / "class" / "block" / name
    try:
        subs = [p for p in os.listdir(base) if (base / p / "partition").exists()]
    except OSError:
        return []
    subs.sort(key=lambda p: int(_read(base / p / "partition", "0")))
    return [f"/dev/{p}" for p in subs]


def partition_path(disk: str, number: int) -> str:
    """sda -> sda1, nvme0n1 / loop0 / md0 -> nvme0n1p1 (the kernel's naming rule)."""
    return f"{disk}p{number}" if disk[-1].isdigit() else f"{disk}{number}"


def reread_partitions(ctx: StepContext, disk: str, count: int) -> list[str]:
    """Make the kernel see the new table and wait for the partition device nodes."""
    _reread(ctx, disk)
    wanted = [partition_path(disk, n) for n in range(1, count + 1)]
    _wait_for_nodes(ctx, wanted)
    return wanted


def partition_devices(ctx: StepContext, disk: str) -> list[str]:
    """The partitions of a disk written from an image (their number is the image's): reread
    the table, then every partition the kernel lists, with its device node."""
    _reread(ctx, disk)
    found = partitions_of(ctx, disk)
    _wait_for_nodes(ctx, found)
    return found


REREAD_TRIES = 5


def _reread(ctx: StepContext, disk: str) -> None:
    """Make the kernel's partitions of ``disk`` those of its table, and check that they are.

    The kernel refuses to re-read the table of a disk something holds open, and udev (our
    LiveOS runs systemd-udevd) opens new partitions to probe them: a re-read right after a
    write can leave the kernel with the previous layout, whose partitions then hold no file
    system. So: wait for udev, re-read, wait for udev, compare the start and size of every
    partition the kernel shows with the table on the disk; again, a few times, until they
    match, else PARTITION_REREAD_FAILED (a clear error, not a stale layout).
    """
    for attempt in range(1, REREAD_TRIES + 1):
        _settle()
        shell.run(["partprobe", disk], code="PARTITION_REREAD_FAILED", check=False)
        _settle()
        on_disk = _table_layout(disk)
        if on_disk is None or on_disk == _kernel_layout(ctx, disk):
            return
        log.info("the kernel shows another partition table of %s (try %d)", disk, attempt)
        time.sleep(0.5 * attempt)
    raise StepError(
        "PARTITION_REREAD_FAILED",
        f"the kernel still shows an older partition table of {disk} than the one on it",
    )


def _settle() -> None:
    if shutil.which("udevadm"):
        shell.run(["udevadm", "settle", "--timeout=10"], check=False, timeout=30)


def _table_layout(disk: str) -> list[tuple[int, int]] | None:
    """(start, size) in 512-byte sectors of each partition of the table on ``disk``; None when
    it has no table parted reads (a bare file system image)."""
    done = shell.run(["parted", "-s", "-m", disk, "unit", "B", "print"], check=False)
    lines = [line.split(":") for line in done.stdout.splitlines()]
    # "BYT;", then the disk: path, size, transport, sector sizes, table type ("loop": none)...
    if done.returncode != 0 or len(lines) < 2 or len(lines[1]) < 6 or lines[1][5] == "loop":
        return None
    return sorted(
        (int(f[1].rstrip("B")) // 512, int(f[3].rstrip("B")) // 512)
        for f in lines[2:]
        if len(f) > 3 and f[0].isdigit()
    )


def _kernel_layout(ctx: StepContext, disk: str) -> list[tuple[int, int]]:
    blocks = ctx.sys_root / "class" / "block"
    names = [os.path.basename(p) for p in partitions_of(ctx, disk)]
    return sorted(
        (int(_read(blocks / name / "start", "-1")), int(_read(blocks / name / "size", "-1")))
        for name in names
    )


def _wait_for_nodes(ctx: StepContext, wanted: list[str]) -> None:
    """Without udev (a minimal LiveOS, a container) devtmpfs creates the nodes a moment later;
    a node still missing after the wait, or left over with other numbers, is made from sysfs'
    major:minor (partition minors are handed out again when loop devices come and go)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if all(_is_block(p) for p in wanted):
            break
        time.sleep(0.1)
    for path in wanted:
        numbers = _read(ctx.sys_root / "class" / "block" / os.path.basename(path) / "dev")
        if not numbers:
            raise StepError("PARTITION_NOT_VISIBLE", f"the kernel does not show {path}")
        major, minor = (int(x) for x in numbers.split(":"))
        if _is_block(path) and os.stat(path).st_rdev == os.makedev(major, minor):
            continue
        if os.path.lexists(path):
            os.unlink(path)
        os.mknod(path, 0o600 | stat.S_IFBLK, os.makedev(major, minor))


def _is_block(path: str) -> bool:
    try:
        return stat.S_ISBLK(os.stat(path).st_mode)
    except OSError:
        return False


def mounted(ctx: StepContext) -> list[tuple[str, str]]:
    """(device, mountpoint) of every mount."""
    rows = []
    for line in _read(ctx.proc_root / "mounts").splitlines():
        fields = line.split()
        if len(fields) >= 2:
            rows.append((fields[0], fields[1].replace("\\040", " ")))
    return rows


def holding_live_root(ctx: StepContext) -> set[str]:
    """Disks that hold the running system's / (never wiped: a safety net on a dev machine)."""
    held = set()
    for device, point in mounted(ctx):
        if point == "/" and device.startswith("/dev/"):
            name = os.path.basename(os.path.realpath(device))
            parent = ctx.sys_root / "class" / "block" / name / ".."
            if (ctx.sys_root / "class" / "block" / name / "partition").exists():
                held.add("/dev/" + os.path.basename(os.path.realpath(parent)))
            held.add("/dev/" + name)
    return held
