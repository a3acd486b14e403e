"""MakePartitions, FormatPartitions, MountPartitions on the root disk InitNode chose.

Layout (GPT): a 1 MiB bios_grub partition for BIOS or a 512 MiB ESP for UEFI first, then the
platform's partitions in order. A size of 0 MB means "the rest of the disk". Labels come from the
platform (l_root, l_swap, ...); the partition ids (ipt-N) map to device paths in the node state.

A system volume in software RAID (MakeRaid planned it) gets that layout on every member disk,
the platform's partitions typed "Linux RAID", and one md array per platform partition over the
members' partitions of that number: ipt-N maps to its array. Each member keeps its own
bios_grub partition or ESP (``esp``, ``esp-2``, ...), so each boots alone.
"""

from __future__ import annotations

import os

from bmp_agent import blockdev, kmod, shell
from bmp_agent.context import StepContext
from bmp_agent.errors import StepError
from bmp_agent.steps import raid

MIB = 1 << 20
ESP_MB = 512
BIOS_GRUB_MB = 1
ESP_ID, BIOS_GRUB_ID = "esp", "bios_grub"
_TYPE_CODES = {"swap": "8200", "esp": "ef00", "bios_grub": "ef02", "raid": "fd00"}


def _root_disk(ctx: StepContext) -> str:
    if not ctx.state.root_disk:
        raise StepError("NO_ROOT_DISK", "InitNode has not chosen the root disk yet")
    return ctx.state.root_disk


def plan_layout(params: dict, disk_bytes: int) -> list[dict]:
    """[{id, fs_type, label, start_mib, size_mib, type_code}] for the root volume, or StepError."""
    volume = next((v for v in params.get("volumes") or [] if v.get("is_root_device")), None)
    if volume is None:
        raise StepError("NO_ROOT_VOLUME", "MakePartitions has no root volume")
    rows = []
    if params.get("auto_create_bios_grub"):
        rows.append({"id": BIOS_GRUB_ID, "fs_type": "", "size": BIOS_GRUB_MB, "type": "bios_grub"})
    if params.get("auto_create_efi"):
        rows.append({"id": ESP_ID, "fs_type": "vfat", "size": ESP_MB, "type": "esp"})
    for part in sorted(volume.get("partitions") or [], key=lambda p: int(p.get("number", 0))):
        fs_type = str(part.get("fs_type", "")).lower()
        rows.append(
            {
                "id": part["id"],
                "fs_type": fs_type,
                "size": int(part.get("size") or 0),
                "type": "swap" if fs_type == "swap" else "linux",
            }
        )
    usable = disk_bytes // MIB - 2  # 1 MiB alignment in front, GPT backup at the end
    fixed = sum(r["size"] for r in rows if r["size"])
    rest = [r for r in rows if not r["size"]]
    if len(rest) > 1:
        raise StepError("PARTITION_LAYOUT_INVALID", "only one partition may take the rest (size 0)")
    if fixed + (1 if rest else 0) > usable:
        raise StepError(
            "DISK_TOO_SMALL", f"the partitions need {fixed} MiB; the disk has {usable} MiB"
        )
    start = 1
    for row in rows:
        row["size"] = row["size"] or usable - fixed
        row["start"] = start
        start += row["size"]
    return rows


def _write_table(ctx: StepContext, disk: str, layout: list[dict], raid_member: bool) -> list[str]:
    """The GPT of ``layout`` on ``disk``; returns the partitions' device paths."""
    shell.run(["sgdisk", "--zap-all", disk], code="PARTITION_FAILED")
    argv = ["sgdisk"]
    for number, row in enumerate(layout, start=1):
        end = row["start"] + row["size"] - 1
        kind = "raid" if raid_member and row["type"] in ("linux", "swap") else row["type"]
        # In 512-byte sectors: MiB-aligned starts, exact sizes.
        argv += [
            f"--new={number}:{row['start'] * 2048}:{(end + 1) * 2048 - 1}",
            f"--typecode={number}:{_TYPE_CODES.get(kind, '8300')}",
            f"--change-name={number}:{row['id']}",
        ]
    shell.run([*argv, disk], code="PARTITION_FAILED")
    return blockdev.reread_partitions(ctx, disk, len(layout))


