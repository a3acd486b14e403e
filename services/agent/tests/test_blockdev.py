"""Partition tables re-read by the kernel, on loop devices."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from bmp_agent import blockdev
from bmp_agent.errors import StepError

from .conftest import needs_disk_tools, sh


@needs_disk_tools("parted")
def test_a_table_written_behind_the_kernels_back_is_read_again(loop_disks, make_ctx):
    disk = loop_disks(64)
    sh("sgdisk", "-o", "-n", "1:2048:+10M", disk)  # through the device: the kernel sees it
    sh("partprobe", disk)
    ctx = make_ctx([disk])
    assert blockdev.partitions_of(ctx, disk) == [f"{disk}p1"]
    # A new table in the file behind the device, as an image write leaves the kernel: with
    # the previous layout (on a real LiveOS, because udev held the disk open at the re-read).
    backing = Path(f"/sys/block/{os.path.basename(disk)}/loop/backing_file").read_text().strip()
    sh("sgdisk", "-o", "-n", "1:2048:+4M", "-n", "2:0:+8M", "-n", "3:0:0", backing)
    sh("blockdev", "--flushbufs", disk)  # the device's cache: the disk changed under it

    assert blockdev.partition_devices(ctx, disk) == [f"{disk}p1", f"{disk}p2", f"{disk}p3"]
    assert _kernel(disk, "size") == [8192, 16384, 131072 - 2048 - 8192 - 16384 - 33]


def _kernel(disk: str, field: str) -> list[int]:
    """``start`` or ``size`` of each partition the kernel shows, in 512-byte sectors."""
    name = os.path.basename(disk)
    parts = sorted(p for p in os.listdir(f"/sys/class/block/{name}") if p.startswith(name + "p"))
    return [int(Path(f"/sys/class/block/{name}/{p}/{field}").read_text()) for p in parts]


def _p1_moved_behind_the_kernels_back(loop_disks) -> str:
    """A disk whose kernel view has p1 at 2048, and whose table now has it at 4096: a moved
    partition cannot be resized in place, the kernel must drop it."""
    disk = loop_disks(64)
    sh("sgdisk", "-o", "-n", "1:2048:+10M", disk)
    sh("partprobe", disk)
    backing = Path(f"/sys/block/{os.path.basename(disk)}/loop/backing_file").read_text().strip()
    sh("sgdisk", "-o", "-n", "1:4096:+4M", "-n", "2:0:0", backing)
    sh("blockdev", "--flushbufs", disk)
    return disk


@needs_disk_tools("parted")
def test_a_partition_held_open_is_read_again_once_it_is_let_go(loop_disks, make_ctx):
    disk = _p1_moved_behind_the_kernels_back(loop_disks)
    holder = os.open(f"{disk}p1", os.O_RDONLY)  # what udev's probe does for a moment
    threading.Timer(1.0, os.close, args=(holder,)).start()
    ctx = make_ctx([disk])

    assert blockdev.partition_devices(ctx, disk) == [f"{disk}p1", f"{disk}p2"]
    assert _kernel(disk, "start") == [4096, 4096 + 8192]  # the new table's, not the old p1


@needs_disk_tools("parted")
def test_a_partition_held_open_for_good_is_a_clear_error(loop_disks, make_ctx, monkeypatch):
    monkeypatch.setattr(blockdev, "REREAD_TRIES", 2)
    disk = _p1_moved_behind_the_kernels_back(loop_disks)
    holder = os.open(f"{disk}p1", os.O_RDONLY)
    try:
        with pytest.raises(StepError) as failed:
            blockdev.partition_devices(make_ctx([disk]), disk)
    finally:
        os.close(holder)
    assert failed.value.code == "PARTITION_REREAD_FAILED"
