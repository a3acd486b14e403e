"""UEFI and software RAID1 installs, proven on QEMU servers that boot what the agent wrote.

Two servers of the session's install lab (conftest.install_lab), whose creates are submitted as
soon as the lab is up, so that they install side by side with test_install.py's LAB-0001:

- LAB-0002, OVMF, one disk: create with ``bootMode: UEFI`` from the tar GuestOS → GPT with an
  ESP, GRUB x86_64-efi at the removable path ``EFI/BOOT/BOOTX64.EFI`` (OVMF's NVRAM learns no
  boot entry) → OVMF boots the disk → the GuestOS says its hostname → ``running``. The ESP is
  read from the host with mtools at its offset, never mounted. A reinstall without a boot mode
  keeps UEFI and boots through OVMF again.
- LAB-0003, SeaBIOS, two disks (virtio and NVMe), a device type whose system volume is two
  disks in RAID1: the agent lays out both disks alike, builds one md RAID1 per partition,
  installs onto the arrays and GRUB onto both disks → boots → ``running``, the GuestOS's
  initramfs assembled the mirror. Created with ``installBmpAgent``: the busybox GuestOS has no
  python3, so InstallMonitorAgent gives it the bundle's shell heartbeat, which reports the
  arrays of /proc/mdstat to the monitor-proxy on the segment with the instance's credential; the
  instance's detail (describeInstance) shows both mirrors in sync. Then the virtio disk is
  pulled from the QEMU command line: SeaBIOS boots GRUB from the NVMe disk, the mirrors start
  degraded ([2/1]), the GuestOS says so on its console and its agent to the platform: the
  detail shows both arrays degraded, on the NVMe disk alone. Delete (both disks back) wipes
  both members: ``mdadm --examine`` finds no superblock where the arrays' partitions were.

The UEFI reinstall is submitted before the RAID server's checks and awaited after them: the two
servers keep working side by side.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import threading
import time

import pytest

from bmp_common.messages import actions
from bmp_common.messages.jobs import NO_RAID_ID
from bmp_lab import enrol
from bmp_lab.enrol import EnrolError
from bmp_lab.platform import wait_for
from bmp_lab.qemu import UEFI

from . import disk
from .conftest import wait_for_line
from .test_install import (
    GUEST_UP,
    INSTALL_TIMEOUT,
    _sha256,
    phases,
    register_image,
    step_times,
    wait_guest_up,
    wait_instance,
)

pytestmark = [pytest.mark.e2e]

UEFI_SN, RAID_SN = "LAB-0002", "LAB-0003"  # conftest.INSTALL_FIRMWARES
RAID1_ID = "r-wtzluqacgzzxgunnabdkpnpjew3d"  # the seeded RAID1 level
ESP_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
BIOS_GRUB_TYPE = "21686148-6449-6E6F-744E-656564454649"
LINUX_RAID_TYPE = "A19D880F-05FC-4D3B-A006-743F0F84911E"
GUEST_RAID = r"BMP-GUEST-RAID (\S+) (raid\d+) (\S+) \[(\d+)/(\d+)\] \[([U_]+)\] members=(\S+)"
UEFI_DEVICE_TYPE = {
    **enrol.LAB_DEVICE_TYPE,
    "name": "lab.vm.uefi",
    "deviceType": "lab.vm.uefi",
    "description": "bmp-lab virtual server with OVMF (test_install.py's creates never land here)",
}
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


@dataclasses.dataclass
class Installs:
    """The two instances created side by side, and what the tests saw of them."""

    uefi: str
    raid: str
    image_id: str
    watches: dict = dataclasses.field(default_factory=dict)  # SN -> BootWatch of its create
    arrays: dict = dataclasses.field(default_factory=dict)  # partition tables seen before delete


class BootWatch:
    """An install seen from the side, by a thread: when the server powered on (into the
    LiveOS) after `starts_before` starts, and when its GuestOS first said it was up with
    `hostname`. The tests print phases of installs that ran while others were tested.

    The GuestOS's own line, not a count of QEMU starts, marks the end: a LiveOS booted again
    (a rewound segment) or a BMC reset (no new QEMU) would shift a count; QEMU truncates the
    serial log at each start and the earlier GuestOS had another hostname."""

    def __init__(self, lab, sn: str, starts_before: int, hostname: str) -> None:
        self.qemu, self.starts_before = lab.qemu[sn], starts_before
        self.pattern = GUEST_UP.replace(r"(\S+)", f"({re.escape(hostname)})", 1)
        self.power_on: float | None = None
        self.up: float | None = None
        self.done = threading.Event()
        self.deadline = time.monotonic() + INSTALL_TIMEOUT
        threading.Thread(target=self._run, name=f"boot-watch-{sn}", daemon=True).start()

    def _run(self) -> None:
        try:
            while self.qemu.starts <= self.starts_before and time.monotonic() < self.deadline:
                time.sleep(0.2)
            self.power_on = self.qemu.started_at
            left = self.deadline - time.monotonic()
            self.up = wait_for_line(self.qemu.machine.serial_log, self.pattern, max(left, 1))
        finally:
            self.done.set()

    def times(self) -> tuple[float, float]:
        self.done.wait(max(self.deadline - time.monotonic(), 1))
        serial = self.qemu.machine.serial_log.read_text(errors="replace")[-3000:]
        assert self.power_on and self.up, (
            f"no GuestOS came up ({self.qemu.starts} QEMU starts, {self.starts_before} before "
            f"the install):\n{serial}"
        )
        return self.power_on, self.up


def _own_type(lab, record: dict, sn: str, image_id: str) -> str:
    device_type_id = lab.api.post("/deviceTypes", {**record, "idcId": lab.idc_id})["deviceTypeId"]
    enrol.ensure_image_bound(lab.api, device_type_id, image_id)
    body = {"deviceId": lab.device_ids[sn], "deviceTypeId": device_type_id}
    lab.api.put("/devices/deviceType/associate", body)
    return device_type_id


def submit_side_installs(lab) -> None:
    """install_lab's on_ready: each server its own device type, then both creates; a thread
    notes when each GuestOS first says it is up (its phases are printed later, by the tests)."""
    guest = lab.services.images / "guestos" / "bmp-guestos.tar.xz"
    image_id = register_image(lab, "bmp-guestos-side", _sha256(guest))
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
        "deviceTypeId": _own_type(lab, UEFI_DEVICE_TYPE, UEFI_SN, image_id),
        "systemVolumeRaidId": NO_RAID_ID,
        "instanceName": "uefi",
        "hostname": "guest-uefi",
        "bootMode": "UEFI",
    }
    raid_body = {
        **common,
        "deviceTypeId": _own_type(lab, RAID_DEVICE_TYPE, RAID_SN, image_id),
        "systemVolumeRaidId": RAID1_ID,
        "instanceName": "mirror",
        "hostname": "guest-mirror",
        "bootMode": "Legacy/BIOS",
        "installBmpAgent": True,  # the GuestOS reports its arrays (a shell heartbeat)
    }
    uefi = lab.api.post("/project/instances", uefi_body)["instanceIds"][0]
    raid = lab.api.post("/project/instances", raid_body)["instanceIds"][0]
    lab.side_installs = Installs(uefi, raid, image_id)
    for sn, body in ((UEFI_SN, uefi_body), (RAID_SN, raid_body)):
        lab.side_installs.watches[sn] = BootWatch(lab, sn, 0, body["hostname"])


@pytest.fixture(scope="module")
def lab(install_lab):
    return install_lab


@pytest.fixture(scope="module")
def installs(lab) -> Installs:
    assert lab.side_installs is not None, "install_lab did not submit the side installs"
    return lab.side_installs


def _stop(lab, instance_id: str, sn: str) -> None:
    lab.api.put(f"/project/instances/{instance_id}/stop")
    wait_instance(lab, instance_id, ("stopped", "Shutdown failed"), timeout=120, sn=sn)
    assert lab.qemu[sn].wait_idle() and not lab.qemu[sn].running


def _start(lab, instance_id: str, sn: str) -> None:
    lab.api.put(f"/project/instances/{instance_id}/start")
    wait_instance(lab, instance_id, ("running", "Startup failed"), timeout=120, sn=sn)


def _reported_raid(lab, instance_id: str, wanted) -> list[dict]:
    """The instance's ``softwareRaid`` as its detail shows it, once ``wanted(arrays)`` holds
    (the agent reports at its start, then every 15 s: BMP_MONITOR_AGENT_INTERVAL_S)."""
    seen = []

    def reported():
        seen[:] = lab.api.get(f"/project/instances/{instance_id}")["instance"]["softwareRaid"]
        return wanted(seen)

    try:
        wait_for(reported, 90, "the GuestOS's software RAID in the instance's detail", interval=1)
    except TimeoutError:
        print(lab.platform.log_tails(30))
        raise AssertionError(f"the instance's detail shows {seen}") from None
    return seen


def _guest_raid(lab, sn: str) -> dict[str, tuple]:
    """md device -> (level, state, wanted, up, [U_] status, members) of the GuestOS's lines."""
    serial = lab.qemu[sn].machine.serial_log.read_text(errors="replace")
    return {row[0]: row[1:] for row in re.findall(GUEST_RAID, serial)}


