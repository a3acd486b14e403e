"""CleanBlockDevice and InitNode: wipe every disk; choose the disk the system goes on."""

from __future__ import annotations

import json

from bmp_agent import blockdev, shell
from bmp_agent.context import StepContext
from bmp_agent.errors import StepError
from bmp_agent.steps import raid


def _signatures(device: str) -> list[dict]:
    done = shell.run(["wipefs", "--json", device], code="WIPE_FAILED", check=False)
    try:
        rows = json.loads(done.stdout or "{}").get("signatures") or []
    except ValueError:
        return []
    return [{"type": r.get("type", ""), "offset": r.get("offset", "")} for r in rows]


def _release(ctx: StepContext, disk: str) -> list[str]:
    """Unmount what lives on ``disk`` and stop md arrays built on it; returns what was done."""
    done = []
    parts = [disk, *blockdev.partitions_of(ctx, disk)]
    for device, point in reversed(blockdev.mounted(ctx)):
        if device in parts:
            shell.run(["umount", point], code="UNMOUNT_FAILED")
            done.append(f"unmounted {point}")
    for array in raid.arrays_using(ctx, parts):
        raid.stop_array(array)
        done.append(f"stopped {array}")
    return done


def clean_block_device(params: dict, ctx: StepContext) -> dict:
    """Wipe every signature (file systems, RAID, LVM) and both GPT copies of every disk."""
    report = []
    for disk in blockdev.disks(ctx):
        actions = _release(ctx, disk.path)
        wiped = []
        for part in blockdev.partitions_of(ctx, disk.path):
            for sig in _signatures(part):
                wiped.append({"device": part, **sig})
            shell.run(["wipefs", "--all", "--force", part], code="WIPE_FAILED")
        wiped += [{"device": disk.path, **sig} for sig in _signatures(disk.path)]
        shell.run(["wipefs", "--all", "--force", disk.path], code="WIPE_FAILED")
        # wipefs leaves the partition entries' space; sgdisk zaps both GPTs and the MBR.
        shell.run(["sgdisk", "--zap-all", disk.path], code="WIPE_FAILED")
        shell.run(["partprobe", disk.path], check=False)
        report.append(
            {
                "name": disk.path,
                "serial": disk.serial,
                "signatures_wiped": wiped,
                "partition_table_zapped": True,
                "actions": actions,
                "method": "wipefs --all; sgdisk --zap-all",
            }
        )
    ctx.state.partitions, ctx.state.mounts = {}, []
    ctx.state.raid_devices, ctx.state.raid_members, ctx.state.raid_level = [], [], ""
    ctx.state.data_disks, ctx.state.data_volumes, ctx.state.data_mounts = [], {}, []
    ctx.save_state()
    return {"devices": report}


def choose_root_disk(ctx: StepContext, hints: dict) -> blockdev.Disk:
    """By hints (serial, name, size), else MakeRaid's RAID volume (a software RAID's first
    member: the arrays come with MakePartitions), else the smallest disk; never a data
    volume's disk."""
    candidates = [d for d in blockdev.disks(ctx) if d.path not in ctx.state.data_disks]
    if ctx.state.raid_members and not hints:
        return blockdev.disk_info(ctx, ctx.state.raid_members[0])
    if ctx.state.raid_devices and not hints:
        return blockdev.disk_info(ctx, ctx.state.raid_devices[0])
    if hints:
        for disk in candidates:
            if all(_matches(disk, key, value) for key, value in hints.items()):
                return disk
        raise StepError("ROOT_DISK_NOT_FOUND", f"no disk matches the root device hints {hints}")
    if not candidates:
        raise StepError("NO_DISK", "this server has no disk to install on")
    return min(candidates, key=lambda d: (d.size, d.path))


def _matches(disk: blockdev.Disk, key: str, value: object) -> bool:
    if key == "serial":
        return disk.serial == str(value)
    if key == "name":
        return disk.path == str(value) or disk.name == str(value)
    if key == "size":  # GiB, like Ironic's hints
        return disk.size // (1 << 30) == int(str(value))
    return True  # unknown hints do not exclude a disk


def init_node(params: dict, ctx: StepContext) -> dict:
    node = params.get("node_data") or {}
    disk = choose_root_disk(ctx, dict(node.get("root_device_hints") or {}))
    ctx.state.root_disk = disk.path
    ctx.state.os_type = str(node.get("os_type", ""))
    ctx.state.os_version = str(node.get("os_version", ""))
    ctx.target_root.mkdir(parents=True, exist_ok=True)
    ctx.save_state()
    return {"root_device": disk.as_dict(), "root_device_hints": {"serial": disk.serial}}
