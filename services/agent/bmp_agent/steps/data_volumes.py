"""Data volumes: the disks of each data volume combined as the instance chose (MakeRaid),
partitioned and formatted (MakePartitions), and mounted by the installed system (its fstab,
written with the image).

A data volume (``data_volumes`` in MakeRaid, an ``is_data_device`` volume in MakePartitions)::

    {volume_id, volume_name, raid_level (NORAID | RAID0 | RAID1 | RAID5 | RAID10), keep_data,
     volume_amount, disk_hints: [{serial} | {name}], partitions: [...]}

- The disks are the ones the hints name (the device's disks chosen for the volume). A volume
  that names none takes ``volume_amount`` of the largest disks no other volume took, leaving the
  smallest for the system (the disk InitNode would choose).
- A RAID level becomes a Linux software RAID (mdadm). ``NORAID``: each disk on its own; the
  volume's partitions go on its first disk.
- ``keep_data`` (a reinstall that keeps the data disks): no new array, no new partition table,
  no file system is made. An array is found (or assembled) from its members, and the volume's
  existing partitions are written to the fstab as they are.
- The volume's disks are reserved in the node state: neither the system's RAID nor InitNode's
  choice of the root disk ever uses them.

The installed system mounts each data partition by file-system UUID with ``nofail`` (a data
volume that fails to come up does not stop the boot). The LiveOS never mounts them: the image
written to / cannot land on a data volume.
"""

from __future__ import annotations

import os

from bmp_agent import blockdev, shell
from bmp_agent.context import StepContext
from bmp_agent.errors import StepError
from bmp_agent.steps import partitions, raid

NO_RAID = "NORAID"
_NO_RAID_SPELLINGS = {name.replace(" ", "") for name in raid._NO_RAID}
DATA_OPTIONS = "defaults,nofail"


def _level(volume: dict) -> str:
    name = str(volume.get("raid_level", "")).upper().replace(" ", "").replace("-", "")
    if name in _NO_RAID_SPELLINGS:
        return NO_RAID
    if name not in raid._LEVELS:
        raise StepError(
            "RAID_LEVEL_UNSUPPORTED",
            f"data volume {_name(volume)}: unknown RAID level {volume.get('raid_level')!r} "
            f"(known: {', '.join([raid.NO_RAID_NAME, *raid._LEVELS])})",
        )
    return name


def _name(volume: dict) -> str:
    return str(volume.get("volume_name") or volume.get("volume_id") or "(unnamed)")


def _key(volume: dict) -> str:
    """The volume in the node state: its id (the platform's one volume without an id: "data")."""
    return str(volume.get("volume_id") or "data")


def _matches(disk: blockdev.Disk, hint: dict) -> bool:
    serial, name = str(hint.get("serial") or ""), str(hint.get("name") or "")
    if not serial and not name:
        return False
    if serial and disk.serial != serial:
        return False
    return not name or name == disk.path or os.path.basename(name) == disk.name


def _hint_text(hint: dict) -> str:
    return ", ".join(f"{key} {value}" for key, value in hint.items() if value) or "(empty hint)"


# -- which disks ------------------------------------------------------------------------------


def _named_disks(volume: dict, candidates: list[blockdev.Disk], taken: set[str]) -> list[str]:
    found = []
    for hint in volume.get("disk_hints") or []:
        disk = next((d for d in candidates if _matches(d, hint)), None)
        if disk is None:
            raise StepError(
                "DATA_DISK_NOT_FOUND",
                f"data volume {_name(volume)}: no disk of this server matches {_hint_text(hint)}",
            )
        if disk.path in taken or disk.path in found:
            raise StepError(
                "DATA_DISK_TAKEN",
                f"data volume {_name(volume)}: {disk.path} ({_hint_text(hint)}) is already "
                "part of another volume",
            )
        found.append(disk.path)
    return found


def _fewest(level: str) -> int:
    return 1 if level == NO_RAID else raid._LEVELS[level][1]


