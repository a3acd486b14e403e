"""A real install: a QEMU server goes from a bare disk to a booted GuestOS, through every service.

API create (NO RAID, default partitions, password, SSH key) → scheduler → dhcp-agent → driver
PXE-boots the server → the LiveOS (services/agent/liveos/build.sh) runs the real agent: it
partitions, formats, mounts, streams the GuestOS tar (services/guestos/build.sh) from the image
service, writes the password, NoCloud seed and grub → the platform boots the disk → the GuestOS
prints ``BMP-GUEST-UP hostname=<ours>`` on its console → the instance is ``running``. Then the
disk is inspected, the instance reinstalled and deleted (disk wiped), and an image whose
checksum is wrong fails WriteImageTar. Last, on the same VM, the whole-disk qcow2 GuestOS:
WriteImage, then the guest steps on the root it found and mounted. SeaBIOS, LAB-0001 of the
session's install lab (conftest.install_lab), whose UEFI and RAID1 servers install at the same
time (test_install_boot_uefi_raid.py); TCG VMs of 1.5 GiB (the LiveOS is a ~90 MB initramfs
unpacked in RAM).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import os
import re
import time
from pathlib import Path

import pytest

from bmp_common.messages import actions
from bmp_common.messages.jobs import NO_RAID_ID
from bmp_lab import enrol
from bmp_lab.enrol import EnrolError
from bmp_lab.platform import wait_for

from . import disk
from .conftest import ROOT, wait_for_line

pytestmark = [pytest.mark.e2e]

AGENT = ROOT / "services" / "agent" / "bmp_agent" / "__main__.py"
SN = "LAB-0001"
INSTALL_TIMEOUT = 1200  # s: TCG on 2 shared cores
GUEST_UP = r"BMP-GUEST-UP hostname=(\S+) root=(\S*) boot=(\d+)"
PASSWORD = "Guest-Root-Pass-7"
QCOW2_PASSWORD = "Qcow2-Root-Pass-9"
GUEST_IMAGE = {
    "architecture": "x86_64",
    "osType": "Linux",
    "Version": "bmp-guest-1",
    "format": "tar",
    "boot_mode": "UEFI,Legacy/BIOS",
    "filename": "bmp-guestos.tar.xz",
    "url": "{host}/guestos/bmp-guestos.tar.xz",
    "description": "services/guestos: busybox + Debian kernel, says BMP-GUEST-UP on boot",
    "systemPartition": [
        {"format": "ext4", "point": "/", "size": 2048},
        {"format": "swap", "point": "swap", "size": 256},
    ],
}
QCOW2_IMAGE = {
    **GUEST_IMAGE,
    "format": "qcow2",
    "boot_mode": "Legacy/BIOS",  # grub i386-pc in its MBR
    "filename": "bmp-guestos.qcow2",
    "url": "{host}/guestos/bmp-guestos.qcow2",
    "description": "services/guestos: the same system as a whole disk (GPT, LABEL=bmp-root)",
    "systemPartition": [{"format": "ext4", "point": "/", "size": 128}],  # the image's own
}


def _sha256(path: Path) -> str:
    return (path.parent / (path.name + ".sha256")).read_text().split()[0]


def register_image(lab, name: str, digest: str, record: dict = GUEST_IMAGE) -> str:
    image_id = lab.api.post("/images", {**record, "imageName": name, "hash": digest})["imageId"]
    enrol.ensure_image_bound(lab.api, lab.device_type_id, image_id)
    return image_id


def ssh_public_key() -> str:
    blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + os.urandom(32)
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} bmp-e2e"


def _utc(text: str | None) -> float | None:
    if not text:
        return None
    moment = datetime.datetime.fromisoformat(str(text))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp()


def step_times(lab, sn: str = SN) -> dict[str, tuple]:
    """action -> (status, started, finished, error) of the latest job of `sn`."""
    assert re.fullmatch(r"LAB-\d+", sn)  # platform.sql takes no parameters
    latest = f"(SELECT MAX(id) FROM scheduler_job WHERE sn = '{sn}')"  # noqa: S608
    rows = lab.platform.sql(
        "SELECT action, status, started_at, finished_at, error FROM scheduler_step "  # noqa: S608
        f'WHERE job_id = {latest} ORDER BY "index"'
    )
    return {row[0]: (row[1], _utc(row[2]), _utc(row[3]), row[4]) for row in rows}


def wait_instance(
    lab, instance_id: str, statuses: tuple, timeout: float = INSTALL_TIMEOUT, sn: str = SN
):
    def reached():
        instance = lab.api.get(f"/project/instances/{instance_id}")["instance"]
        return instance["status"] in statuses and instance

    try:
        return wait_for(reached, timeout, f"{instance_id} in {statuses}", interval=1)
    except TimeoutError:
        print(lab.platform.log_tails(80))
        serial = lab.qemu[sn].machine.serial_log
        print(serial.read_text(errors="replace")[-5000:] if serial.exists() else "(no serial)")
        raise


def wait_guest_up(lab, starts_before: int, sn: str = SN) -> tuple[str, int, float]:
    """(hostname, boot count, time) of the GuestOS's console line after the post-install boot."""
    qemu = lab.qemu[sn]
    wait_for(lambda: qemu.starts > starts_before and qemu.running, 120, "the boot from disk")
    seen = wait_for_line(qemu.machine.serial_log, GUEST_UP, 300)
    serial = qemu.machine.serial_log.read_text(errors="replace")
    assert seen is not None, f"the GuestOS never said it was up:\n{serial[-4000:]}"
    found = re.search(GUEST_UP, serial)
    return found.group(1), int(found.group(3)), seen


