"""The installed system's file systems: released (unmounted, clean) before the power cycle; the
root of a whole-disk image found and mounted after WriteImage for the guest steps; the root
found again in a fresh LiveOS (reset password). Checked on loop devices with dumpe2fs, the
mount table and the bytes the steps wrote."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import pytest

from bmp_agent.context import StepContext
from bmp_agent.steps import run_step
from bmp_common.testing.requirements import require_tools

from .conftest import needs_disk_tools, sh
from .test_install import guest_tarball, ok, spec_partitions

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

pytestmark = needs_disk_tools("grub-install", "xz", "tar", "dumpe2fs")

META = {"instance-id": "i-qcow", "local-hostname": "qcow-1"}


def fs_state(device: str) -> tuple[str, bool]:
    """(Filesystem state, whether the journal needs replaying) as the superblock says."""
    header = sh("dumpe2fs", "-h", device)
    state = next(ln.split(":", 1)[1].strip() for ln in header.splitlines() if "state:" in ln)
    return state, "needs_recovery" in header


def install_tar(ctx: StepContext, folder: Path, base: str, tmp_path: Path) -> None:
    image = guest_tarball(tmp_path)
    (folder / "guest.tar.xz").write_bytes(image)
    spec = spec_partitions("bios")
    ok("InitNode", {"node_data": {}}, ctx)
    ok("MakePartitions", spec["make"], ctx)
    ok("FormatPartitions", spec["format"], ctx)
    ok("MountPartitions", spec["mount"], ctx)
    params = {"url": f"{base}/guest.tar.xz", "hash": hashlib.sha256(image).hexdigest()}
    ok("WriteImageTar", params, ctx)


def test_the_last_step_releases_the_target_clean(loop_disks, make_ctx, http_dir, tmp_path):
    disk = loop_disks(200)
    ctx = make_ctx([disk])
    install_tar(ctx, *http_dir, tmp_path)
    nested = ctx.target_root / "run"  # something mounted below /, as a chroot leaves
    nested.mkdir(exist_ok=True)
    sh("mount", "-t", "tmpfs", "tmpfs", str(nested))
    assert fs_state(f"{disk}p2") == ("clean", True)  # mounted: a power cycle would replay

    data = ok("SetUserData", {"user_data": "#cloud-config\n", "release_target": True}, ctx)

    assert data["released"] == [str(nested), str(ctx.target_root)]  # deepest first
    assert not os.path.ismount(ctx.target_root) and not os.path.ismount(nested)
    assert disk not in Path("/proc/mounts").read_text()
    assert fs_state(f"{disk}p2") == ("clean", False)
    # Without the flag (before the scheduler sends it) nothing is unmounted.
    data = ok("SetCloudinitConf", {"ssh_pwauth": "no"}, ctx)  # mounts the layout again
    assert "released" not in data and os.path.ismount(ctx.target_root)


def test_a_busy_target_fails_the_step(loop_disks, make_ctx, http_dir, tmp_path):
    disk = loop_disks(200)
    ctx = make_ctx([disk])
    install_tar(ctx, *http_dir, tmp_path)

    with open(ctx.target_root / "etc/hostname", "w") as held:  # a process still in there
        status, data, error = run_step("SetHostname", {"hostname": "h", "release_target": 1}, ctx)
        assert (status, error) == ("failed", "TARGET_BUSY")
        assert str(ctx.target_root) in data["message"] and data["released"] == []
        assert os.path.ismount(ctx.target_root)
        held.write("busy\n")

    data = ok("SetHostname", {"hostname": "h", "release_target": True}, ctx)  # the retry
    assert data["released"] == [str(ctx.target_root)]
    assert fs_state(f"{disk}p2") == ("clean", False)


def whole_disk_image(work: Path, *, label: str, type_code: str, size_mb: int = 48) -> Path:
    """A GPT disk like services/guestos' qcow2: bios_grub, then an ext4 root with a shadow."""
    root = work / "rootfs"
    for folder in ("etc", "root", "boot"):
        (root / folder).mkdir(parents=True)
    (root / "etc/shadow").write_text("root:*:19000:0:99999:7:::\n")
    (root / "etc/hosts").write_text("127.0.0.1\tlocalhost\n")
    (root / "etc/os-release").write_text("ID=debian\n")
    image = work / "disk.raw"
    with open(image, "wb") as out:
        out.truncate(size_mb << 20)
    sh("sgdisk", "--new=1:2048:4095", "--typecode=1:ef02", "--new=2:4096:0",
       f"--typecode=2:{type_code}", str(image))  # fmt: skip
    # The root file system made in a file of its own (no loop device), then put in place.
    part = work / "part.raw"
    start, size = 4096 * 512, (size_mb << 20) - 4096 * 512 - 34 * 512
    with open(part, "wb") as out:
        out.truncate(size)
    sh("mkfs.ext4", "-q", "-F", "-L", label, "-d", str(root), str(part))
    sh("dd", f"if={part}", f"of={image}", "bs=1M", f"seek={start}", "oflag=seek_bytes",
       "conv=notrunc,sparse", "status=none")  # fmt: skip
    part.unlink()
    return image


