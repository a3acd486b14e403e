"""Upstream's 21 metrics from a /proc and /sys tree (the host's, or a test's fake one).

Gauges: bmp.cpu.util (%), bmp.memory.used (bytes), bmp.memory.util (%), bmp.disk.used and
bmp.disk.util per disk (its mounted partitions), bmp.disk.partition.used/util per mount point,
bmp.avg.load1/5/15, bmp.tcp.connect.total/established, bmp.process.total. Counters (since
boot; Prometheus takes their rate): bmp.disk.bytes.read/write and bmp.disk.counts.read/write
per disk, bmp.network.bytes.ingress/egress and bmp.network.packets.ingress/egress per NIC.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

SECTOR = 512
SKIPPED_DISKS = ("loop", "ram", "zram", "sr", "fd", "nbd")
SKIPPED_NICS = ("lo",)
SKIPPED_FS = (
    "proc",
    "sysfs",
    "devtmpfs",
    "devpts",
    "tmpfs",
    "cgroup",
    "cgroup2",
    "overlay",
    "squashfs",
    "securityfs",
    "pstore",
    "debugfs",
    "tracefs",
    "mqueue",
    "hugetlbfs",
    "autofs",
    "binfmt_misc",
    "configfs",
    "fusectl",
    "bpf",
    "nsfs",
    "efivarfs",
)
TCP_ESTABLISHED = "01"
TCP_LISTEN = "0A"


@dataclass(frozen=True)
class Point:
    metric: str
    value: float
    device: str = ""

    def wire(self, timestamp: int) -> dict:
        tags = {"device": self.device} if self.device else {}
        return {"metric": self.metric, "tags": tags, "timestamp": timestamp, "value": self.value}


@dataclass
class Collector:
    proc: Path = Path("/proc")
    sys: Path = Path("/sys")
    statvfs: object = os.statvfs  # (path) -> os.statvfs_result; a test's fake tree passes its own
    _cpu_last: tuple[int, int] | None = field(default=None, repr=False)

    def collect(self) -> list[Point]:
        points: list[Point] = []
        for part in (
            self.cpu,
            self.memory,
            self.disks,
            self.network,
            self.load,
            self.tcp,
            self.processes,
        ):
            try:
                points.extend(part())
            except (OSError, ValueError, IndexError):
                continue  # one unreadable source does not lose the others
        return points

    # -- CPU and memory ------------------------------------------------------------------------

    def cpu(self) -> list[Point]:
        fields = (self.proc / "stat").read_text().splitlines()[0].split()[1:]
        values = [int(v) for v in fields]
        idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
        total = sum(values[:8])  # guest time is already in user and nice
        last, self._cpu_last = self._cpu_last, (total, idle)
        if last is not None and total > last[0]:
            total, idle = total - last[0], idle - last[1]
        util = 100.0 * (total - idle) / total if total else 0.0
        return [Point("bmp.cpu.util", round(util, 2))]

    def memory(self) -> list[Point]:
        info = {}
        for line in (self.proc / "meminfo").read_text().splitlines():
            name, _, rest = line.partition(":")
            info[name] = int(rest.split()[0]) * 1024
        total = info["MemTotal"]
        available = info.get("MemAvailable", info.get("MemFree", 0))
        used = total - available
        return [
            Point("bmp.memory.used", float(used)),
            Point("bmp.memory.util", round(100.0 * used / total, 2) if total else 0.0),
        ]

    # -- Disks -------------------------------------------------------------------------------

    def _disks(self) -> list[str]:
        block = self.sys / "block"
        return (
            sorted(name for name in os.listdir(block) if not name.startswith(SKIPPED_DISKS))
            if block.is_dir()
            else []
        )

    def _mounts(self) -> list[tuple[str, str]]:
        """(device, mount point) of real file systems."""
        found, seen = [], set()
        for line in (self.proc / "mounts").read_text().splitlines():
            parts = line.split()
            if len(parts) < 3 or parts[2] in SKIPPED_FS or not parts[0].startswith("/dev/"):
                continue
            mountpoint = parts[1].replace("\\040", " ")
            if mountpoint not in seen:
                seen.add(mountpoint)
                found.append((parts[0], mountpoint))
        return found

    def disks(self) -> list[Point]:
        disks = self._disks()
        points: list[Point] = []
        usage = {disk: [0, 0] for disk in disks}  # used, total bytes of its mounted partitions
        for device, mountpoint in self._mounts():
            try:
                stat = self.statvfs(mountpoint)
            except OSError:
                continue
            total = stat.f_blocks * stat.f_frsize
            used = (stat.f_blocks - stat.f_bfree) * stat.f_frsize
            if not total:
                continue
            points.append(Point("bmp.disk.partition.used", float(used), mountpoint))
            points.append(
                Point("bmp.disk.partition.util", round(100.0 * used / total, 2), mountpoint)
            )
            name = device.rsplit("/", 1)[-1]
            disk = next((d for d in disks if name.startswith(d)), None)
            if disk is not None:
                usage[disk][0] += used
                usage[disk][1] += total
        for disk, (used, total) in usage.items():
            if total:
                points.append(Point("bmp.disk.used", float(used), disk))
                points.append(Point("bmp.disk.util", round(100.0 * used / total, 2), disk))
        wanted = set(disks)
        for line in (self.proc / "diskstats").read_text().splitlines():
            parts = line.split()
            if len(parts) < 10 or parts[2] not in wanted:
                continue
            name = parts[2]
            reads, read_sectors, writes, written_sectors = (
                int(parts[3]),
                int(parts[5]),
                int(parts[7]),
                int(parts[9]),
            )
            points += [
                Point("bmp.disk.bytes.read", float(read_sectors * SECTOR), name),
                Point("bmp.disk.bytes.write", float(written_sectors * SECTOR), name),
                Point("bmp.disk.counts.read", float(reads), name),
                Point("bmp.disk.counts.write", float(writes), name),
            ]
        return points

    # -- Network, load, TCP, processes -------------------------------------------------------

    def network(self) -> list[Point]:
        points = []
        for line in (self.proc / "net" / "dev").read_text().splitlines()[2:]:
            name, _, rest = line.partition(":")
            name, values = name.strip(), rest.split()
            if name in SKIPPED_NICS or len(values) < 10:
                continue
            points += [
                Point("bmp.network.bytes.ingress", float(values[0]), name),
                Point("bmp.network.packets.ingress", float(values[1]), name),
                Point("bmp.network.bytes.egress", float(values[8]), name),
                Point("bmp.network.packets.egress", float(values[9]), name),
            ]
        return points

    def load(self) -> list[Point]:
        one, five, fifteen = (self.proc / "loadavg").read_text().split()[:3]
        return [
            Point("bmp.avg.load1", float(one)),
            Point("bmp.avg.load5", float(five)),
            Point("bmp.avg.load15", float(fifteen)),
        ]

    def tcp(self) -> list[Point]:
        total = established = 0
        for name in ("tcp", "tcp6"):
            path = self.proc / "net" / name
            if not path.exists():
                continue
            for line in path.read_text().splitlines()[1:]:
                parts = line.split()
                if len(parts) < 4 or parts[3] == TCP_LISTEN:
                    continue
                total += 1
                established += parts[3] == TCP_ESTABLISHED
        return [
            Point("bmp.tcp.connect.total", float(total)),
            Point("bmp.tcp.connect.established", float(established)),
        ]

    def processes(self) -> list[Point]:
        count = sum(1 for name in os.listdir(self.proc) if name.isdigit())
        return [Point("bmp.process.total", float(count))]


def serial_number(sys_root: Path = Path("/sys")) -> str:
    """The server's SN from DMI (what the platform knows the device by)."""
    for name in ("product_serial", "board_serial", "chassis_serial"):
        try:
            value = (sys_root / "class" / "dmi" / "id" / name).read_text().strip()
        except OSError:
            continue
        if value and value.lower() not in ("none", "not specified", "default string", "0"):
            return value
    return ""