def phases(
    lab, power_on: float, guest_up: float, write: str = actions.WRITE_IMAGE_TAR, sn: str = SN
) -> str:
    steps = step_times(lab, sn)

    def took(action):
        _, started, finished, _ = steps.get(action, (None, None, None, None))
        return f"{finished - started:.1f} s" if started and finished else "?"

    heartbeat = steps.get(actions.PING, (None, None, None))[2]
    cycled = steps.get(actions.POWER_CYCLE, (None, None, None))[2]
    return (
        f"power-on → heartbeat {heartbeat - power_on:.1f} s, "
        f"partitioning {took(actions.MAKE_PARTITIONS)} "
        f"(+ format {took(actions.FORMAT_PARTITIONS)}), "
        f"image write {took(write)}, "
        f"reboot → call home {guest_up - cycled:.1f} s"
    )


def stop(lab, instance_id: str, sn: str = SN) -> None:
    if lab.api.get(f"/project/instances/{instance_id}")["instance"]["status"] == "stopped":
        return
    lab.api.put(f"/project/instances/{instance_id}/stop")
    wait_instance(lab, instance_id, ("stopped", "Shutdown failed"), timeout=120, sn=sn)
    assert lab.qemu[sn].wait_idle() and not lab.qemu[sn].running


@pytest.fixture(scope="module")
def installed(install_lab):
    """The instance created on the bare disk; (instance id, image id, ssh key, hostname)."""
    lab = install_lab
    guest = lab.services.images / "guestos" / "bmp-guestos.tar.xz"
    image_id = register_image(lab, "bmp-guestos", _sha256(guest))
    key = ssh_public_key()
    key_id = lab.api.post("/user/sshkeys", {"name": "bmp-e2e", "key": key})["sshkeyId"]
    project = lab.api.get("/user/projects")["projects"][0]["projectId"]
    body = {
        "idcId": lab.idc_id,
        "projectId": project,
        "deviceTypeId": lab.device_type_id,
        "imageId": image_id,
        "systemVolumeRaidId": NO_RAID_ID,
        "instanceName": "guest",
        "hostname": "guest-one",
        "sshKeyId": key_id,  # the API takes a password or keys, not both: the password comes
        # with the reinstall
        "bootMode": "Legacy/BIOS",
        "count": 1,
    }
    instance_id = lab.api.post("/project/instances", body)["instanceIds"][0]
    return instance_id, image_id, key, body


def test_create_installs_the_guestos_which_boots_from_disk(install_lab, installed, capsys):
    lab, (instance_id, _, _, _) = install_lab, installed
    qemu = lab.qemu[SN]
    assert wait_for(lambda: qemu.started_at, 120, f"{SN} powered on by the driver")
    power_on = qemu.started_at

    instance = wait_instance(lab, instance_id, ("running", "Creation failed"))
    hostname, boots, up = wait_guest_up(lab, starts_before=1)

    assert (instance["status"], instance["reason"]) == ("running", ""), step_times(lab)
    assert (hostname, boots) == ("guest-one", 1)
    assert lab.fleet.by_sn(SN).node.booted_from == "disk"
    with capsys.disabled():
        print(f"\ninstall (bios): {phases(lab, power_on, up)}")