@pytest.mark.parametrize(
    ("fmt", "label", "type_code"),
    [
        ("raw", "bmp-root", "8300"),  # found by its label
        ("qcow2", "anything", "8304"),  # by the GPT type "Linux root (x86-64)"
        ("raw", "other", "8300"),  # by /etc/os-release
    ],
)
def test_write_image_mounts_the_root_for_the_guest_steps(
    loop_disks, make_ctx, http_dir, tmp_path, fmt, label, type_code
):
    if fmt == "qcow2":
        require_tools("qemu-img", install="apt-get install qemu-utils")
    disk = loop_disks(96)
    ctx = make_ctx([disk])
    folder, base = http_dir
    image = whole_disk_image(tmp_path, label=label, type_code=type_code)
    if fmt == "qcow2":
        sh("qemu-img", "convert", "-c", "-f", "raw", "-O", "qcow2", str(image), str(folder / "d"))
    else:
        shutil.copyfile(image, folder / "d")
    digest = hashlib.sha256((folder / "d").read_bytes()).hexdigest()

    ok("InitNode", {"node_data": {"root_device_hints": {"name": disk}}}, ctx)
    written = ok("WriteImage", {"url": f"{base}/d", "format": fmt, "hash": digest}, ctx)
    assert written["root"] == {
        "device": f"{disk}p2",
        "mountpoint": "/",
        "fs_type": "ext4",
        "label": label,
        "options": "defaults",
    }
    assert os.path.ismount(ctx.target_root)
    ok("SetPassword", {"username": "root", "password": "Qcow-Pass-1"}, ctx)
    ok("SetCloudinitConf", {"ssh_pwauth": "yes"}, ctx)
    ok("SetMetaData", {"meta_data": META}, ctx)
    released = ok("SetUserData", {"user_data": "", "release_target": True}, ctx)["released"]

    assert released == [str(ctx.target_root)] and not os.path.ismount(ctx.target_root)
    assert fs_state(f"{disk}p2") == ("clean", False)
    files = read_back(f"{disk}p2", "etc/shadow", "var/lib/cloud/seed/nocloud/meta-data")
    hashed = files["etc/shadow"].split(":")[1]
    assert crypt.crypt("Qcow-Pass-1", hashed) == hashed
    assert 'local-hostname: "qcow-1"' in files["var/lib/cloud/seed/nocloud/meta-data"]


def read_back(device: str, *paths: str) -> dict[str, str]:
    with tempfile.TemporaryDirectory(prefix="bmpag-ro-") as point:
        sh("mount", "-o", "ro", device, point)
        try:
            return {path: (Path(point) / path).read_text() for path in paths}
        finally:
            sh("umount", point)


def test_reset_password_in_a_fresh_liveos_finds_the_root(loop_disks, make_ctx, http_dir, tmp_path):
    disk = loop_disks(200)
    installed = make_ctx([disk])
    install_tar(installed, *http_dir, tmp_path)
    subprocess.run(["umount", "-R", str(installed.target_root)], check=True)
    # A new boot: same disk and target, no node state.
    fresh = StepContext(target_root=installed.target_root, work_dir=tmp_path / "new", disks=[disk])

    ok("InitNode", {"node_data": {}}, fresh)
    data = ok("SetPassword", {"password": "Reset-Pass-2", "release_target": True}, fresh)

    assert data["released"] == [str(fresh.target_root)]
    hashed = read_back(f"{disk}p2", "etc/shadow")["etc/shadow"].split(":")[1]
    assert crypt.crypt("Reset-Pass-2", hashed) == hashed
    assert fs_state(f"{disk}p2") == ("clean", False)


def test_an_image_without_a_linux_root_is_written_but_guest_steps_say_why(
    loop_disks, make_ctx, http_dir
):
    disk = loop_disks(64)
    ctx = make_ctx([disk])
    folder, base = http_dir
    payload = os.urandom(1 << 20)
    (folder / "blob.raw").write_bytes(payload)
    params = {"url": f"{base}/blob.raw", "hash": hashlib.sha256(payload).hexdigest()}
    ok("InitNode", {"node_data": {"root_device_hints": {"name": disk}}}, ctx)
    assert ok("WriteImage", params, ctx)["root"] is None
    status, data, error = run_step("SetPassword", {"password": "x-y-z-1"}, ctx)
    assert (status, error) == ("failed", "ROOT_FS_NOT_FOUND") and disk in data["message"]
    status, _, error = run_step("WriteImage", {**params, "root_label": "bmp-root"}, ctx)
    assert (status, error) == ("failed", "ROOT_FS_NOT_FOUND")