def _row(row: dict, device: str) -> dict:
    return {
        "device": device,
        "fs_type": row["fs_type"],
        "type": row["type"],
        "size_mib": row["size"],
    }


def make_partitions(params: dict, ctx: StepContext) -> dict:
    disk = _root_disk(ctx)
    members = ctx.state.raid_members if disk in ctx.state.raid_members else [disk]
    size = min(blockdev.disk_info(ctx, member).size for member in members)
    layout = plan_layout(params, size)
    ctx.state.boot_mode = str(params.get("boot_mode") or "uefi").lower()
    if len(members) == 1:
        devices = _write_table(ctx, disk, layout, raid_member=False)
        ctx.state.partitions = {
            row["id"]: _row(row, dev) for row, dev in zip(layout, devices, strict=True)
        }
    else:
        ctx.state.partitions = _make_raid_partitions(ctx, members, layout)
    ctx.state.mounts = []
    ctx.save_state()
    made = {"disk": disk, "partitions": [{"id": k, **v} for k, v in ctx.state.partitions.items()]}
    if len(members) > 1:
        made["raid"] = {"level": ctx.state.raid_level, "members": members}
    return made


def _make_raid_partitions(ctx: StepContext, members: list[str], layout: list[dict]) -> dict:
    """Every member laid out alike; an array per platform partition (see the docstring)."""
    for array in raid.arrays_using(
        ctx, [p for member in members for p in [member, *blockdev.partitions_of(ctx, member)]]
    ):
        raid.stop_array(array)  # assembled by udev from an earlier install's superblocks
    tables = [_write_table(ctx, member, layout, raid_member=True) for member in members]
    ctx.state.raid_devices = []
    made = {}
    for number, row in enumerate(layout):
        devices = [table[number] for table in tables]
        if row["type"] in (BIOS_GRUB_ID, "esp"):
            for copy, device in enumerate(devices, start=1):
                made[row["id"] if copy == 1 else f"{row['id']}-{copy}"] = _row(row, device)
        else:
            made[row["id"]] = {
                **_row(row, raid.create_array(ctx, row["id"], devices)),
                "members": devices,
            }
    return made


def _mkfs(fs_type: str, device: str, label: str) -> list[str]:
    if fs_type in ("ext2", "ext3", "ext4"):
        return [f"mkfs.{fs_type}", "-q", "-F", "-L", label, device]
    if fs_type == "xfs":
        return ["mkfs.xfs", "-q", "-f", "-L", label[:12], device]
    if fs_type in ("vfat", "fat32", "fat"):
        return ["mkfs.vfat", "-F", "32", "-n", label[:11].upper(), device]
    if fs_type == "swap":
        return ["mkswap", "-L", label, device]
    raise StepError("FS_TYPE_UNSUPPORTED", f"cannot make a {fs_type!r} file system")


def format_partitions(params: dict, ctx: StepContext) -> dict:
    made = []
    # Every member's ESP of a software RAID (esp, esp-2, ...): InstallBootloader fills each.
    wanted = [(pid, "vfat", "ESP") for pid, p in ctx.state.partitions.items() if p["type"] == "esp"]
    wanted += [
        (p["volume"], str(p.get("fs_type", "")).lower(), p.get("label") or "")
        for p in params.get("partitions") or []
    ]
    for part_id, fs_type, label in wanted:
        part = ctx.state.partitions.get(part_id)
        if part is None:
            raise StepError("PARTITION_UNKNOWN", f"{part_id} was not made by MakePartitions")
        shell.run(["wipefs", "--all", "--force", part["device"]], code="FORMAT_FAILED")
        shell.run(_mkfs(fs_type, part["device"], label), code="FORMAT_FAILED")
        part.update(fs_type=fs_type, label=label)
        made.append({"id": part_id, "device": part["device"], "fs_type": fs_type, "label": label})
    ctx.save_state()
    return {"formatted": made}


