"""WriteImageTar (a root file system archive into the mounted target) and WriteImage (a raw
or qcow2 whole-disk image onto the root disk), both streamed and checksum-verified."""

from __future__ import annotations

import os
import shutil
import subprocess

from bmp_agent import blockdev, download, shell, target
from bmp_agent.context import StepContext
from bmp_agent.errors import StepError
from bmp_agent.steps import bootloader, data_volumes, partitions

# First bytes of a compressed stream -> tar's flag for it
_MAGIC = {
    b"\xfd7zXZ\x00": "--xz",
    b"\x1f\x8b": "--gzip",
    b"(\xb5/\xfd": "--zstd",
    b"BZh": "--bzip2",
}


def _tar_flag(head: bytes) -> str | None:
    return next((flag for magic, flag in _MAGIC.items() if head.startswith(magic)), None)


def _clear_tree(root: str) -> None:
    """Empty ``root`` but keep it and the mount points below it (their contents go too)."""
    for entry in os.scandir(root):
        if entry.is_dir(follow_symlinks=False):
            if os.path.ismount(entry.path):
                _clear_tree(entry.path)
            else:
                shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)


class _TarSink:
    """Feeds the download into ``tar -x``; started on the first chunk (to see the compression)."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.proc: subprocess.Popen | None = None

    def __call__(self, chunk: bytes) -> None:
        if self.proc is None:
            flag = _tar_flag(chunk)
            argv = [
                shell.require("tar"),
                "-x",
                "-C",
                self.target,
                "--numeric-owner",
                "--preserve-permissions",
                "--xattrs",
                "--xattrs-include=*",
            ]
            self.proc = subprocess.Popen(
                [*argv, *([flag] if flag else [])],
                stdin=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        try:
            self.proc.stdin.write(chunk)
        except BrokenPipeError:
            raise StepError(
                "IMAGE_EXTRACT_FAILED", f"tar stopped: {self.finish(check=False)}"
            ) from None

    def finish(self, check: bool = True) -> str:
        if self.proc is None:
            raise StepError("IMAGE_EMPTY", "the image is empty")
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        errors = self.proc.stderr.read().decode(errors="replace").strip()
        code = self.proc.wait()
        if check and code != 0:
            raise StepError("IMAGE_EXTRACT_FAILED", f"tar exited {code}: {errors[-300:]}")
        return errors

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def write_image_tar(params: dict, ctx: StepContext) -> dict:
    if not os.path.ismount(ctx.target_root):
        raise StepError("TARGET_NOT_MOUNTED", f"{ctx.target_root} is not mounted (MountPartitions)")
    expected = download.expected_hash(str(params.get("hash", "")))
    sink = _TarSink(str(ctx.target_root))
    try:
        count, digest = download.stream(str(params.get("url", "")), ctx, expected, sink)
        sink.finish()
    except StepError:
        sink.kill()
        _clear_tree(str(ctx.target_root))  # nothing half-installed looks like a system
        os.sync()
        raise
    fstab = ctx.in_target("/etc/fstab")
    fstab.parent.mkdir(parents=True, exist_ok=True)
    fstab.write_text(partitions.fstab_text(ctx))
    data_volumes.write_to_guest(ctx)
    if ctx.state.raid_devices or any(v.get("md_uuid") for v in ctx.state.data_volumes.values()):
        # the installed system's mdadm assembles its arrays (system and data) by these
        conf = ctx.in_target("/etc/mdadm/mdadm.conf")
        conf.parent.mkdir(parents=True, exist_ok=True)
        conf.write_text(partitions.mdadm_conf_text(ctx))
    loader = bootloader.install_bootloader(params, ctx)
    os.sync()
    serial = blockdev.disk_info(ctx, ctx.state.root_disk).serial if ctx.state.root_disk else ""
    return {
        "bytes_written": count,
        expected.algorithm: digest,
        "root_device_hints": {"serial": serial},
        "bootloader": loader,
    }


def _release_disk(ctx: StepContext, disk: str) -> None:
    parts = {disk, *blockdev.partitions_of(ctx, disk)}
    for device, point in reversed(blockdev.mounted(ctx)):
        if device in parts:
            shell.run(["umount", point], code="UNMOUNT_FAILED")


def _zap(disk: str) -> None:
    shell.run(["wipefs", "--all", "--force", disk], check=False)
    shell.run(["sgdisk", "--zap-all", disk], check=False)


def write_image(params: dict, ctx: StepContext) -> dict:
    disk = ctx.state.root_disk
    if not disk:
        raise StepError("NO_ROOT_DISK", "InitNode has not chosen the root disk yet")
    expected = download.expected_hash(str(params.get("hash", "")))
    fmt = str(params.get("format") or "raw").lower()
    _release_disk(ctx, disk)
    ctx.state.partitions, ctx.state.mounts = {}, []  # the image brings its own layout
    ctx.save_state()
    try:
        if fmt == "qcow2":
            count, digest = _write_qcow2(params, ctx, expected, disk)
        elif fmt == "raw":
            count, digest = _write_raw(params, ctx, expected, disk)
        else:
            raise StepError("IMAGE_FORMAT_UNSUPPORTED", f"WriteImage takes raw or qcow2, not {fmt}")
    except StepError:
        _zap(disk)  # a half-written disk must not boot
        raise
    if _has_gpt(disk):  # usually smaller than the disk: move the backup GPT to the disk's end
        shell.run(["sgdisk", "--move-second-header", disk], check=False)
    return {
        "bytes_written": count,
        expected.algorithm: digest,
        "format": fmt,
        "root_device_hints": {"serial": blockdev.disk_info(ctx, disk).serial},
        "root": _mount_root(params, ctx, disk),
    }


def _mount_root(params: dict, ctx: StepContext, disk: str) -> dict | None:
    """The written system's root at the target, for the guest steps that follow. An image
    without a Linux root (another OS, a data disk) is still written; the guest steps then
    fail with ROOT_FS_NOT_FOUND. A ``root_label`` the platform names must be there."""
    label = str(params.get("root_label") or "")
    try:
        return target.mount_root(ctx, disk, label)
    except StepError as exc:
        if exc.code != "ROOT_FS_NOT_FOUND" or label:
            raise
        return None


def _has_gpt(disk: str) -> bool:
    with open(disk, "rb") as device:
        device.seek(512)
        return device.read(8) == b"EFI PART"


def _write_raw(params: dict, ctx: StepContext, expected: download.Expected, disk: str):
    return stream_to_device(str(params.get("url", "")), ctx, expected, disk)


def stream_to_device(url: str, ctx: StepContext, expected: download.Expected, path: str):
    """Download ``url`` onto ``path`` (a disk, or an existing file), durable when it returns."""
    fd = os.open(path, os.O_WRONLY)
    try:
        result = download.stream(url, ctx, expected, lambda b: _write_all(fd, b))
        os.fsync(fd)
        return result
    finally:
        os.close(fd)


def _write_all(fd: int, chunk: bytes) -> None:
    view = memoryview(chunk)
    while view:
        view = view[os.write(fd, view) :]


def _write_qcow2(params: dict, ctx: StepContext, expected: download.Expected, disk: str):
    """qcow2 cannot be written as a stream: download it (verified) into the work dir, then
    ``qemu-img convert`` onto the disk."""
    shell.require("qemu-img", "QEMU_IMG_MISSING")
    ctx.work_dir.mkdir(parents=True, exist_ok=True)
    local = ctx.work_dir / "image.qcow2"
    try:
        with open(local, "wb") as out:
            result = download.stream(str(params.get("url", "")), ctx, expected, out.write)
        shell.run(
            [
                "qemu-img",
                "convert",
                "-f",
                "qcow2",
                "-O",
                "raw",
                "-n",
                "-t",
                "none",
                str(local),
                disk,
            ],
            code="IMAGE_WRITE_FAILED",
            timeout=3600,
        )
        return result
    finally:
        local.unlink(missing_ok=True)