def _remaining_disks(
    volume: dict, level: str, candidates: list[blockdev.Disk], taken: set[str]
) -> list[str]:
    """The largest free disks, ``volume_amount`` of them, the smallest left for the system."""
    free = sorted((d for d in candidates if d.path not in taken), key=lambda d: (d.size, d.path))
    wanted = max(int(volume.get("volume_amount") or 0), _fewest(level))
    spare = free[1:]  # InitNode's root disk: the smallest
    if len(spare) < wanted:
        raise StepError(
            "DATA_DISKS_MISSING",
            f"data volume {_name(volume)} ({level}) needs {wanted} disk(s); this server has "
            f"{len(spare)} besides the system disk",
        )
    return sorted(d.path for d in spare[-wanted:])


# -- arrays -----------------------------------------------------------------------------------


def mdadm_create_argv(array: str, level: str, members: list[str], name: str) -> list[str]:
    """mdadm's command that builds ``level`` (RAID0/1/5/10) from ``members`` as ``array``."""
    return [
        "mdadm",
        "--create",
        array,
        "--run",
        "--force",
        f"--level={raid._LEVELS[level][0]}",
        "--metadata=1.2",
        f"--name={name[:32]}",
        f"--raid-devices={len(members)}",
        *members,
    ]


def _md_uuid(array: str) -> str:
    detail = shell.run(["mdadm", "--detail", "--export", array], code="RAID_CREATE_FAILED").stdout
    rows = dict(line.split("=", 1) for line in detail.splitlines() if "=" in line)
    return rows.get("MD_UUID", "")


def _array_of(ctx: StepContext, members: list[str]) -> str:
    """The running array whose members are exactly ``members`` (or their partitions), or ''."""
    for array, held in raid.md_arrays(ctx).items():
        if held and sorted(held) == sorted(members):
            return array
    return ""


def _build_array(ctx: StepContext, volume: dict, key: str, level: str, members: list[str]) -> dict:
    array = _array_of(ctx, members)
    made_here = ctx.state.data_volumes.get(key, {})
    if array and made_here.get("device") == array:
        return made_here  # a retried MakeRaid: built already in this boot
    if volume.get("keep_data"):
        if not array:
            array = raid._free_md(ctx)
            assembled = shell.run(["mdadm", "--assemble", "--run", array, *members], check=False)
            if assembled.returncode != 0:
                detail = (assembled.stderr or assembled.stdout).strip().splitlines()[-1:]
                raise StepError(
                    "DATA_VOLUME_NOT_FOUND",
                    f"data volume {_name(volume)}: keepData, but no {level} array could be "
                    f"assembled from {', '.join(members)}: {' '.join(detail)}",
                )
        return {"device": array, "md_uuid": _md_uuid(array), "kept": True}
    for busy in raid.arrays_using(ctx, members):  # an old array the LiveOS assembled
        raid.stop_array(busy)
    array = raid._free_md(ctx)
    argv = mdadm_create_argv(array, level, members, f"bmp-{key}")
    done = shell.run(argv, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-2:]
        raise StepError(
            "RAID_CREATE_FAILED",
            f"data volume {_name(volume)}: mdadm could not build {level} from "
            f"{', '.join(members)}: {' | '.join(detail)}",
        )
    return {"device": array, "md_uuid": _md_uuid(array), "kept": False}


