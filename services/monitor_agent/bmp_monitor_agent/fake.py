"""A fake /proc and /sys tree (for tests, the bench and the demo): what a guest with one disk,
two NICs and a settable CPU load would show the agent."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

GB = 1_000_000_000


class FakeHost:
    """``set_cpu(percent)`` makes the next collection read that CPU utilisation."""

    def __init__(self, root: Path, *, sn: str = "SN-FAKE-0001"):
        self.proc, self.sys = root / "proc", root / "sys"
        self.ticks = [0, 0]  # busy, idle jiffies so far
        for folder in (
            self.proc / "net",
            self.proc / "1",
            self.proc / "42",
            self.sys / "block" / "sda",
            self.sys / "block" / "loop0",
            self.sys / "class" / "dmi" / "id",
        ):
            folder.mkdir(parents=True, exist_ok=True)
        (self.sys / "class" / "dmi" / "id" / "product_serial").write_text(f"{sn}\n")
        (self.proc / "meminfo").write_text(
            "MemTotal:       16000000 kB\nMemFree:         2000000 kB\n"
            "MemAvailable:    4000000 kB\n"
        )
        (self.proc / "mounts").write_text(
            "/dev/sda1 / ext4 rw 0 0\nproc /proc proc rw 0 0\n/dev/sda2 /data xfs rw 0 0\n"
        )
        (self.proc / "diskstats").write_text(
            "   8       0 sda 1000 0 20000 0 500 0 40000 0 0 0 0\n"
            "   7       0 loop0 1 0 2 0 0 0 0 0 0 0 0\n"
        )
        (self.proc / "net" / "dev").write_text(
            "Inter-|   Receive                  |  Transmit\n"
            " face |bytes packets errs drop fifo frame compressed multicast|bytes packets\n"
            "    lo: 100 1 0 0 0 0 0 0 100 1 0 0 0 0 0 0\n"
            "  eth0: 5000 50 0 0 0 0 0 0 7000 70 0 0 0 0 0 0\n"
            "  eth1: 6000 60 0 0 0 0 0 0 8000 80 0 0 0 0 0 0\n"
        )
        (self.proc / "loadavg").write_text("0.50 0.40 0.30 1/100 4242\n")
        header = "  sl  local_address rem_address   st\n"
        (self.proc / "net" / "tcp").write_text(
            header + "   0: 0100007F:1F90 00000000:0000 0A\n"
            "   1: 0100007F:1F90 0100007F:C000 01\n   2: 0100007F:1F90 0100007F:C001 06\n"
        )
        self.set_cpu(10)

    def set_cpu(self, percent: float) -> None:
        """The next period (100 jiffies) is ``percent`` busy."""
        self.ticks[0] += round(percent)
        self.ticks[1] += 100 - round(percent)
        busy, idle = self.ticks
        (self.proc / "stat").write_text(f"cpu  {busy} 0 0 {idle} 0 0 0 0 0 0\ncpu0 0 0 0 0\n")

    @staticmethod
    def statvfs(path: str):
        sizes = {"/": (100, 40), "/data": (500, 100)}  # GB total, GB used
        total, used = sizes.get(path, (10, 1))
        return SimpleNamespace(
            f_blocks=total * GB // 4096, f_bfree=(total - used) * GB // 4096, f_frsize=4096
        )
