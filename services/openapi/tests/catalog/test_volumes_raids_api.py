"""describeVolumesRaids (console): a device type's volumes with the RAID levels each offers, in
upstream's VolumeRaids shape (the console's create form reads it)."""

from bmp_openapi.catalog.models import Volume

from .data import RAID0, RAID1, RAID5, ok

PATH = "/v1/deviceTypes/volumesRaids"


def test_a_tenant_reads_the_volumes_and_their_raid_levels(console_user_api, make_device_type):
    device_type_id = make_device_type()

    volumes = ok(console_user_api.get(f"{PATH}?deviceTypeId={device_type_id}"))

    assert [(v["volumeName"], v["volumeType"]) for v in volumes] == [
        ("system", "system"),
        ("data1", "data"),
    ]
    system, data = volumes
    assert [(r["raidId"], r["raidName"]) for r in system["raids"]] == [
        (RAID1, "RAID1"),
        (RAID0, "RAID0"),
    ]
    assert [(r["raidId"], r["raidName"], r["raidCan"]) for r in data["raids"]] == [
        (RAID5, "RAID5", "RAID")
    ]
    volume = Volume.objects.get(volume_id=data["volumeId"])
    assert data["raids"][0]["volumeId"] == volume.volume_id
    assert data["raids"][0]["deviceTypeId"] == device_type_id
    assert (data["volumeSize"], data["volumeUnit"], data["volumeAmount"]) == ("1.92", "TB", 4)
    # upstream's integer times (Unix seconds)
    assert data["createdTime"] == int(volume.created_at.timestamp())
    assert (data["isDel"], data["deletedTime"]) == (0, 0)


def test_volume_type_keeps_the_volumes_of_that_type(console_user_api, make_device_type):
    device_type_id = make_device_type()

    volumes = ok(console_user_api.get(f"{PATH}?deviceTypeId={device_type_id}&volumeType=data"))

    assert [v["volumeName"] for v in volumes] == ["data1"]


def test_an_unknown_device_type_is_404(console_user_api):
    answer = console_user_api.get(f"{PATH}?deviceTypeId=dt-nope")

    assert answer.status_code == 404
    assert answer.json()["error"]["status"] == "NOT_FOUND"


def test_bad_input_is_400_in_the_envelope(console_user_api, make_device_type):
    device_type_id = make_device_type()

    missing = console_user_api.get(PATH)
    bad_type = console_user_api.get(f"{PATH}?deviceTypeId={device_type_id}&volumeType=swap")

    for answer in (missing, bad_type):
        assert answer.status_code == 400, answer.content
        assert answer.json()["error"]["status"] == "INVALID_ARGUMENT"
        assert answer.json()["requestId"]


def test_the_operator_portal_answers_405_not_a_device_type_lookup(admin_api, make_device_type):
    """deviceTypes/<device_type_id> would take "volumesRaids" for an id there."""
    device_type_id = make_device_type()

    answer = admin_api.get(f"{PATH}?deviceTypeId={device_type_id}")

    assert answer.status_code == 405, answer.content
    assert answer.json()["error"]["status"] == "METHOD_NOT_ALLOWED"