def make_data_volumes(params: dict, ctx: StepContext) -> list[dict]:
    """Each data volume built (or found, keepData) and recorded in the node state."""
    volumes = list(params.get("data_volumes") or [])
    candidates = blockdev.disks(ctx)
    taken: set[str] = set()
    chosen: list[tuple[str, dict, str, list[str]]] = []
    # Volumes that name their disks first: the others take what is left.
    keys = [_key(volume) for volume in volumes]
    twice = next((key for key in keys if keys.count(key) > 1), None)
    if twice is not None:
        raise StepError("PARTITION_LAYOUT_INVALID", f"data volume {twice} is listed twice")
    for volume in sorted(volumes, key=lambda volume: not volume.get("disk_hints")):
        level = _level(volume)
        members = _named_disks(volume, candidates, taken)
        if not members:
            needs_disks = level != NO_RAID or volume.get("partitions")
            if not needs_disks:
                continue  # nothing to build nor to partition: its disks stay as they are
            members = _remaining_disks(volume, level, candidates, taken)
        if len(members) < _fewest(level):
            raise StepError(
                "RAID_NOT_ENOUGH_DISKS",
                f"data volume {_name(volume)}: {level} needs {_fewest(level)} disks, "
                f"{len(members)} chosen ({', '.join(members)})",
            )
        taken.update(members)
        chosen.append((_key(volume), volume, level, members))
    ctx.state.data_disks = sorted(taken)
    ctx.save_state()  # reserved before anything is built: a failure still keeps them reserved
    built = {}
    for key, volume, level, members in chosen:
        if level == NO_RAID:
            made = {"device": members[0], "md_uuid": "", "kept": bool(volume.get("keep_data"))}
        else:
            made = _build_array(ctx, volume, key, level, members)
        built[key] = {
            **made,
            "volume_id": str(volume.get("volume_id", "")),
            "volume_name": _name(volume),
            "level": level,
            "members": members,
        }
        ctx.state.data_volumes = {**ctx.state.data_volumes, key: built[key]}
        ctx.save_state()
    ctx.state.data_volumes = built
    ctx.state.data_mounts = []
    ctx.save_state()
    return list(built.values())


def make_raid(params: dict, ctx: StepContext) -> dict:
    """MakeRaid: the data volumes first (so the system's array never takes their disks), then
    the system volume's level."""
    data = make_data_volumes(params, ctx)
    system = raid.make_raid(params, ctx)
    return {**system, "data_volumes": data}


# -- partitions, file systems, fstab -----------------------------------------------------------


def plan_data_layout(volume: dict, device_bytes: int) -> list[dict]:
    """[{id, number, fs_type, label, mountpoint, start, size}] in MiB, or StepError."""
    rows = []
    for part in sorted(volume.get("partitions") or [], key=lambda p: int(p.get("number", 0))):
        fs_type = str(part.get("fs_type", "")).lower()
        point = str(part.get("mountpoint") or "")
        if fs_type != "swap" and not point.startswith("/"):
            raise StepError(
                "PARTITION_LAYOUT_INVALID",
                f"data volume {_name(volume)}: partition {part.get('number')} has no mount point",
            )
        rows.append(
            {
                "id": str(part.get("id") or f"data-{part.get('number')}"),
                "number": int(part.get("number", 0)),
                "fs_type": fs_type,
                "label": str(part.get("label") or ""),
                "mountpoint": point if fs_type != "swap" else "none",
                "options": str(part.get("options") or DATA_OPTIONS),
                "size": int(part.get("size") or 0),
            }
        )
    usable = device_bytes // partitions.MIB - 2  # 1 MiB in front, the GPT backup at the end
    fixed = sum(r["size"] for r in rows)
    if sum(1 for r in rows if not r["size"]) > 1:
        raise StepError(
            "PARTITION_LAYOUT_INVALID",
            f"data volume {_name(volume)}: only one partition may take the rest (size 0)",
        )
    if fixed + (1 if any(not r["size"] for r in rows) else 0) > usable:
        raise StepError(
            "DISK_TOO_SMALL",
            f"data volume {_name(volume)}: the partitions need {fixed} MiB; it has {usable} MiB",
        )
    start = 1
    for row in rows:
        row["size"] = row["size"] or usable - fixed
        row["start"] = start
        start += row["size"]
    return rows


def _blkid(device: str, tag: str) -> str:
    done = shell.run(["blkid", "-s", tag, "-o", "value", device], check=False)
    return done.stdout.strip() if done.returncode == 0 else ""


def _partition_fresh(ctx: StepContext, device: str, layout: list[dict]) -> list[str]:
    shell.run(["sgdisk", "--zap-all", device], code="PARTITION_FAILED")
    argv = ["sgdisk"]
    for number, row in enumerate(layout, start=1):
        end = row["start"] + row["size"]
        argv += [
            f"--new={number}:{row['start'] * 2048}:{end * 2048 - 1}",
            f"--typecode={number}:{'8200' if row['fs_type'] == 'swap' else '8300'}",
            f"--change-name={number}:{row['id']}",
        ]
    shell.run([*argv, device], code="PARTITION_FAILED")
    devices = blockdev.reread_partitions(ctx, device, len(layout))
    for row, part in zip(layout, devices, strict=True):
        shell.run(["wipefs", "--all", "--force", part], code="FORMAT_FAILED")
        shell.run(partitions._mkfs(row["fs_type"], part, row["label"]), code="FORMAT_FAILED")
    return devices