def _by_label(ctx: StepContext, label: str) -> dict:
    for part in ctx.state.partitions.values():
        if part.get("label") == label:
            return part
    raise StepError("PARTITION_LABEL_UNKNOWN", f"no formatted partition has the label {label!r}")


def mount_partitions(params: dict, ctx: StepContext) -> dict:
    wanted = [
        (m["mountpoint"], _by_label(ctx, m.get("label", "")), m.get("options") or "defaults")
        for m in params.get("mounts") or []
        if str(m.get("mountpoint", "")).startswith("/")
    ]
    if params.get("auto_mount_efi") and ESP_ID in ctx.state.partitions:
        wanted.append(("/boot/efi", ctx.state.partitions[ESP_ID], "umask=0077"))
    if not any(point == "/" for point, _, _ in wanted):
        raise StepError("NO_ROOT_MOUNT", "MountPartitions has no mount for /")
    wanted.sort(key=lambda row: row[0].rstrip("/").count("/") if row[0] != "/" else -1)
    ctx.target_root.mkdir(parents=True, exist_ok=True)
    ctx.state.mounts = []
    for point, part, options in wanted:
        where = ctx.in_target(point)
        where.mkdir(parents=True, exist_ok=True)
        if not os.path.ismount(where):
            mount(part, str(where), options)
        ctx.state.mounts.append(
            {
                "device": part["device"],
                "mountpoint": point,
                "fs_type": part["fs_type"],
                "label": part.get("label", ""),
                "options": options,
            }
        )
    ctx.save_state()
    return {"mounts": ctx.state.mounts}


def mount(part: dict, where: str, options: str = "defaults") -> None:
    """Mounts a partition of the node state (the FAT modules first for an ESP: see kmod)."""
    if part["fs_type"] == "vfat":
        kmod.require(*kmod.ESP, purpose="mounting the EFI system partition")
    shell.run(
        ["mount", "-t", part["fs_type"], "-o", options, part["device"], where], code="MOUNT_FAILED"
    )


def fstab_text(ctx: StepContext) -> str:
    """The installed system's fstab: by LABEL, so it survives disk renaming."""
    lines = ["# written by the BMP agent", ""]
    for mount in ctx.state.mounts:
        spec = (
            f"LABEL={mount['label']}"
            if mount.get("label") and mount["fs_type"] != "vfat"
            else f"UUID={_uuid(mount['device'])}"
        )
        passno = 1 if mount["mountpoint"] == "/" else 2
        options = mount["options"]
        if mount["fs_type"] == "vfat" and ctx.state.raid_members:
            options += ",nofail"  # this ESP's disk may be the one gone from a degraded mirror
        lines.append(f"{spec}\t{mount['mountpoint']}\t{mount['fs_type']}\t{options}\t0\t{passno}")
    for part in ctx.state.partitions.values():
        if part.get("fs_type") == "swap":
            lines.append(f"LABEL={part['label']}\tnone\tswap\tsw\t0\t0")
    return "\n".join(lines) + "\n"


def mdadm_conf_text(ctx: StepContext) -> str:
    """/etc/mdadm/mdadm.conf of the installed system: its arrays (system and data), by UUID."""
    scan = shell.run(["mdadm", "--detail", "--scan"], code="RAID_SCAN")
    return "# written by the BMP agent\nDEVICE partitions\n" + scan.stdout


def _uuid(device: str) -> str:
    return shell.run(
        ["blkid", "-s", "UUID", "-o", "value", device], code="BLKID_FAILED"
    ).stdout.strip()


def unmount_all(ctx: StepContext) -> None:
    for mount in sorted(ctx.state.mounts, key=lambda m: -len(m["mountpoint"])):
        where = ctx.in_target(mount["mountpoint"])
        if os.path.ismount(where):
            shell.run(["umount", str(where)], code="UNMOUNT_FAILED")
