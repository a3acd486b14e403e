"""What every step gets besides its params: where things are, and what earlier steps decided.

Paths are configurable so tests run against loop devices and a temporary target root. The node
state (root disk, partitions, mounts) is kept in a JSON file in ``work_dir`` so a step retried
by a restarted agent still knows what InitNode and MakePartitions chose.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class NodeState:
    root_disk: str = ""  # /dev/... chosen by InitNode
    boot_mode: str = ""  # bios | uefi (MakePartitions, else the firmware's)
    os_type: str = ""
    os_version: str = ""
    raid_devices: list[str] = field(default_factory=list)  # md arrays made
    # Software RAID of the system volume (MakeRaid): its level and member disks; MakePartitions
    # lays out every member alike and builds one array per partition of the platform's.
    raid_level: str = ""
    raid_members: list[str] = field(default_factory=list)
    partitions: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> {device, ...}
    mounts: list[dict[str, str]] = field(default_factory=list)  # [{device, mountpoint, fs_type}]
    # data volumes (steps/data_volumes.py): their disks, never the system's; volume -> array or
    # disk; their partitions, for the installed system's fstab
    data_disks: list[str] = field(default_factory=list)
    data_volumes: dict[str, dict[str, Any]] = field(default_factory=dict)
    data_mounts: list[dict[str, Any]] = field(default_factory=list)


class Progress:
    """Bytes done / total of the running step, read by the heartbeat thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = 0
        self._total = 0

    def start(self, total: int) -> None:
        with self._lock:
            self._done, self._total = 0, max(total, 0)

    def add(self, count: int) -> None:
        with self._lock:
            self._done += count

    def snapshot(self) -> dict[str, int] | None:
        with self._lock:
            if not self._done and not self._total:
                return None
            return {"bytes": self._done, "total": self._total}

    def clear(self) -> None:
        self.start(0)


@dataclass
class StepContext:
    target_root: Path = Path("/mnt/target")  # where the installed system is mounted
    work_dir: Path = Path("/var/lib/bmp-agent")  # state file and downloads (qcow2)
    sys_root: Path = Path("/sys")
    proc_root: Path = Path("/proc")
    # None: every disk the kernel lists; tests give their loop devices (nothing else is touched)
    disks: list[str] | None = None
    image_host: str = ""  # replaces "{host}" in image URLs
    lldp_wait_s: float = 0.0
    http_timeout_s: float = 30.0
    chunk_size: int = 4 << 20
    progress: Progress = field(default_factory=Progress)
    state: NodeState = field(default_factory=NodeState)

    @property
    def state_file(self) -> Path:
        return self.work_dir / "node-state.json"

    def load_state(self) -> None:
        try:
            self.state = NodeState(**json.loads(self.state_file.read_text()))
        except (OSError, ValueError, TypeError):
            self.state = NodeState()

    def save_state(self) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self.state), indent=1))
        os.replace(tmp, self.state_file)

    def in_target(self, path: str) -> Path:
        """``path`` (absolute, as the installed system sees it) inside the target root."""
        return self.target_root / path.lstrip("/")
