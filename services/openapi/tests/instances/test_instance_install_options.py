"""The console's install options: installBmpAgent (create, reinstall), VolumeRaids (create: a
data volume's RAID level) and dataPartition (reinstall). Each is checked, recorded on the
instance and handed to the scheduler in the job's spec."""

from __future__ import annotations

import pytest

from bmp_common.crypto import decrypt_secret
from bmp_common.errors import BmpError
from bmp_common.ids import new_id
from bmp_common.messages.jobs import JobSubmit
from bmp_openapi.catalog.models import Volume
from bmp_openapi.devices.models import Device, Disk
from bmp_openapi.instances.models import Instance, InstancePartition, InstanceVolumeRaid
from bmp_openapi.monitoring.selectors import agent_credential_check
from bmp_openapi.monitoring.services import agent_credential_issue

from ..catalog.data import DATA_VOLUME, RAID0, RAID1, RAID5, SYSTEM_VOLUME, ok
from .conftest import Stock, last_job
from .test_instance_access_and_batches import default_project, tenant
from .test_instance_create_input import nothing_written
from .test_instance_lifecycle import finish_instance_job, put, reinstall_body


@pytest.fixture
def stock(admin_api):
    """Device types with a system volume (RAID1 or RAID0) and a data volume (RAID5)."""
    return Stock(admin_api, 3, volumes=(SYSTEM_VOLUME, DATA_VOLUME))


@pytest.fixture
def tina(make_user):
    return tenant(make_user, "tina")


def volume_id(stock, volume_type: str) -> str:
    return Volume.objects.get(
        device_type__device_type_id=stock.device_type_id, volume_type=volume_type
    ).volume_id


def spec_of(instance_id: str) -> dict:
    return JobSubmit.from_wire(last_job(instance_id=instance_id).submission).spec


def assert_agent_credential(spec: dict, instance_id: str) -> str:
    """The job carries the agent's credential encrypted, and the proxy's check accepts it."""
    (key,) = spec["monitor_agent"]
    assert key == "credential_encrypted"
    credential = decrypt_secret(spec["monitor_agent"]["credential_encrypted"])
    sn = Instance.objects.select_related("device").get(instance_id=instance_id).device.sn
    assert agent_credential_check(sn=sn, credential=credential)["instanceId"] == instance_id
    return credential


def test_create_hands_the_agent_choice_and_the_data_raid_to_the_job(stock, tina):
    data = volume_id(stock, "data")
    body = stock.create_body(
        default_project(tina),
        installBmpAgent=True,
        VolumeRaids=[
            {"volumeType": "system", "volumeId": volume_id(stock, "system"), "raidId": RAID1},
            {"volumeType": "data", "volumeId": data, "raidId": RAID5, "raidCan": "RAID"},
        ],
    )

    (instance_id,) = ok(tina.post("/v1/project/instances", body))["instanceIds"]

    spec = spec_of(instance_id)
    assert spec["install_bmp_agent"] is True
    assert_agent_credential(spec, instance_id)
    assert spec["raid"]["raid_id"] == RAID1  # the system volume's, as before
    assert [(v["volume_id"], v["raid_id"], v["raid_name"]) for v in spec["volume_raids"]] == [
        (data, RAID5, "RAID5")
    ]
    assert spec["volume_raids"][0]["volume_amount"] == 4
    instance = Instance.objects.get(instance_id=instance_id)
    assert instance.install_bmp_agent is True
    assert list(
        InstanceVolumeRaid.objects.filter(instance=instance).values_list(
            "volume__volume_id", "raid__raid_id"
        )
    ) == [(data, RAID5)]


def test_the_disks_chosen_for_a_data_volume_go_with_its_raid_choice(admin_api, stock, tina):
    """MakeRaid builds the data volume from the device's disks chosen for it (associateDisks),
    found by serial, else by name."""
    data = volume_id(stock, "data")
    for device_id in stock.device_ids:  # whichever device the create takes
        collected = [  # what CollectDiskLocations found
            Disk.objects.create(
                disk_id=new_id("disk"),
                device=Device.objects.get(device_id=device_id),
                types="controller",
                size="1.92",
                size_unit="TB",
                pd_type="SAS",
                media_type="HDD",
                enclosure="32",
                slot=slot,
                serial_number=f"{device_id}-S{slot}" if slot else "",
                device_path=f"/dev/sd{'bcde'[slot]}",
            )
            for slot in range(4)
        ]
        body = {
            "deviceId": device_id,
            "deviceTypeId": stock.device_type_id,
            "volumes": [{"volumeId": data, "diskId": [disk.disk_id for disk in collected]}],
        }
        ok(admin_api.put("/v1/devices/disks/associateDisks", body, format="json"))
    body = stock.create_body(
        default_project(tina), VolumeRaids=[{"volumeId": data, "raidId": RAID5}]
    )

    (instance_id,) = ok(tina.post("/v1/project/instances", body))["instanceIds"]

    device_id = Instance.objects.get(instance_id=instance_id).device.device_id
    (volume,) = spec_of(instance_id)["volume_raids"]
    assert [(d["serial"], d["name"], d["slot"]) for d in volume["disks"]] == [
        ("", "/dev/sdb", 0),
        (f"{device_id}-S1", "/dev/sdc", 1),
        (f"{device_id}-S2", "/dev/sdd", 2),
        (f"{device_id}-S3", "/dev/sde", 3),
    ]


