"""UEFI and software RAID1 installs, proven on QEMU servers that boot what the agent wrote.

One lab, two servers installed side by side (two TCG VMs on two cores):

- LAB-0001, OVMF, one disk: create with ``bootMode: UEFI`` from the tar GuestOS → GPT with an
  ESP, GRUB x86_64-efi at the removable path ``EFI/BOOT/BOOTX64.EFI`` (OVMF's NVRAM learns no
  boot entry) → OVMF boots the disk → the GuestOS says its hostname → ``running``. The ESP is
  read from the host with mtools at its offset, never mounted. A reinstall without a boot mode
  keeps UEFI and boots through OVMF again.
- LAB-0002, SeaBIOS, two disks, a device type whose system volume is two disks in RAID1: the
  agent lays out both disks alike, builds one md RAID1 per partition, installs onto the arrays
  and GRUB onto both disks → boots → ``running``, the GuestOS's initramfs assembled the mirror.
  Then the first disk is pulled from the QEMU command line: SeaBIOS boots GRUB from the second
  disk, the mirror starts degraded ([2/1] [U_]) and the GuestOS says so. Delete (both disks back)
  wipes both members: ``mdadm --examine`` finds no superblock where the arrays' partitions were.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess

import pytest

from bmp_common.messages.jobs import NO_RAID_ID
from bmp_lab import enrol
from bmp_lab.enrol import EnrolError
from bmp_lab.platform import wait_for
from bmp_lab.qemu import BIOS, UEFI

from . import disk
from .conftest import _file_platform, _netboot, build_env
from .test_install import (
    BUILD_GUESTOS,
    BUILD_LIVEOS,
    INSTALL_TIMEOUT,
    _build,
    _sha256,
    phases,
    register_image,
    step_times,
    wait_guest_up,
    wait_instance,
)

pytestmark = [pytest.mark.e2e]

UEFI_SN, RAID_SN = "LAB-0001", "LAB-0002"
RAID1_ID = "r-wtzluqacgzzxgunnabdkpnpjew3d"  # the seeded RAID1 level
ESP_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
BIOS_GRUB_TYPE = "21686148-6449-6E6F-744E-656564454649"
LINUX_RAID_TYPE = "A19D880F-05FC-4D3B-A006-743F0F84911E"
GUEST_RAID = r"BMP-GUEST-RAID (\S+) (raid\d+) (\S+) \[(\d+)/(\d+)\] \[([U_]+)\]"
RAID_DEVICE_TYPE = {
    **enrol.LAB_DEVICE_TYPE,
    "name": "lab.vm.raid1",
    "deviceType": "lab.vm.raid1",
    "description": "bmp-lab virtual server, system volume: two disks in software RAID1",
    "volumes": [
        {
            "volumeName": "system",
            "volumeType": "system",
            "diskType": "SSD",
            "interfaceType": "SATA",
            "volumeSize": "4",
            "volumeUnit": "GB",
            "volumeAmount": 2,
            "raidCan": "RAID",
            "raid": RAID1_ID,
        }
    ],
}


@pytest.fixture(scope="module")
def lab(host_packages, gateway_tls, tmp_path_factory):
    if not shutil.which("mmdebstrap"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        command = ["apt-get", "install", "-y", "--no-install-recommends", "mmdebstrap"]
        subprocess.run(command, env=env, capture_output=True, timeout=600)
    images = tmp_path_factory.mktemp("images")
    print(_build(BUILD_LIVEOS, images / "liveos", build_env(gateway_tls)))
    print(_build(BUILD_GUESTOS, images / "guestos"))
    with _file_platform():
        work = tmp_path_factory.mktemp("uefiraid")
        yield from _netboot(
            images,
            gateway_tls,
            work,
            prefix="bmpur",
            servers=2,
            memory_mb=1536,
            firmwares={1: UEFI, 2: BIOS},
            disk_counts={2: 2},
        )


@dataclasses.dataclass
class Installs:
    """The two instances created side by side, and what they were created with."""

    uefi: str
    raid: str
    image_id: str
    body: dict
    raid_body: dict
    arrays: dict = dataclasses.field(default_factory=dict)  # partition tables seen before delete


@pytest.fixture(scope="module")
def installs(lab) -> Installs:
    guest = lab.services.images / "guestos" / "bmp-guestos.tar.xz"
    image_id = register_image(lab, "bmp-guestos", _sha256(guest))
    raid_type = lab.api.post("/deviceTypes", {**RAID_DEVICE_TYPE, "idcId": lab.idc_id})
    raid_type_id = raid_type["deviceTypeId"]
    enrol.ensure_image_bound(lab.api, raid_type_id, image_id)
    body = {"deviceId": lab.device_ids[RAID_SN], "deviceTypeId": raid_type_id}
    lab.api.put("/devices/deviceType/associate", body)
    project = lab.api.get("/user/projects")["projects"][0]["projectId"]
    common = {
        "idcId": lab.idc_id,
        "projectId": project,
        "imageId": image_id,
        "password": "Guest-Root-Pass-7",
        "count": 1,
    }
    uefi_body = {
        **common,
        "deviceTypeId": lab.device_type_id,
        "systemVolumeRaidId": NO_RAID_ID,
        "instanceName": "uefi",
        "hostname": "guest-uefi",
        "bootMode": "UEFI",
    }
    raid_body = {
        **common,
        "deviceTypeId": raid_type_id,
        "systemVolumeRaidId": RAID1_ID,
        "instanceName": "mirror",
        "hostname": "guest-mirror",
        "bootMode": "Legacy/BIOS",
    }
    uefi = lab.api.post("/project/instances", uefi_body)["instanceIds"][0]
    raid = lab.api.post("/project/instances", raid_body)["instanceIds"][0]
    return Installs(uefi, raid, image_id, uefi_body, raid_body)


def _power_on(lab, sn: str, starts: int = 0) -> float:
    qemu = lab.qemu[sn]
    wait_for(lambda: qemu.starts > starts and qemu.started_at, 120, f"{sn} powered on")
    return qemu.started_at


def _stop(lab, instance_id: str, sn: str) -> None:
    lab.api.put(f"/project/instances/{instance_id}/stop")
    wait_instance(lab, instance_id, ("stopped", "Shutdown failed"), timeout=120, sn=sn)
    assert lab.qemu[sn].wait_idle() and not lab.qemu[sn].running


def _start(lab, instance_id: str, sn: str) -> None:
    lab.api.put(f"/project/instances/{instance_id}/start")
    wait_instance(lab, instance_id, ("running", "Startup failed"), timeout=120, sn=sn)


def _guest_raid(lab, sn: str) -> list[tuple]:
    serial = lab.qemu[sn].machine.serial_log.read_text(errors="replace")
    return re.findall(GUEST_RAID, serial)


# -- UEFI ------------------------------------------------------------------------------------


def test_uefi_create_boots_its_disk_through_ovmf(lab, installs, capsys):
    power_on = _power_on(lab, UEFI_SN)

    instance = wait_instance(lab, installs.uefi, ("running", "Creation failed"), sn=UEFI_SN)
    hostname, boots, up = wait_guest_up(lab, starts_before=1, sn=UEFI_SN)

    assert (instance["status"], instance["reason"]) == ("running", ""), step_times(lab, UEFI_SN)
    assert instance["bootMode"] == "UEFI"
    assert (hostname, boots) == ("guest-uefi", 1)
    qemu = lab.qemu[UEFI_SN]
    assert qemu.booted_device == "disk" and qemu.machine.firmware == UEFI
    serial = qemu.machine.serial_log.read_text(errors="replace")
    assert "BdsDxe" in serial or "UEFI" in serial  # OVMF's boot manager ran this boot
    with capsys.disabled():
        print(f"\ninstall (uefi): {phases(lab, power_on, up, sn=UEFI_SN)}")


def _mtools(*argv: str) -> str:
    # MTOOLS_SKIP_CHECK: mkfs.vfat's geometry is not a floppy's; mtools need not object to it.
    env = {**os.environ, "MTOOLS_SKIP_CHECK": "1"}
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_esp_holds_grub_at_the_removable_path(lab, installs, tmp_path):
    _stop(lab, installs.uefi, UEFI_SN)

    with disk.raw_copy(lab.qemu[UEFI_SN].machine.disk) as raw:
        table = disk.partition_table(raw)
        esp = table["partitions"][0]
        at = f"{raw}@@{esp['start'] * disk.SECTOR}"  # mtools read the FAT at that offset
        listing = _mtools("mdir", "-b", "-/", "-i", at, "::/EFI").split()
        label = _mtools("mlabel", "-s", "-i", at, "::").strip()
        _mtools("mcopy", "-i", at, "::/EFI/BOOT/BOOTX64.EFI", str(tmp_path / "bootx64.efi"))
        with disk.mounted(raw, disk.find_partition(raw, "l_root")) as target:
            grub_cfg = (target / "boot/grub/grub.cfg").read_text()
            fstab = (target / "etc/fstab").read_text()
            modules = sorted(p.name for p in (target / "boot/grub").iterdir())

    loader = (tmp_path / "bootx64.efi").read_bytes()
    assert table["label"] == "gpt"
    assert esp["type"].upper() == ESP_TYPE and esp["size"] == 512 * 2048
    assert "::/EFI/BOOT/BOOTX64.EFI" in listing, listing  # the removable-media path
    assert loader[:2] == b"MZ" and len(loader) > 100_000  # a PE image: GRUB's core, whole
    assert "ESP" in label, label
    assert "x86_64-efi" in modules, modules  # grub's modules for this target
    assert "root=LABEL=l_root" in grub_cfg
    assert "/boot/efi\tvfat" in fstab


def test_reinstall_keeps_the_uefi_boot_mode(lab, installs, capsys):
    starts = lab.qemu[UEFI_SN].starts
    body = {
        "imageId": installs.image_id,
        "systemVolumeRaidId": NO_RAID_ID,
        "instanceName": "uefi",
        "hostname": "guest-uefi-2",
        "password": "Guest-Root-Pass-8",
    }  # no bootMode: the instance's own
    lab.api.put(f"/project/instances/{installs.uefi}/reinstallInstance", body)
    power_on = _power_on(lab, UEFI_SN, starts)

    instance = wait_instance(lab, installs.uefi, ("running", "Reinstall failed"), sn=UEFI_SN)
    hostname, boots, up = wait_guest_up(lab, starts_before=starts + 1, sn=UEFI_SN)

    assert instance["status"] == "running", step_times(lab, UEFI_SN)
    assert instance["bootMode"] == "UEFI"
    assert (hostname, boots) == ("guest-uefi-2", 1)
    made = step_times(lab, UEFI_SN)["MakePartitions"]
    assert made[0] == "succeeded", made
    with capsys.disabled():
        print(f"\nreinstall (uefi): {phases(lab, power_on, up, sn=UEFI_SN)}")


# -- software RAID1 ----------------------------------------------------------------------------


def test_raid1_create_installs_onto_the_mirror_and_boots(lab, installs, capsys):
    power_on = _power_on(lab, RAID_SN)

    instance = wait_instance(lab, installs.raid, ("running", "Creation failed"), sn=RAID_SN)
    hostname, boots, up = wait_guest_up(lab, starts_before=1, sn=RAID_SN)

    steps = step_times(lab, RAID_SN)
    assert (instance["status"], instance["reason"]) == ("running", ""), steps
    assert steps["MakeRaid"][0] == "succeeded", steps
    assert (hostname, boots) == ("guest-mirror", 1)
    wait_for(lambda: _guest_raid(lab, RAID_SN), 30, "the GuestOS's RAID line")
    arrays = {row[0]: row[1:] for row in _guest_raid(lab, RAID_SN)}
    root = [a for a in arrays.values() if a[0] == "raid1"]
    assert len(arrays) == 2 and len(root) == 2, arrays  # / and swap, each a mirror
    assert all(row[2:] == ("2", "2", "UU") for row in arrays.values()), arrays
    with capsys.disabled():
        print(f"\ninstall (raid1): {phases(lab, power_on, up, sn=RAID_SN)}")


def _examine(raw: str, partition: dict) -> subprocess.CompletedProcess:
    """``mdadm --examine`` of one partition of a raw disk copy (a read-only loop device)."""
    offset, size = partition["start"] * disk.SECTOR, partition["size"] * disk.SECTOR
    argv = ["losetup", "--find", "--show", "--read-only", "--offset", str(offset)]
    loop = subprocess.run(
        [*argv, "--sizelimit", str(size), raw],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout.strip()
    try:
        return subprocess.run(
            ["mdadm", "--examine", loop], capture_output=True, text=True, timeout=30
        )
    finally:
        subprocess.run(["losetup", "-d", loop], timeout=30, check=False)


def test_both_disks_hold_grub_and_a_member_of_each_array(lab, installs):
    _stop(lab, installs.raid, RAID_SN)

    uuids = []
    for path in lab.qemu[RAID_SN].machine.disks:
        with disk.raw_copy(path) as raw:
            table = disk.partition_table(raw)
            types = [part["type"].upper() for part in table["partitions"]]
            assert types == [BIOS_GRUB_TYPE, LINUX_RAID_TYPE, LINUX_RAID_TYPE], types
            with open(raw, "rb") as head:
                assert head.read(512)[510:] == b"\x55\xaa"  # GRUB's boot sector in each MBR
            members = []
            for part in table["partitions"][1:]:
                examined = _examine(raw, part)
                assert examined.returncode == 0, examined.stderr
                assert "Raid Level : raid1" in examined.stdout
                members.append(re.search(r"Array UUID : (\S+)", examined.stdout).group(1))
            uuids.append(members)
            installs.arrays[str(path)] = table["partitions"]
    assert uuids[0] == uuids[1] and len(set(uuids[0])) == 2  # two arrays, both on both disks


def test_raid1_boots_degraded_with_its_first_disk_pulled(lab, installs, capsys):
    qemu = lab.qemu[RAID_SN]
    qemu.machine = dataclasses.replace(qemu.machine, absent_disks=(1,))
    starts = qemu.starts
    try:
        _start(lab, installs.raid, RAID_SN)
        hostname, boots, up = wait_guest_up(lab, starts_before=starts, sn=RAID_SN)
        wait_for(lambda: _guest_raid(lab, RAID_SN), 30, "the GuestOS's RAID line")
        arrays = {row[0]: row[1:] for row in _guest_raid(lab, RAID_SN)}

        assert (hostname, boots) == ("guest-mirror", 2)  # the same file system, one disk
        assert len(arrays) == 2 and all(a[2:] == ("2", "1", "U_") for a in arrays.values()), arrays
        with capsys.disabled():
            print(f"\nraid1, first disk pulled: power-on → GuestOS up {up - qemu.started_at:.1f} s")
        _stop(lab, installs.raid, RAID_SN)
    finally:
        qemu.machine = dataclasses.replace(qemu.machine, absent_disks=())


def test_delete_wipes_both_raid_members(lab, installs):
    assert installs.arrays, "the disks were not inspected before the delete"
    lab.api.delete(f"/project/instances/{installs.raid}")

    def gone():
        try:
            lab.api.get(f"/project/instances/{installs.raid}")
        except EnrolError as error:
            return error.status == 404
        return False

    wait_for(gone, INSTALL_TIMEOUT, "the RAID instance to be destroyed", interval=1)
    assert lab.qemu[RAID_SN].wait_idle(60) and not lab.qemu[RAID_SN].running
    for path in lab.qemu[RAID_SN].machine.disks:
        with disk.raw_copy(path) as raw:
            assert disk.partition_table(raw) == {}
            for part in installs.arrays[str(path)]:
                examined = _examine(raw, part)
                assert examined.returncode != 0, examined.stdout  # no md superblock there
                assert "No md superblock" in examined.stderr, examined.stderr