# -- UEFI ------------------------------------------------------------------------------------


def test_uefi_create_boots_its_disk_through_ovmf(lab, installs, capsys):
    instance = wait_instance(lab, installs.uefi, ("running", "Creation failed"), sn=UEFI_SN)
    hostname, boots, _ = wait_guest_up(lab, starts_before=1, sn=UEFI_SN)
    power_on, up = installs.watches[UEFI_SN].times()

    assert (instance["status"], instance["reason"]) == ("running", ""), step_times(lab, UEFI_SN)
    assert instance["bootMode"] == "UEFI"
    assert (hostname, boots) == ("guest-uefi", 1)
    qemu = lab.qemu[UEFI_SN]
    assert qemu.booted_device == "disk" and qemu.machine.firmware == UEFI
    serial = qemu.machine.serial_log.read_text(errors="replace")
    # OVMF's boot manager started the disk's removable path (no NVRAM entry names it).
    assert re.search(r'BdsDxe: starting Boot\d+ "UEFI Misc Device"', serial), serial[:2000]
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
    assert BIOS_GRUB_TYPE not in [part["type"].upper() for part in table["partitions"]]
    assert "::/EFI/BOOT/BOOTX64.EFI" in listing, listing  # the removable-media path
    assert loader[:2] == b"MZ" and len(loader) > 100_000  # a PE image: GRUB's core, whole
    assert "ESP" in label, label
    assert "x86_64-efi" in modules, modules  # grub's modules for this target
    assert "root=LABEL=l_root" in grub_cfg
    assert "/boot/efi\tvfat" in fstab


