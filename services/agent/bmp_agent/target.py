"""The installed system's file systems under ``ctx.target_root``.

- ``mount_root``: after WriteImage nothing is mounted; the guest steps (SetPassword, the NoCloud
  seed, ...) need the written disk's root file system. Which partition that is, in this order:
  1. the file system label the step names (``root_label``), if it names one;
  2. the GPT type "Linux root (x86-64)" of the Discoverable Partitions Specification
     (``4f68bce3-…``, sgdisk code 8304), as our GuestOS qcow2 and systemd-repart images carry;
  3. a well-known root label: ``bmp-root``, ``l_root`` (what MakePartitions writes),
     ``cloudimg-rootfs`` (Ubuntu cloud images);
  4. else the first ext2/3/4, xfs or btrfs partition holding ``/etc/os-release`` (mounted
     read-only to look). LVM and separate ``/etc`` layouts are not found.
- ``ensure_mounted``: a guest step on an unmounted target (reset-password boots a fresh
  LiveOS; a step retried after a release) mounts MountPartitions' layout again, or the root.
- ``release``: before the platform power-cycles the server, unmount everything under the target
  so ext4/xfs are clean on first boot instead of replaying their journal.
"""

from __future__ import annotations

import os
from pathlib import Path

from bmp_agent import blockdev, shell
from bmp_agent.context import StepContext
from bmp_agent.errors import StepError

DPS_ROOT_X86_64 = "4f68bce3-e8cd-4db1-96e7-fbcaf984b709"
ROOT_LABELS = ("bmp-root", "l_root", "cloudimg-rootfs")
ROOT_FS_TYPES = ("ext4", "ext3", "ext2", "xfs", "btrfs")


def probe(device: str) -> dict[str, str]:
    """blkid's low-level view of ``device``: TYPE, LABEL, PART_ENTRY_TYPE, ... ({} if none)."""
    done = shell.run(["blkid", "-p", "-o", "export", device], check=False)
    rows = (line.partition("=") for line in done.stdout.splitlines())
    return {key: value for key, sep, value in rows if sep}


def _candidates(ctx: StepContext, disk: str) -> list[tuple[str, dict[str, str]]]:
    devices = blockdev.partition_devices(ctx, disk) or [disk]  # a bare file system image
    found = [(device, probe(device)) for device in devices]
    return [(device, info) for device, info in found if info.get("TYPE") in ROOT_FS_TYPES]


def _holds_os_release(ctx: StepContext, device: str, fs_type: str) -> bool:
    point = ctx.work_dir / "probe"
    point.mkdir(parents=True, exist_ok=True)
    if shell.run(["mount", "-t", fs_type, "-o", "ro", device, str(point)], check=False).returncode:
        return False
    try:
        return (point / "etc/os-release").exists() or (point / "usr/lib/os-release").exists()
    finally:
        shell.run(["umount", str(point)], code="UNMOUNT_FAILED")


def find_root(ctx: StepContext, disk: str, label: str = "") -> tuple[str, dict[str, str]] | None:
    """(device, blkid fields) of the root file system on ``disk``, by the rules above."""
    candidates = _candidates(ctx, disk)
    if label:
        return next(((d, i) for d, i in candidates if i.get("LABEL") == label), None)
    for device, info in candidates:
        if info.get("PART_ENTRY_TYPE", "").lower() == DPS_ROOT_X86_64:
            return device, info
    for wanted in ROOT_LABELS:
        for device, info in candidates:
            if info.get("LABEL") == wanted:
                return device, info
    for device, info in candidates:
        if _holds_os_release(ctx, device, info["TYPE"]):
            return device, info
    return None


def mount_root(ctx: StepContext, disk: str, label: str = "") -> dict[str, str]:
    """Mount the root file system of ``disk`` at the target; recorded so ``release`` finds it."""
    found = find_root(ctx, disk, label)
    if found is None:
        wanted = f"labelled {label!r}" if label else "with a Linux root file system"
        raise StepError("ROOT_FS_NOT_FOUND", f"no partition of {disk} {wanted}")
    device, info = found
    mount = {
        "device": device,
        "mountpoint": "/",
        "fs_type": info["TYPE"],
        "label": info.get("LABEL", ""),
        "options": "defaults",
    }
    _mount(ctx, mount)
    ctx.state.mounts = [mount]
    ctx.save_state()
    return mount


def _mount(ctx: StepContext, mount: dict[str, str]) -> None:
    where = ctx.in_target(mount["mountpoint"])
    where.mkdir(parents=True, exist_ok=True)
    if not os.path.ismount(where):
        argv = ["mount", "-t", mount["fs_type"], "-o", mount.get("options") or "defaults"]
        shell.run([*argv, mount["device"], str(where)], code="MOUNT_FAILED")


def ensure_mounted(ctx: StepContext) -> None:
    """Mount the installed system if it is not (see the module's docstring); no-op if it is."""
    if os.path.ismount(ctx.target_root):
        return
    if ctx.state.mounts:
        for mount in sorted(ctx.state.mounts, key=lambda m: _depth(m["mountpoint"])):
            _mount(ctx, mount)
    elif ctx.state.root_disk:
        mount_root(ctx, ctx.state.root_disk)


def _depth(path: str) -> int:
    return len(Path(path).parts)


def release(ctx: StepContext) -> list[str]:
    """Unmount everything at or below the target, deepest first, then sync; returns the
    mount points in the order they were unmounted. A busy one fails the step (TARGET_BUSY):
    the platform must not power-cycle a server whose file system is still mounted."""
    root = os.path.realpath(ctx.target_root)
    points = [p for _, p in blockdev.mounted(ctx) if p == root or p.startswith(root + "/")]
    # Reversed /proc/mounts order first, so a point mounted twice loses its top mount first.
    released = []
    for point in sorted(reversed(points), key=_depth, reverse=True):
        done = shell.run(["umount", point], check=False)
        if done.returncode != 0:
            why = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["umount failed"]
            raise StepError(
                "TARGET_BUSY",
                f"cannot unmount {point} ({why[0]}): the installed file systems stay mounted",
                released=released,
            )
        released.append(point)
    os.sync()
    return released
