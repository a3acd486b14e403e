"""Bad input to createProjectInstance: a clear 4xx, and nothing written."""

from __future__ import annotations

import pytest

from bmp_openapi.devices.models import Device
from bmp_openapi.instances.models import Instance
from bmp_openapi.jobs.models import Job

from ..catalog.data import RAID10, ok
from .test_instance_lifecycle import create


def nothing_written():
    assert Instance.all_objects.count() == 0
    assert Job.objects.exclude(task="PutawayDevice").count() == 0
    assert Device.objects.filter(manage_status="putaway", instance_id="").count() == 3


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"count": 4}, 409, "has 3 device(s) for sale in IDC"),
        ({"password": None}, 400, "give a password or sshKeyId"),
        ({"sshKeyId": "key-nope"}, 400, "give a password or sshKeyId"),  # and a password
        ({"password": "short"}, 400, "Invalid argument: password"),
        ({"systemVolumeRaidId": RAID10}, 400, "systemVolumeRaidId: RAID"),
        ({"imageId": "i-nope"}, 404, "i-nope"),
        ({"hostname": "Bad_Host"}, 400, "Invalid argument: hostname"),
        ({"bootMode": "UEFI"}, 400, "bootMode: UEFI is not supported"),
        ({"count": 0}, 400, "Invalid argument: count"),
        ({"surprise": 1}, 400, "surprise"),
    ],
)
def test_refusals_name_the_problem_and_write_nothing(
    admin_api, stock, project_id, changes, status, message
):
    answer = create(admin_api, stock, project_id, **changes)

    assert answer.status_code == status, answer.content
    assert message in answer.json()["error"]["message"]
    nothing_written()


@pytest.mark.parametrize(
    "point",
    [
        "../etc",
        "/data/../etc",
        "/data/..",
        "/./data",
        "/da ta",
        "/data\n/x",
        "/data\x00",
        "data",
    ],
)
def test_a_mount_point_that_is_not_a_clean_absolute_path_is_refused(
    admin_api, stock, project_id, point
):
    partitions = [{"format": "xfs", "point": "/", "size": 51200}]
    partitions.append({"format": "ext4", "point": point, "size": 1024})

    answer = create(admin_api, stock, project_id, systemPartition=partitions)

    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith(
        "Invalid argument: systemPartition[1].point: must be swap or an absolute path"
    )
    nothing_written()


def test_a_name_is_unique_among_the_users_instances(admin_api, stock, project_id):
    ok(create(admin_api, stock, project_id))

    again = create(admin_api, stock, project_id)

    assert again.status_code == 409
    assert again.json()["error"]["message"] == "You already have an instance named web"
    assert Instance.objects.count() == 1


def test_count_names_the_instances_with_a_suffix(admin_api, stock, project_id):
    ids = ok(create(admin_api, stock, project_id, count=3))["instanceIds"]

    listed = ok(admin_api.get("/v1/project/instances", {"instanceName": "web-"}))

    assert len(set(ids)) == 3 and all(i.startswith("bmp-") and len(i) == 32 for i in ids)
    assert sorted(row["instanceName"] for row in listed["instances"]) == ["web-1", "web-2", "web-3"]
    assert len({row["deviceId"] for row in listed["instances"]}) == 3
    assert (
        ok(admin_api.get(f"/v1/devices/stock?deviceTypeId={stock.device_type_id}"))["stocks"] == 0
    )


def test_ssh_keys_instead_of_a_password(admin_api, stock, project_id):
    from ..sshkeys.test_sshkey_api import ed25519_key

    ED25519 = ed25519_key()

    key_id = ok(admin_api.post("/v1/user/sshkeys", {"name": "k", "key": ED25519}, format="json"))[
        "sshkeyId"
    ]
    answer = create(admin_api, stock, project_id, password=None, sshKeyId=key_id)

    instance_id = ok(answer)["instanceIds"][0]
    job = Job.objects.get(instance_id=instance_id)
    assert job.submission["body"]["spec"]["ssh_keys"] == [ED25519]
    assert ok(admin_api.get(f"/v1/user/sshkeys/instances/{key_id}"))["instanceIds"] == [instance_id]