@pytest.fixture(scope="module")
def uefi_reinstall(lab, installs) -> BootWatch:
    """The stopped UEFI instance reinstalled without a boot mode (the instance's own), submitted
    here and awaited by the module's last test: it runs while the RAID server is tested."""
    body = {
        "imageId": installs.image_id,
        "systemVolumeRaidId": NO_RAID_ID,
        "instanceName": "uefi",
        "hostname": "guest-uefi-2",
        "password": "Guest-Root-Pass-8",
    }
    watch = BootWatch(lab, UEFI_SN, lab.qemu[UEFI_SN].starts, body["hostname"])
    lab.api.put(f"/project/instances/{installs.uefi}/reinstallInstance", body)
    return watch


# -- software RAID1 ----------------------------------------------------------------------------


def test_raid1_create_installs_onto_the_mirror_and_boots(lab, installs, uefi_reinstall, capsys):
    instance = wait_instance(lab, installs.raid, ("running", "Creation failed"), sn=RAID_SN)
    hostname, boots, _ = wait_guest_up(lab, starts_before=1, sn=RAID_SN)
    power_on, up = installs.watches[RAID_SN].times()
    wait_for(lambda: len(_guest_raid(lab, RAID_SN)) == 2, 30, "the GuestOS's RAID lines")
    arrays = _guest_raid(lab, RAID_SN)

    steps = step_times(lab, RAID_SN)
    assert (instance["status"], instance["reason"]) == ("running", ""), steps
    assert steps[actions.MAKE_RAID][0] == "succeeded", steps
    assert (hostname, boots) == ("guest-mirror", 1)
    # / and swap, each a mirror of both disks (virtio and NVMe), in sync.
    assert [a[:5] for a in arrays.values()] == [("raid1", "active", "2", "2", "UU")] * 2, arrays
    assert all("vda" in a[5] and "nvme0n1p" in a[5] for a in arrays.values()), arrays
    serial = lab.qemu[RAID_SN].machine.serial_log.read_text(errors="replace")
    assert re.search(r"BMP-GUEST-UP hostname=guest-mirror root=/dev/md\d+ ", serial)
    # installBmpAgent on a system without python3: the shell heartbeat, started at boot.
    assert steps[actions.INSTALL_MONITOR_AGENT][0] == "succeeded", steps
    started = wait_for_line(lab.qemu[RAID_SN].machine.serial_log, r"\nbmpd started", 60)
    assert started, lab.qemu[RAID_SN].machine.serial_log.read_text(errors="replace")[-3000:]
    detail = _reported_raid(lab, installs.raid, lambda arrays: len(arrays) == 2)
    assert sorted(a["name"] for a in detail) == sorted(arrays), detail
    assert [(a["level"], a["state"], a["degraded"]) for a in detail] == [
        ("raid1", "active", False)
    ] * 2, detail
    assert all(len(a["devices"]) == 2 for a in detail), detail
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
        wait_for(lambda: len(_guest_raid(lab, RAID_SN)) == 2, 30, "the GuestOS's RAID lines")
        arrays = _guest_raid(lab, RAID_SN)

        assert (hostname, boots) == ("guest-mirror", 2)  # the same file system, from one disk
        # Both mirrors run on the NVMe disk alone (SeaBIOS booted its GRUB): one of two members.
        assert [(a[2], a[3], sorted(a[4])) for a in arrays.values()] == [
            ("2", "1", ["U", "_"])
        ] * 2, arrays
        assert all(a[5].startswith("nvme0n1p") and "," not in a[5] for a in arrays.values())
        # What a user sees: the instance's detail, from the GuestOS's own report.
        detail = _reported_raid(lab, installs.raid, lambda found: any(a["degraded"] for a in found))
        reported_at = time.time()
        assert sorted(a["name"] for a in detail) == sorted(arrays), detail
        assert [(a["level"], a["degraded"]) for a in detail] == [("raid1", True)] * 2, detail
        assert all(
            len(a["devices"]) == 1 and a["devices"][0].startswith("nvme0n1p") for a in detail
        ), detail
        with capsys.disabled():
            print(
                f"\nraid1, first disk pulled: power-on → GuestOS up {up - qemu.started_at:.1f} s"
                f" → degraded in the instance's detail {reported_at - up:.1f} s later"
            )
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


