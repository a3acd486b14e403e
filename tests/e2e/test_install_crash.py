"""A server that dies in the middle of the image write is booted again and the install finishes.

The QEMU process of the lab server is killed while WriteImageTar streams the GuestOS (the
server lost its power; its agent and everything the LiveOS held in memory are gone). The agent
falls silent; after ``BMP_SCHEDULER_AGENT_SILENCE`` (20 s in these tests) the scheduler fails
that attempt with AGENT_SILENT, PXE-boots the server again (SetPXEBoot powers it on) and the
new agent redoes InitNode … WriteImageTar: the instance ends ``running`` and its GuestOS calls
home. Its own lab (one VM), so that the install tests' disk is not touched.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from bmp_common.messages import actions
from bmp_common.messages.jobs import NO_RAID_ID
from bmp_lab.platform import wait_for

from .conftest import _file_platform, _netboot
from .test_install import SN, _sha256, register_image, wait_guest_up, wait_instance

pytestmark = [pytest.mark.e2e]


@pytest.fixture(scope="module")
def crash_lab(install_images, gateway_tls, tmp_path_factory):
    """A lab of this module's own (one SeaBIOS server), so the install lab's disks are not
    touched."""
    with _file_platform():
        work = tmp_path_factory.mktemp("crash")
        yield from _netboot(
            install_images, gateway_tls, work, prefix="bmpcr", servers=1, memory_mb=1536
        )


def attempts(lab) -> dict[str, tuple[str, int, str]]:
    """action -> (status, attempt, error) of the latest job of SN."""
    latest = f"(SELECT MAX(id) FROM scheduler_job WHERE sn = '{SN}')"  # noqa: S608
    rows = lab.platform.sql(
        "SELECT action, status, attempt, error FROM scheduler_step "  # noqa: S608
        f'WHERE job_id = {latest} ORDER BY "index"'
    )
    return {action: (status, attempt, error) for action, status, attempt, error in rows}


def test_a_server_that_dies_mid_write_is_booted_again_and_the_install_finishes(crash_lab, capsys):
    lab = crash_lab
    guest = lab.services.images / "guestos" / "bmp-guestos.tar.xz"
    image_id = register_image(lab, "bmp-guestos", _sha256(guest))
    project = lab.api.get("/user/projects")["projects"][0]["projectId"]
    body = {
        "idcId": lab.idc_id,
        "projectId": project,
        "deviceTypeId": lab.device_type_id,
        "imageId": image_id,
        "systemVolumeRaidId": NO_RAID_ID,
        "instanceName": "crash",
        "hostname": "guest-crash",
        "password": "Guest-Root-Pass-7",
        "bootMode": "Legacy/BIOS",
        "count": 1,
    }
    instance_id = lab.api.post("/project/instances", body)["instanceIds"][0]
    qemu = lab.qemu[SN]

    def writing():
        return attempts(lab).get(actions.WRITE_IMAGE_TAR, ("", 0, ""))[0] == "running"

    wait_for(writing, 600, f"{actions.WRITE_IMAGE_TAR} to start", interval=0.2)
    time.sleep(1.0)  # a second into the stream
    assert writing(), attempts(lab)
    os.kill(qemu.process.pid, signal.SIGKILL)  # the QEMU this lab started: the power is gone
    died = time.time()
    starts = qemu.starts

    def rebooted():
        return qemu.starts > starts and attempts(lab)[actions.WRITE_IMAGE_TAR][1] == 2

    wait_for(rebooted, 300, "the server PXE-booted again and writing (attempt 2)", interval=1)
    detected = time.time()
    instance = wait_instance(lab, instance_id, ("running", "Creation failed"))
    hostname, boots, up = wait_guest_up(lab, starts_before=starts + 1)

    steps = attempts(lab)
    assert instance["status"] == "running", steps
    assert (hostname, boots) == ("guest-crash", 1)
    assert steps[actions.WRITE_IMAGE_TAR][:2] == ("succeeded", 2)
    assert steps[actions.SET_PXE_BOOT][:2] == ("succeeded", 2)  # booted into the LiveOS again
    assert steps[actions.INIT_NODE][:2] == ("succeeded", 2)  # the new agent knew nothing: redone
    with capsys.disabled():
        print(
            f"\nserver killed mid-write: rebooted and writing again after "
            f"{detected - died:.1f} s (silence allowed 20 s), GuestOS up {up - died:.1f} s "
            f"after the crash"
        )
