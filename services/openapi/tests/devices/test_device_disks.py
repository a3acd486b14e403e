"""Collected disks of a device and the disks chosen for the volumes of its device type."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bmp_common.ids import new_id
from bmp_openapi.devices import states
from bmp_openapi.devices.models import Device, DeviceVolumeDisk, Disk

from .conftest import import_devices, spec


@pytest.fixture
def device(admin_api, idc_id) -> Device:
    answer = import_devices(admin_api, idc_id, [spec(1)])
    assert answer.status_code == 200, answer.content
    return Device.objects.get(device_id=answer.json()["result"]["deviceIds"][0])


def add_disk(device, types="controller", size="480", unit="GB", pd="SATA", media="SSD") -> Disk:
    return Disk.objects.create(
        disk_id=new_id("disk"),
        device=device,
        types=types,
        size=size,
        size_unit=unit,
        pd_type=pd,
        media_type=media,
        enclosure="32",
        slot=Disk.objects.filter(device=device).count(),
    )


def associate(api, device, device_type, volumes, **headers):
    body = {
        "deviceId": device.device_id,
        "deviceTypeId": device_type.device_type_id,
        "volumes": volumes,
    }
    return api.put("/v1/devices/disks/associateDisks", body, format="json", **headers)


def test_disks_are_chosen_for_volumes_and_shown_in_the_detail(
    admin_api, idc_id, device, make_device_type, make_volume
):
    device_type = make_device_type(idc_id)
    system = make_volume(device_type, raids=("RAID1",))
    first, second = add_disk(device), add_disk(device)
    add_disk(device, types="panfu", pd="")

    answer = associate(
        admin_api,
        device,
        device_type,
        [{"volumeId": system.volume_id, "diskId": [first.disk_id, second.disk_id]}],
    )

    assert answer.json()["result"] == {"success": True}
    device.refresh_from_db()
    assert device.device_type == device_type  # bound with the disks, as upstream
    detail = admin_api.get(f"/v1/devices/{device.device_id}/disksDetail").json()["result"]
    assert len(detail["disks"]) == 2 and len(detail["panfu"]) == 1
    (volume,) = detail["volumes"]
    assert volume["volumeId"] == system.volume_id
    assert [r["name"] for r in volume["raids"]] == ["RAID1"]
    assert {d["diskId"] for d in volume["disks"]} == {first.disk_id, second.disk_id}
    # Upstream's Disk times are integers (Unix seconds).
    first.refresh_from_db()
    listed = next(d for d in detail["disks"] if d["diskId"] == first.disk_id)
    assert listed["createdTime"] == int(first.created_at.timestamp())
    assert listed["selected"] is True and detail["panfu"][0]["selected"] is False
    assert volume["raid"] == "RAID1"


def test_candidates_and_selection(admin_api, idc_id, device, make_device_type, make_volume):
    device_type = make_device_type(idc_id)
    system = make_volume(device_type, raids=("RAID1",))
    chosen, spare = add_disk(device), add_disk(device)
    add_disk(device, media="HDD")  # wrong media
    add_disk(device, size="240")  # too small
    add_disk(device, types="nvme", pd="NVME")  # wrong kind
    DeviceVolumeDisk.objects.create(device=device, volume=system, disk=chosen, volume_type="system")
    query = (
        f"/v1/devices/disks/describeAssociateDisks?deviceId={device.device_id}"
        f"&deviceTypeId={device_type.device_type_id}&volumeId={system.volume_id}"
    )

    found = admin_api.get(query).json()["result"]

    assert {(d["diskId"], d["selected"]) for d in found} == {
        (chosen.disk_id, True),
        (spare.disk_id, False),
    }


@pytest.mark.parametrize(
    ("volumes", "field"),
    [
        (lambda v, d: [{"volumeId": v.volume_id, "diskId": [d[0]]}], "volumes[0].diskId"),
        (
            lambda v, d: [{"volumeId": v.volume_id, "diskId": [d[0], d[0]]}],
            "volumes[0].diskId[1]",
        ),
        (
            lambda v, d: [{"volumeId": v.volume_id, "diskId": [d[0], "disk-other"]}],
            "volumes[0].diskId[1]",
        ),
        (
            lambda v, d: [{"volumeId": v.volume_id, "diskId": [d[0], d[2]]}],  # nvme
            "volumes[0].diskId[1]",
        ),
    ],
)
def test_bad_disk_choices_are_400_naming_the_field_and_change_nothing(
    admin_api, idc_id, device, make_device_type, make_volume, volumes, field
):
    device_type = make_device_type(idc_id)
    system = make_volume(device_type, raids=("RAID1",))
    disks = [add_disk(device).disk_id, add_disk(device).disk_id]
    disks.append(add_disk(device, types="nvme", pd="NVME").disk_id)

    answer = associate(admin_api, device, device_type, volumes(system, disks))

    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["message"].startswith(f"Invalid argument: {field}")
    assert not DeviceVolumeDisk.objects.exists()
    device.refresh_from_db()
    assert device.device_type is None


def test_a_blank_disk_id_is_400_naming_it(admin_api, idc_id, device, make_device_type):
    volumes = [{"volumeId": "vl-1", "diskId": ["disk-1", "  "]}]

    answer = associate(admin_api, device, make_device_type(idc_id), volumes)

    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith("Invalid argument: volumes[0].diskId[1]")


def test_a_volume_of_another_type_is_400_in_chinese(
    admin_api, idc_id, device, make_device_type, make_volume
):
    device_type = make_device_type(idc_id)
    other = make_volume(make_device_type(idc_id, name="c.large"))

    answer = associate(
        admin_api,
        device,
        device_type,
        [{"volumeId": other.volume_id, "diskId": []}],
        HTTP_BMPLANGUAGE="zh_CN",
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == (
        f"参数错误：volumes[0].volumeId：卷 {other.volume_id} "
        f"不属于机型 {device_type.device_type_id}"
    )


def test_changing_the_device_type_drops_links_of_the_old_one(
    admin_api, idc_id, device, make_device_type, make_volume
):
    old_type, new_type = make_device_type(idc_id), make_device_type(idc_id, name="c.large")
    volume = make_volume(old_type, raids=(), raid_can="NO RAID", volume_amount=1)
    disk = add_disk(device, types="nvme", pd="NVME")
    assert (
        associate(
            admin_api, device, old_type, [{"volumeId": volume.volume_id, "diskId": [disk.disk_id]}]
        ).status_code
        == 200
    )

    body = {"deviceId": device.device_id, "deviceTypeId": new_type.device_type_id}
    answer = admin_api.put("/v1/devices/deviceType/associate", body, format="json")

    assert answer.status_code == 200
    assert not DeviceVolumeDisk.objects.exists()


def test_associating_disks_is_refused_once_sold(admin_api, idc_id, device, make_device_type):
    Device.objects.filter(pk=device.pk).update(manage_status=states.CREATED)

    answer = associate(admin_api, device, make_device_type(idc_id), [])

    assert answer.status_code == 409


def test_deleting_a_device_drops_its_disks(
    admin_api, idc_id, device, make_device_type, make_volume
):
    device_type = make_device_type(idc_id)
    volume = make_volume(device_type, raids=(), raid_can="NO RAID", volume_amount=1)
    disk = add_disk(device, types="nvme", pd="NVME")
    associate(
        admin_api, device, device_type, [{"volumeId": volume.volume_id, "diskId": [disk.disk_id]}]
    )

    assert admin_api.delete(f"/v1/devices/{device.device_id}").status_code == 200

    assert not DeviceVolumeDisk.objects.exists()
    assert not Disk.objects.exists() and Disk.all_objects.count() == 1


def test_unknown_things_are_404(admin_api, idc_id, device, make_device_type):
    device_type = make_device_type(idc_id)
    base = "/v1/devices/disks/describeAssociateDisks"

    assert admin_api.get("/v1/devices/d-nope/disksDetail").status_code == 404
    no_volume = admin_api.get(
        f"{base}?deviceId={device.device_id}&deviceTypeId={device_type.device_type_id}&volumeId=vl-x"
    )
    assert no_volume.status_code == 404
    assert no_volume.json()["error"]["message"] == "Volume vl-x does not exist"


def test_the_disk_detail_costs_the_same_queries_for_any_number_of_disks(
    admin_api, idc_id, device, make_device_type, make_volume
):
    device_type = make_device_type(idc_id)
    volume = make_volume(device_type, raids=("RAID1",))
    Device.objects.filter(pk=device.pk).update(device_type=device_type)
    path = f"/v1/devices/{device.device_id}/disksDetail"
    first = add_disk(device)
    DeviceVolumeDisk.objects.create(device=device, volume=volume, disk=first, volume_type="system")
    with CaptureQueriesContext(connection) as one:
        admin_api.get(path)
    for _ in range(5):
        disk = add_disk(device)
        DeviceVolumeDisk.objects.create(
            device=device, volume=volume, disk=disk, volume_type="system"
        )
    with CaptureQueriesContext(connection) as six:
        admin_api.get(path)

    assert len(six.captured_queries) == len(one.captured_queries)