# -- the UEFI reinstall, submitted before the RAID tests -----------------------------------------


def test_reinstall_keeps_the_uefi_boot_mode(lab, installs, uefi_reinstall, capsys):
    instance = wait_instance(lab, installs.uefi, ("running", "Reinstall failed"), sn=UEFI_SN)
    power_on, up = uefi_reinstall.times()
    hostname, boots, _ = wait_guest_up(lab, uefi_reinstall.starts_before + 1, sn=UEFI_SN)

    assert instance["status"] == "running", step_times(lab, UEFI_SN)
    assert instance["bootMode"] == "UEFI"
    assert (hostname, boots) == ("guest-uefi-2", 1)
    steps = step_times(lab, UEFI_SN)
    assert (
        steps[actions.CLEAN_BLOCK_DEVICE][0] == steps[actions.MAKE_PARTITIONS][0] == "succeeded"
    ), steps
    serial = lab.qemu[UEFI_SN].machine.serial_log.read_text(errors="replace")
    assert re.search(r'BdsDxe: starting Boot\d+ "UEFI Misc Device"', serial)
    with capsys.disabled():
        print(f"\nreinstall (uefi): {phases(lab, power_on, up, sn=UEFI_SN)}")
    _stop(lab, installs.uefi, UEFI_SN)  # an idle TCG guest still takes CPU from the next tests