def test_the_installed_disk_holds_what_the_user_asked_for(install_lab, installed):
    lab, (instance_id, _, key, _) = install_lab, installed
    stop(lab, instance_id)

    with disk.raw_copy(lab.qemu[SN].machine.disk) as raw:
        table = disk.partition_table(raw)
        assert table["label"] == "gpt"
        types = [part["type"].upper() for part in table["partitions"]]
        bios_grub = "21686148-6449-6E6F-744E-656564454649"
        swap = "0657FD6D-A4AB-4C11-8D11-DB66B4B0C8B1"  # noqa: F841 (documented for readers)
        assert types[0] == bios_grub, types
        with disk.mounted(raw, disk.find_partition(raw, "l_root")) as target:
            assert key in (target / "root/.ssh/authorized_keys").read_text()
            meta = (target / "var/lib/cloud/seed/nocloud/meta-data").read_text()
            assert "guest-one" in meta and instance_id in meta
            assert (target / "etc/hostname").read_text().strip() == "guest-one"  # set at boot
            assert "root=LABEL=l_root" in (target / "boot/grub/grub.cfg").read_text()
            assert (target / "bin/busybox").exists()  # the GuestOS tar, extracted


def test_reinstall_writes_a_fresh_system(install_lab, installed, capsys):
    lab, (instance_id, image_id, _, _) = install_lab, installed
    starts = lab.qemu[SN].starts
    body = {
        "imageId": image_id,
        "systemVolumeRaidId": NO_RAID_ID,
        "instanceName": "guest",
        "hostname": "guest-two",
        "password": PASSWORD,
        "bootMode": "Legacy/BIOS",  # without it the reinstall lays out an ESP: SeaBIOS can't boot
    }
    lab.api.put(f"/project/instances/{instance_id}/reinstallInstance", body)
    wait_for(lambda: lab.qemu[SN].starts > starts, 120, "the LiveOS boot of the reinstall")
    power_on = lab.qemu[SN].started_at

    instance = wait_instance(lab, instance_id, ("running", "Reinstall failed"))
    hostname, boots, up = wait_guest_up(lab, starts_before=starts + 1)

    assert instance["status"] == "running", step_times(lab)
    assert (hostname, boots) == ("guest-two", 1)  # boot 1: a new file system, not the old one
    with capsys.disabled():
        print(f"\nreinstall (bios): {phases(lab, power_on, up)}")


def test_the_reinstalled_system_has_the_password_hashed(install_lab, installed):
    lab, (instance_id, _, _, _) = install_lab, installed
    stop(lab, instance_id)

    with disk.raw_copy(lab.qemu[SN].machine.disk) as raw:
        with disk.mounted(raw, disk.find_partition(raw, "l_root")) as target:
            shadow = (target / "etc/shadow").read_text()
            assert (target / "etc/hostname").read_text().strip() == "guest-two"
    root_hash = shadow.splitlines()[0].split(":")[1]
    assert root_hash.startswith("$6$") and PASSWORD not in shadow


def test_delete_wipes_the_disk(install_lab, installed):
    lab, (instance_id, _, _, _) = install_lab, installed
    stop(lab, instance_id)

    lab.api.delete(f"/project/instances/{instance_id}")

    def gone():
        try:
            lab.api.get(f"/project/instances/{instance_id}")
        except EnrolError as error:
            return error.status == 404
        return False

    wait_for(gone, INSTALL_TIMEOUT, "the instance to be destroyed", interval=1)
    assert lab.qemu[SN].wait_idle(60) and not lab.qemu[SN].running
    with disk.raw_copy(lab.qemu[SN].machine.disk) as raw:
        assert disk.partition_table(raw) == {}
        assert disk.signatures(raw) == ""


