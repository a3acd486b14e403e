"""Data volumes on loop devices, driven the way the scheduler's chain drives them: MakeRaid
finds (or builds) each data volume from its disks, MakePartitions partitions and formats it,
WriteImageTar writes it into the installed system's fstab. Checked with sgdisk, blkid, the
files on the volume and the target's /etc/fstab.

This host's kernel has no md driver (no /proc/mdstat), so the software-RAID path is checked as
far as it goes without one: the real mdadm accepts the arguments the agent builds, and the step
fails with a message naming the volume. On a kernel with md the same test builds the array;
the QEMU end-to-end test builds RAID volumes in a real LiveOS.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from bmp_agent.steps import data_volumes, run_step

from .conftest import needs_disk_tools, sh
from .test_install import guest_tarball, ok, spec_partitions

pytestmark = needs_disk_tools("grub-install", "xz", "tar", "mkfs.xfs", "mdadm")

# What agent_params.data_partitions sends for a reinstall's dataPartition.
DATA_PARTS = [
    {
        "id": "ipt-data-1",
        "number": 1,
        "fs_type": "xfs",
        "size": 320,
        "label": "l_data",
        "mountpoint": "/data",
        "options": "defaults,nofail",
    },
    {
        "id": "ipt-data-2",
        "number": 2,
        "fs_type": "ext4",
        "size": 64,
        "label": "l_backup",
        "mountpoint": "/backup",
        "options": "defaults,nofail",
    },
]


def data_volume(disks: list[str], level="NORAID", keep_data=False, partitions=DATA_PARTS) -> dict:
    return {
        "volume_id": "v-data",
        "volume_name": "data",
        "raid_level": level,
        "volume_amount": len(disks),
        "keep_data": keep_data,
        "disk_hints": [{"name": disk} for disk in disks],
        "partitions": partitions,
    }


def make_raid_params(volume: dict) -> dict:
    return {"raid_id": "r-0", "raid_name": "NO RAID", "raid_datas": [], "data_volumes": [volume]}


def make_partitions_params(volume: dict) -> dict:
    params = spec_partitions("bios")["make"]
    params["volumes"].append(
        {
            "volume_id": volume["volume_id"],
            "volume_name": volume["volume_name"],
            "keep_data": volume["keep_data"],
            "is_root_device": False,
            "is_data_device": True,
            "disk_label": "gpt",
            "partitions": volume["partitions"],
        }
    )
    return params


def install(ctx, volume: dict, http_dir, tmp_path) -> dict:
    """MakeRaid → InitNode → MakePartitions → FormatPartitions → MountPartitions → WriteImageTar
    (what the scheduler's reinstall chain runs); the InitNode result."""
    folder, base = http_dir
    image = guest_tarball(tmp_path)
    (folder / "guest.tar.xz").write_bytes(image)
    spec = spec_partitions("bios")
    ok("MakeRaid", make_raid_params(volume), ctx)
    chosen = ok("InitNode", {"node_data": {"root_device_hints": {}, "os_type": "Debian"}}, ctx)
    ok("MakePartitions", make_partitions_params(volume), ctx)
    ok("FormatPartitions", spec["format"], ctx)
    ok("MountPartitions", spec["mount"], ctx)
    params = {"url": f"{base}/guest.tar.xz", "hash": hashlib.sha256(image).hexdigest()}
    ok("WriteImageTar", {**params, "format": "tar", "release_target": True}, ctx)
    return chosen


def blkid(device: str, tag: str) -> str:
    return sh("blkid", "-s", tag, "-o", "value", device).strip()


def sgdisk_names(device: str) -> list[tuple[str, str]]:
    """(size, name) of each partition as `sgdisk --print` shows it."""
    rows = []
    for line in sh("sgdisk", "--print", device).splitlines():
        fields = line.split()
        if fields and fields[0].isdigit():
            rows.append((f"{fields[3]} {fields[4]}", fields[-1]))
    return rows


def no_partition_table(device: str) -> bool:
    return subprocess.run(["sfdisk", "--json", device], capture_output=True).stdout.strip() == b""


def fstab_of(system: str, tmp_path: Path) -> list[list[str]]:
    """The UUID= lines of the installed system's fstab (its / is the system disk's second
    partition, after bios_grub)."""
    text = mounted_file(f"{system}p2", tmp_path / "guest-root", "etc/fstab")
    return [line.split("\t") for line in text.splitlines() if line.startswith("UUID=")]


def mounted_file(device: str, where: Path, name: str, content: str | None = None) -> str:
    """Mounts ``device`` at ``where``; writes ``name`` when ``content`` is given, else reads it."""
    where.mkdir(parents=True, exist_ok=True)
    sh("mount", device, str(where))
    try:
        if content is not None:
            (where / name).write_text(content)
            return content
        return (where / name).read_text()
    finally:
        sh("umount", str(where))


def test_a_data_volume_is_partitioned_formatted_and_mounted_by_the_installed_system(
    loop_disks, make_ctx, http_dir, tmp_path
):
    system, data = loop_disks(300), loop_disks(450)  # data is the bigger one...
    spare = loop_disks(200)  # ...and the smallest disk is neither: InitNode must not pick it
    ctx = make_ctx([system, data, spare])
    volume = data_volume([data, spare], level="NORAID")  # each disk on its own

    chosen = install(ctx, volume, http_dir, tmp_path)

    assert chosen["root_device"]["name"] == system  # never a data volume's disk
    assert sgdisk_names(data) == [("320.0 MiB", "ipt-data-1"), ("64.0 MiB", "ipt-data-2")]
    assert blkid(f"{data}p1", "TYPE") == "xfs" and blkid(f"{data}p2", "TYPE") == "ext4"
    assert blkid(f"{system}p2", "LABEL") == "l_root"  # the system is where it belongs
    assert no_partition_table(spare)  # NO RAID: the volume's other disk is left as it is
    uuids = [blkid(f"{data}p{n}", "UUID") for n in (1, 2)]
    assert fstab_of(system, tmp_path) == [
        [f"UUID={uuids[0]}", "/data", "xfs", "defaults,nofail", "0", "2"],
        [f"UUID={uuids[1]}", "/backup", "ext4", "defaults,nofail", "0", "2"],
    ]
    where = tmp_path / "guest-root"
    sh("mount", f"{system}p2", str(where))
    try:
        assert (where / "data").is_dir() and (where / "backup").is_dir()  # mount points made
    finally:
        sh("umount", str(where))


def test_keep_data_reinstall_keeps_the_files_and_mounts_them_again(
    loop_disks, make_ctx, http_dir, tmp_path
):
    system, data = loop_disks(300), loop_disks(450)
    ctx = make_ctx([system, data])
    install(ctx, data_volume([data]), http_dir, tmp_path / "first")
    uuid = blkid(f"{data}p1", "UUID")
    mounted_file(f"{data}p1", tmp_path / "m", "precious.txt", "the tenant's data\n")
    root_uuid = blkid(f"{system}p2", "UUID")

    # The reinstall keeps the data disks: no CleanBlockDevice, keep_data on the data volume;
    # the agent starts afresh in a new LiveOS boot.
    ctx = make_ctx([system, data])
    install(ctx, data_volume([data], keep_data=True), http_dir, tmp_path / "second")

    assert blkid(f"{system}p2", "UUID") != root_uuid  # the system was made again
    assert blkid(f"{data}p1", "UUID") == uuid  # the data file system was not
    assert mounted_file(f"{data}p1", tmp_path / "m", "precious.txt") == "the tenant's data\n"
    assert fstab_of(system, tmp_path)[0][:3] == [f"UUID={uuid}", "/data", "xfs"]


def test_keep_data_without_the_partitions_it_should_keep_fails_naming_them(loop_disks, make_ctx):
    system, data = loop_disks(300), loop_disks(450)
    ctx = make_ctx([system, data])
    volume = data_volume([data], keep_data=True)
    ok("MakeRaid", make_raid_params(volume), ctx)
    ok("InitNode", {"node_data": {}}, ctx)

    status, answer, error = run_step("MakePartitions", make_partitions_params(volume), ctx)

    assert (status, error) == ("failed", "DATA_PARTITION_MISSING")
    assert answer["message"] == (
        f"data volume data: keepData, but {data} has no partition 1 (for /data)"
    )
    assert no_partition_table(data)


def test_a_data_volume_naming_no_disk_takes_the_largest_one_the_system_does_not(
    loop_disks, make_ctx
):
    small, large = loop_disks(200), loop_disks(500)
    ctx = make_ctx([large, small])
    volume = {**data_volume([]), "volume_id": "", "volume_amount": 1}

    made = ok("MakeRaid", make_raid_params(volume), ctx)
    chosen = ok("InitNode", {"node_data": {}}, ctx)

    assert [(v["device"], v["members"]) for v in made["data_volumes"]] == [(large, [large])]
    assert chosen["root_device"]["name"] == small


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        (
            {"disk_hints": [{"serial": "WD-NOPE"}]},
            "DATA_DISK_NOT_FOUND",
            "data volume data: no disk of this server matches serial WD-NOPE",
        ),
        (
            {"raid_level": "RAID7"},
            "RAID_LEVEL_UNSUPPORTED",
            "data volume data: unknown RAID level 'RAID7' (known: NO RAID, RAID0, RAID1, "
            "RAID5, RAID10)",
        ),
        (
            {"raid_level": "RAID5"},
            "RAID_NOT_ENOUGH_DISKS",
            "data volume data: RAID5 needs 3 disks, 1 chosen ({data})",
        ),
    ],
)
def test_make_raid_refuses_a_volume_it_cannot_build_naming_it(
    loop_disks, make_ctx, change, code, message
):
    system, data = loop_disks(100), loop_disks(100)
    ctx = make_ctx([system, data])

    status, answer, error = run_step(
        "MakeRaid", make_raid_params(data_volume([data]) | change), ctx
    )

    assert (status, error) == ("failed", code)
    assert answer["message"] == message.format(data=data)


