"""MakeRaid / CleanRaid: Linux software RAID (mdadm), and a hook for vendor RAID CLIs.

A vendor CLI is a ``RaidCli``: it detects its controllers, lists their disks (for
CollectDiskLocations), deletes their virtual drives and creates volumes. Each takes a ``runner``
(argv -> stdout), so the parsers are tested against recorded outputs of the real CLIs.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Protocol

from bmp_agent import blockdev, kmod, shell
from bmp_agent.context import StepContext
from bmp_agent.errors import StepError

Runner = Callable[[list[str]], str]

# raid_name as the platform writes it -> mdadm level, and the fewest disks it needs
_LEVELS = {"RAID0": ("0", 2), "RAID1": ("1", 2), "RAID5": ("5", 3), "RAID10": ("10", 4)}
NO_RAID_NAME = "NO RAID"  # the catalogue's name (bmp_common.messages.jobs.NO_RAID_NAME)
_NO_RAID = {"", "NORAID", NO_RAID_NAME, "NONE", "JBOD"}


def shell_runner(argv: list[str]) -> str:
    return shell.run(argv, code="RAID_CLI_FAILED").stdout


class RaidCli(Protocol):
    name: str

    def detect(self, run: Runner) -> bool: ...
    def controllers(self, run: Runner) -> list[dict]: ...
    def clean(self, run: Runner, adapter_id: int) -> list[str]: ...
    def make(self, run: Runner, adapter_id: int, volume: dict) -> dict: ...


class StorCli:
    """Broadcom/LSI MegaRAID through ``storcli64`` and its JSON output (``J``)."""

    name = "storcli64"

    def _json(self, run: Runner, *args: str) -> list[dict]:
        answer = json.loads(run([self.name, *args, "J"]))
        return answer.get("Controllers") or []

    def detect(self, run: Runner) -> bool:
        if not shell.have(self.name) and run is shell_runner:
            return False
        rows = self._json(run, "show", "ctrlcount")
        return any((r.get("Response Data") or {}).get("Controller Count", 0) > 0 for r in rows)

    def controllers(self, run: Runner) -> list[dict]:
        found = []
        for row in self._json(run, "/call/eall/sall", "show"):
            adapter = (row.get("Command Status") or {}).get("Controller", 0)
            disks = []
            for drive in (row.get("Response Data") or {}).get("Drive Information") or []:
                enclosure, slot = str(drive.get("EID:Slt", ":")).split(":")
                size, unit = ([*str(drive.get("Size", "0 GB")).split(), "GB"])[:2]
                disks.append(
                    {
                        "enclosure": enclosure,
                        "slot": int(slot or 0),
                        "size": size,
                        "size_unit": unit,
                        "pd_type": drive.get("Intf", ""),
                        "media_type": drive.get("Med", ""),
                        "model": str(drive.get("Model", "")).strip(),
                        "state": drive.get("State", ""),
                    }
                )
            found.append({"adapter_id": adapter, "raid_driver": self.name, "disks": disks})
        return found

    def clean(self, run: Runner, adapter_id: int) -> list[str]:
        self._json(run, f"/c{adapter_id}/vall", "del", "force")
        return [f"{self.name}: deleted every virtual drive of controller {adapter_id}"]

    def make(self, run: Runner, adapter_id: int, volume: dict) -> dict:
        level = str(volume.get("raid_level", "NORAID")).upper()
        drives = [f"{d['enclosure']}:{d['slot']}" for d in volume.get("physical_disks") or []]
        if not drives:
            raise StepError("RAID_NO_DISKS", f"volume {volume.get('volume_id')} lists no disks")
        commands = []
        if level == "NORAID":  # like upstream: one RAID0 per disk
            commands = [
                [f"/c{adapter_id}", "add", "vd", "type=raid0", f"drives={d}"] for d in drives
            ]
        else:
            args = [
                f"/c{adapter_id}",
                "add",
                "vd",
                f"type={level.lower()}",
                f"drives={','.join(drives)}",
            ]
            if level == "RAID10":
                args.append(f"pdperarray={max(2, len(drives) // 2)}")
            commands = [args]
        for args in commands:
            for row in self._json(run, *args):
                status = row.get("Command Status") or {}
                if status.get("Status") != "Success":
                    reason = status.get("Description") or status.get("Detailed Status") or status
                    raise StepError("RAID_CREATE_FAILED", f"{self.name} {' '.join(args)}: {reason}")
        return {"volume_id": volume.get("volume_id", ""), "raid_driver": self.name, "disks": drives}


VENDOR_CLIS: list[RaidCli] = [StorCli()]


def detected_clis(run: Runner = shell_runner) -> list[RaidCli]:
    found = []
    for cli in VENDOR_CLIS:
        try:
            if cli.detect(run):
                found.append(cli)
        except (StepError, ValueError, OSError):
            continue  # not this vendor's controller
    return found


# -- Linux software RAID ------------------------------------------------------------------------
def md_arrays(ctx: StepContext) -> dict[str, list[str]]:
    """/dev/mdN -> its member devices, from /proc/mdstat."""
    arrays = {}
    try:
        text = (ctx.proc_root / "mdstat").read_text()
    except OSError:
        return {}
    for line in text.splitlines():
        match = re.match(r"^(md\S+)\s*:\s*\S+\s+(?:\(\S+\)\s+)?(?:raid\d+\s+)?(.*)$", line)
        if match:
            members = [f"/dev/{m.split('[')[0]}" for m in match.group(2).split()]
            arrays[f"/dev/{match.group(1)}"] = members
    return arrays


def md_health(ctx: StepContext) -> list[dict]:
    """Every md array as /proc/mdstat shows it: level, state, members wanted and up, and
    whether it runs degraded (a mirror with a disk gone: ``[2/1] [U_]``)."""
    try:
        lines = (ctx.proc_root / "mdstat").read_text().splitlines()
    except OSError:
        return []
    arrays = []
    for number, line in enumerate(lines):
        head = re.match(r"^(md\S+)\s*:\s*(\S+)\s+(?:\(\S+\)\s+)?(?:(raid\d+)\s+)?(.*)$", line)
        if not head:
            continue
        name, state, level, members = head.groups()
        follow = lines[number + 1] if number + 1 < len(lines) else ""
        counts = re.search(r"\[(\d+)/(\d+)\]\s+\[([U_]+)\]", follow)
        wanted, up, status = (int(counts[1]), int(counts[2]), counts[3]) if counts else (0, 0, "")
        arrays.append(
            {
                "device": f"/dev/{name}",
                "level": level or "",
                "state": state,
                "members": [f"/dev/{m.split('[')[0]}" for m in members.split()],
                "raid_disks": wanted,
                "active_disks": up,
                "status": status,
                "degraded": up < wanted,
            }
        )
    return arrays


def arrays_using(ctx: StepContext, devices: list[str]) -> list[str]:
    return [a for a, members in md_arrays(ctx).items() if set(members) & set(devices)]


def stop_array(array: str) -> None:
    shell.run(["mdadm", "--stop", array], code="RAID_STOP_FAILED")


def _free_md(ctx: StepContext) -> str:
    number = 127
    while (ctx.sys_root / "block" / f"md{number}").exists():
        number -= 1
    return f"/dev/md{number}"


def plan_software_raid(ctx: StepContext, level_name: str) -> dict:
    """The system volume as Linux software RAID: which disks, at which level. The arrays are
    built by MakePartitions, one per partition of the platform's layout, on partitions laid out
    alike on every member, so that each disk keeps its own bios_grub partition and ESP (a
    firmware reads neither through md) and boots alone when its mirror is gone. Its disks:
    every disk no data volume took (data_volumes.py reserves theirs first)."""
    level, fewest = _LEVELS[level_name]
    members = [d for d in blockdev.disks(ctx) if d.path not in ctx.state.data_disks]
    if len(members) < fewest:
        raise StepError(
            "RAID_NOT_ENOUGH_DISKS",
            f"{level_name} needs {fewest} disks, this server has {len(members)}",
        )
    shell.require("mdadm", "RAID_TOOL_MISSING")
    modules = kmod.require(*kmod.md(level), purpose=f"software {level_name}")
    ctx.state.raid_level = level_name
    ctx.state.raid_members = sorted(d.path for d in members)
    ctx.state.raid_devices = []
    ctx.save_state()
    return {"level": level_name, "members": ctx.state.raid_members, "modules": modules}


def create_array(ctx: StepContext, name: str, devices: list[str]) -> str:
    """``mdadm --create`` of the planned level over ``devices``; returns /dev/mdN.

    --assume-clean: the members were just partitioned and every block a file system uses is
    written through the mirror, so an initial resync would only copy unused space (doubling the
    install's disk traffic); ``mdadm --action=check`` would count those blocks as mismatches."""
    level, _ = _LEVELS[ctx.state.raid_level]
    for device in devices:  # a superblock of an earlier install at the same offset
        shell.run(["mdadm", "--zero-superblock", device], check=False)
    array = _free_md(ctx)
    shell.run(
        [
            "mdadm",
            "--create",
            array,
            "--run",
            f"--level={level}",
            "--metadata=1.2",
            f"--name={name}",
            "--assume-clean",
            f"--raid-devices={len(devices)}",
            *devices,
        ],
        code="RAID_CREATE_FAILED",
    )
    ctx.state.raid_devices.append(array)
    ctx.save_state()
    return array


def array_detail(array: str) -> dict[str, str]:
    """``mdadm --detail --export``: MD_LEVEL, MD_DEVICES, MD_UUID, MD_NAME, MD_DEVICE_*."""
    done = shell.run(["mdadm", "--detail", "--export", array], code="RAID_CREATE_FAILED")
    return dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)