def _partitions_kept(ctx: StepContext, volume: dict, device: str, layout: list[dict]) -> list[str]:
    present = blockdev.partition_devices(ctx, device)
    devices = []
    for number, row in enumerate(layout, start=1):
        part = blockdev.partition_path(device, number)
        if part not in present:
            raise StepError(
                "DATA_PARTITION_MISSING",
                f"data volume {_name(volume)}: keepData, but {device} has no partition {number} "
                f"(for {row['mountpoint']})",
            )
        found = _blkid(part, "TYPE")
        if not found:
            raise StepError(
                "DATA_PARTITION_EMPTY",
                f"data volume {_name(volume)}: keepData, but {part} (for {row['mountpoint']}) "
                "holds no file system",
            )
        row["fs_type"] = found  # mounted as what it is
        devices.append(part)
    return devices


def make_data_partitions(params: dict, ctx: StepContext) -> list[dict]:
    """The data volumes' partitions made and formatted (kept as they are with keepData)."""
    mounts = []
    for volume in params.get("volumes") or []:
        if volume.get("is_root_device") or not volume.get("partitions"):
            continue
        key = _key(volume)
        made = ctx.state.data_volumes.get(key)
        if made is None:
            raise StepError(
                "DATA_VOLUME_UNKNOWN",
                f"data volume {_name(volume)} was not prepared by MakeRaid",
            )
        device = made["device"]
        layout = plan_data_layout(volume, blockdev.disk_info(ctx, device).size)
        if volume.get("keep_data"):
            devices = _partitions_kept(ctx, volume, device, layout)
        else:
            devices = _partition_fresh(ctx, device, layout)
        for row, part in zip(layout, devices, strict=True):
            uuid = _blkid(part, "UUID")
            if not uuid:
                raise StepError("BLKID_FAILED", f"{part} shows no file-system UUID")
            mounts.append(
                {
                    "volume_id": key,
                    "id": row["id"],
                    "device": part,
                    "uuid": uuid,
                    "fs_type": row["fs_type"],
                    "mountpoint": row["mountpoint"],
                    "options": row["options"],
                    "kept": bool(volume.get("keep_data")),
                }
            )
    ctx.state.data_mounts = mounts
    ctx.save_state()
    return mounts


def make_partitions(params: dict, ctx: StepContext) -> dict:
    """MakePartitions: the root volume's layout, then the data volumes'."""
    data = partitions.make_partitions(params, ctx)
    return {**data, "data_partitions": make_data_partitions(params, ctx)}


def fstab_lines(ctx: StepContext) -> list[str]:
    lines = []
    for mount in ctx.state.data_mounts:
        if mount["fs_type"] == "swap":
            lines.append(f"UUID={mount['uuid']}\tnone\tswap\tsw,nofail\t0\t0")
        else:
            options = mount["options"]
            lines.append(
                f"UUID={mount['uuid']}\t{mount['mountpoint']}\t{mount['fs_type']}\t{options}\t0\t2"
            )
    return lines


def write_to_guest(ctx: StepContext) -> None:
    """The data partitions in the installed system's fstab, and their mount points made."""
    if not ctx.state.data_mounts:
        return
    fstab = ctx.in_target("/etc/fstab")
    text = fstab.read_text() if fstab.exists() else ""
    if text and not text.endswith("\n"):
        text += "\n"
    fstab.write_text(text + "# data volumes\n" + "\n".join(fstab_lines(ctx)) + "\n")
    for mount in ctx.state.data_mounts:
        if mount["mountpoint"].startswith("/"):
            ctx.in_target(mount["mountpoint"]).mkdir(parents=True, exist_ok=True)