@pytest.mark.parametrize(
    ("sizes", "code", "message"),
    [
        ((320, 4096), "DISK_TOO_SMALL", "data volume data: the partitions need 4416 MiB; it has"),
        ((0, 0), "PARTITION_LAYOUT_INVALID", "data volume data: only one partition may take"),
    ],
)
def test_a_layout_that_does_not_fit_fails_and_leaves_the_volume_alone(
    loop_disks, make_ctx, sizes, code, message
):
    system, data = loop_disks(300), loop_disks(450)
    ctx = make_ctx([system, data])
    parts = [{**part, "size": size} for part, size in zip(DATA_PARTS, sizes, strict=True)]
    volume = data_volume([data], partitions=parts)
    ok("MakeRaid", make_raid_params(volume), ctx)
    ok("InitNode", {"node_data": {}}, ctx)

    status, answer, error = run_step("MakePartitions", make_partitions_params(volume), ctx)

    assert (status, error) == ("failed", code)
    assert answer["message"].startswith(message)
    assert no_partition_table(data)


@pytest.mark.parametrize(
    ("level", "count", "mdadm_level"),
    [("RAID0", 2, "0"), ("RAID1", 2, "1"), ("RAID5", 3, "5"), ("RAID10", 4, "10")],
)
def test_mdadm_accepts_the_arrays_the_agent_asks_for(loop_disks, level, count, mdadm_level):
    members = [loop_disks(40) for _ in range(count)]
    argv = data_volumes.mdadm_create_argv("/dev/md120", level, members, "bmp-v-data")
    assert argv == [
        "mdadm",
        "--create",
        "/dev/md120",
        "--run",
        "--force",
        f"--level={mdadm_level}",
        "--metadata=1.2",
        "--name=bmp-v-data",
        f"--raid-devices={count}",
        *members,
    ]

    done = subprocess.run(argv, capture_output=True, text=True)
    try:
        if os.path.exists("/proc/mdstat"):  # a kernel with md: the array is built
            assert done.returncode == 0, done.stderr
            assert "md120 : active" in Path("/proc/mdstat").read_text()
        else:  # mdadm checked every argument and got as far as asking the kernel
            assert done.returncode == 1, done.stderr  # 2: mdadm refused the arguments
            assert "unexpected failure opening /dev/md120" in done.stderr
    finally:
        if os.path.exists("/proc/mdstat"):
            subprocess.run(["mdadm", "--stop", "/dev/md120"], check=False, capture_output=True)
            for member in members:
                subprocess.run(["mdadm", "--zero-superblock", member], check=False)