def test_an_image_with_a_wrong_checksum_fails_write_image_tar(install_lab, installed):
    lab, (_, _, _, body) = install_lab, installed
    wrong = hashlib.sha256(b"not the image").hexdigest()
    image_id = register_image(lab, "bmp-guestos-bad", wrong)
    create = {**body, "imageId": image_id, "instanceName": "bad", "hostname": "guest-bad"}
    instance_id = lab.api.post("/project/instances", create)["instanceIds"][0]
    try:
        instance = wait_instance(lab, instance_id, ("Creation failed", "running"))

        assert instance["status"] == "Creation failed"
        assert instance["reason"] == "WriteImageTarError", instance
        status, _, _, error = step_times(lab)[actions.WRITE_IMAGE_TAR]
        assert status == "failed" and "CHECKSUM" in error.upper(), (status, error)
    finally:
        lab.fleet.by_sn(SN).node.power_down()
        time.sleep(1)
    lab.api.delete(f"/project/instances/{instance_id}")  # nothing installed: the device is free


@pytest.fixture(scope="module")
def qcow2_installed(install_lab, installed):
    """Created from the whole-disk qcow2 image, after the tests above freed the device."""
    lab, (_, _, _, body) = install_lab, installed
    guest = lab.services.images / "guestos" / "bmp-guestos.qcow2"
    image_id = register_image(lab, "bmp-guestos-qcow2", _sha256(guest), QCOW2_IMAGE)
    starts = lab.qemu[SN].starts
    create = {**body, "imageId": image_id, "instanceName": "qcow", "hostname": "guest-qcow"}
    del create["sshKeyId"]  # a password or keys: the qcow2 test checks the password
    create["password"] = QCOW2_PASSWORD
    return lab.api.post("/project/instances", create)["instanceIds"][0], starts


def test_create_from_the_qcow2_image_boots_its_disk(install_lab, qcow2_installed, capsys):
    lab, (instance_id, starts) = install_lab, qcow2_installed
    wait_for(lambda: lab.qemu[SN].starts > starts, 120, "the LiveOS boot of the qcow2 create")
    power_on = lab.qemu[SN].started_at

    instance = wait_instance(lab, instance_id, ("running", "Creation failed"))
    steps = step_times(lab)
    assert instance["status"] == "running", (instance["reason"], steps)
    hostname, boots, up = wait_guest_up(lab, starts_before=starts + 1)

    steps = step_times(lab)
    assert actions.WRITE_IMAGE_TAR not in steps, steps
    assert steps[actions.WRITE_IMAGE][0] == "succeeded", steps
    assert (hostname, boots) == ("guest-qcow", 1)
    guest = steps[actions.SET_PASSWORD][1], steps[actions.SET_USER_DATA][2]
    with capsys.disabled():
        print(
            f"\ninstall (qcow2): power-on → heartbeat {steps[actions.PING][2] - power_on:.1f} s, "
            f"image write {steps[actions.WRITE_IMAGE][2] - steps[actions.WRITE_IMAGE][1]:.1f} s, "
            f"guest steps {guest[1] - guest[0]:.1f} s, "
            f"reboot → call home {up - steps[actions.POWER_CYCLE][2]:.1f} s"
        )


def test_the_qcow2_install_holds_the_password_and_the_seed(install_lab, qcow2_installed):
    lab, (instance_id, _) = install_lab, qcow2_installed
    stop(lab, instance_id)

    with disk.raw_copy(lab.qemu[SN].machine.disk) as raw:
        table = disk.partition_table(raw)
        dps_root = "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709"
        assert [part["type"].upper() for part in table["partitions"]][1] == dps_root
        assert table["lastlba"] > (4 << 30) // disk.SECTOR - 100  # backup GPT at the disk's end
        with disk.mounted(raw, disk.find_partition(raw, "bmp-root")) as target:
            shadow = (target / "etc/shadow").read_text()
            seed = target / "var/lib/cloud/seed/nocloud"
            meta = (seed / "meta-data").read_text()
            assert "guest-qcow" in meta and instance_id in meta
            assert (seed / "user-data").exists() and (seed / "network-config").exists()
            assert (target / "etc/cloud/cloud.cfg.d/99-bmp.cfg").exists()
            assert "root=LABEL=bmp-root" in (target / "boot/grub/grub.cfg").read_text()
    root_hash = shadow.splitlines()[0].split(":")[1]
    assert root_hash.startswith("$6$") and QCOW2_PASSWORD not in shadow