def test_without_the_options_nothing_is_asked_of_the_job(admin_api, stock, project_id):
    body = stock.create_body(project_id)

    (instance_id,) = ok(admin_api.post("/v1/project/instances", body, format="json"))["instanceIds"]

    spec = spec_of(instance_id)
    assert (spec["install_bmp_agent"], spec["volume_raids"], spec["data_partitions"]) == (
        False,
        [],
        [],
    )


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        (
            {"volumeId": "v-nope", "raidId": RAID5},
            "VolumeRaids: volume v-nope is not a volume of device type",
        ),
        ({"volumeId": "{data}", "raidId": RAID1}, "does not offer RAID " + RAID1),
        ({"volumeId": "{data}", "raidId": RAID5, "volumeType": "system"}, "is a data volume"),
        ({"volumeId": "{system}", "raidId": RAID0}, "takes systemVolumeRaidId " + RAID1),
        ({"volumeId": "{data}", "raidId": RAID5, "size": 1}, "Invalid argument: VolumeRaids"),
    ],
)
def test_a_raid_choice_the_device_type_does_not_offer_is_400(
    admin_api, stock, project_id, choice, message
):
    ids = {"data": volume_id(stock, "data"), "system": volume_id(stock, "system")}
    choice = {
        key: value.format(**ids) if isinstance(value, str) else value
        for key, value in choice.items()
    }

    answer = admin_api.post(
        "/v1/project/instances",
        stock.create_body(project_id, VolumeRaids=[choice]),
        format="json",
    )

    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert message in answer.json()["error"]["message"]
    nothing_written()


def test_a_volume_chosen_twice_is_400(admin_api, stock, project_id):
    data = {"volumeId": volume_id(stock, "data"), "raidId": RAID5}

    answer = admin_api.post(
        "/v1/project/instances",
        stock.create_body(project_id, VolumeRaids=[data, data]),
        format="json",
    )

    assert answer.status_code == 400
    assert "is chosen more than once" in answer.json()["error"]["message"]
    nothing_written()


@pytest.fixture
def tinas_running(stock, tina):
    body = stock.create_body(
        default_project(tina),
        VolumeRaids=[{"volumeId": volume_id(stock, "data"), "raidId": RAID5}],
    )
    (instance_id,) = ok(tina.post("/v1/project/instances", body))["instanceIds"]
    finish_instance_job(instance_id, power="on")
    ok(put(tina, instance_id, "stop"))
    finish_instance_job(instance_id, power="off")
    return instance_id


DATA_PARTITIONS = [
    {"format": "xfs", "point": "/data", "size": 1000000},
    {"format": "ext4", "point": "/backup", "size": 500000},
]


def test_reinstall_hands_the_data_partitions_and_the_agent_choice(tina, tinas_running):
    body = {
        **reinstall_body(tina, tinas_running),
        "installBmpAgent": True,
        "dataPartition": DATA_PARTITIONS,
    }

    before = agent_credential_issue(instance=Instance.objects.get(instance_id=tinas_running))

    ok(put(tina, tinas_running, "reinstallInstance", body))

    spec = spec_of(tinas_running)
    assert spec["install_bmp_agent"] is True
    assert assert_agent_credential(spec, tinas_running) != before
    sn = Instance.objects.select_related("device").get(instance_id=tinas_running).device.sn
    with pytest.raises(BmpError):  # the old system's agent may report no more
        agent_credential_check(sn=sn, credential=before)
    assert spec["data_partitions"] == [
        {"point": "/data", "fs_type": "xfs", "size_mb": 1000000},
        {"point": "/backup", "fs_type": "ext4", "size_mb": 500000},
    ]
    assert [p["point"] for p in spec["partitions"]] == ["/", "swap"]
    assert [v["raid_id"] for v in spec["volume_raids"]] == [RAID5]  # applied again
    rows = InstancePartition.objects.filter(instance__instance_id=tinas_running).order_by("id")
    assert list(rows.values_list("volume_type", "number", "point")) == [
        ("system", 1, "/"),
        ("system", 2, "swap"),
        ("data", 1, "/data"),
        ("data", 2, "/backup"),
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {
                "systemPartition": [
                    {"format": "xfs", "point": "/", "size": 51200},
                    {"format": "xfs", "point": "/data", "size": 1000},
                ],
                "dataPartition": DATA_PARTITIONS,
            },
            "mount point /data appears more than once across",
        ),
        ({"dataPartition": [{"format": "xfs", "point": "/", "size": 10}]}, "dataPartition"),
        ({"dataPartition": [{"format": "xfs", "point": "/../etc", "size": 1}]}, "dataPartition"),
        ({"dataPartition": [{"format": "swap", "point": "/swap", "size": 1}]}, "dataPartition"),
        ({"dataPartition": DATA_PARTITIONS, "keepData": True}, "would not keep their data"),
        ({"dataPartition": [{"format": "ntfs", "point": "/d", "size": 1}]}, "dataPartition"),
        ({"installBmpAgent": "maybe"}, "installBmpAgent"),
    ],
)
def test_reinstall_refuses_bad_data_partitions(tina, tinas_running, changes, message):
    body = {**reinstall_body(tina, tinas_running), **changes}

    answer = put(tina, tinas_running, "reinstallInstance", body)

    assert answer.status_code == 400, answer.content
    assert message in answer.json()["error"]["message"]
    assert Instance.objects.get(instance_id=tinas_running).status == "stopped"