def test_a_raid1_data_volume_from_two_disks(loop_disks, make_ctx):
    system, first, second = loop_disks(300), loop_disks(100), loop_disks(100)
    ctx = make_ctx([system, first, second])
    parts = [{**DATA_PARTS[1], "number": 1, "size": 0}]  # one ext4 on the whole array
    volume = data_volume([first, second], level="RAID1", partitions=parts)

    status, answer, error = run_step("MakeRaid", make_raid_params(volume), ctx)

    if not os.path.exists("/proc/mdstat"):  # this host: no md driver, a clear failure
        assert (status, error) == ("failed", "RAID_CREATE_FAILED")
        assert answer["message"].startswith(
            f"data volume data: mdadm could not build RAID1 from {first}, {second}: "
        )
        assert ctx.state.data_disks == sorted([first, second])  # still kept from the system
        return
    try:
        assert (status, error) == ("ok", None), answer
        (made,) = answer["data_volumes"]
        assert made["level"] == "RAID1" and made["members"] == [first, second]
        assert made["md_uuid"]
        ok("InitNode", {"node_data": {}}, ctx)
        ok("MakePartitions", make_partitions_params(volume), ctx)
        assert blkid(f"{made['device']}p1", "TYPE") == "ext4"
    finally:
        for array in ctx.state.data_volumes.values():
            subprocess.run(["mdadm", "--stop", array["device"]], check=False)
        for member in (first, second):
            subprocess.run(["mdadm", "--zero-superblock", member], check=False)