def make_raid(params: dict, ctx: StepContext, run: Runner = shell_runner) -> dict:
    name = str(params.get("raid_name") or "").upper().replace("-", "")
    volumes = []
    for data in params.get("raid_datas") or []:  # a vendor controller, volumes by enclosure/slot
        clis = {c.name: c for c in detected_clis(run)}
        cli = clis.get(str(data.get("raid_driver", "")))
        if cli is None:
            raise StepError(
                "RAID_DRIVER_NOT_FOUND", f"no controller for {data.get('raid_driver')!r}"
            )
        for volume in data.get("volumes") or []:
            volumes.append(cli.make(run, int(data.get("adapter_id") or 0), volume))
    if volumes:
        return {"raid_datas": [{"volumes": volumes}]}
    if name.replace(" ", "") in {n.replace(" ", "") for n in _NO_RAID}:
        return {"raid_datas": [], "message": "no RAID: disks are used as they are"}
    if name not in _LEVELS:
        raise StepError("RAID_LEVEL_UNSUPPORTED", f"unknown RAID level {params.get('raid_name')!r}")
    plan = plan_software_raid(ctx, name)
    volume = {"volume_id": params.get("raid_id", ""), "disk_hints": {"name": plan["members"][0]}}
    return {"raid_datas": [{"volumes": [volume]}], "software_raid": plan}


def clean_raid(params: dict, ctx: StepContext, run: Runner = shell_runner) -> dict:
    done = []
    members = []
    for disk in blockdev.disks(ctx):
        members += [disk.path, *blockdev.partitions_of(ctx, disk.path)]
    for array in arrays_using(ctx, members):
        stop_array(array)
        done.append(f"mdadm: stopped {array}")
    for device in members if shell.have("mdadm") else []:
        zeroed = shell.run(["mdadm", "--zero-superblock", device], check=False)
        if zeroed.returncode == 0:
            done.append(f"mdadm: zeroed the superblock of {device}")
    for cli in detected_clis(run):
        for controller in cli.controllers(run):
            done += cli.clean(run, int(controller["adapter_id"]))
    ctx.state.raid_devices, ctx.state.raid_members, ctx.state.raid_level = [], [], ""
    ctx.save_state()
    return {"actions": done}


def mdadm_present() -> bool:
    return shell.have("mdadm") and os.path.exists("/proc/mdstat")
