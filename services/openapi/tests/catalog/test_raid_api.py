"""RAID levels through the API: the seeded ones, custom ones, and the levels volumes offer."""

import pytest

from bmp_openapi.catalog.models import Raid, VolumeRaid

from .data import NO_RAID, RAID0, RAID1, RAID5, RAID10, ok


def test_the_seeded_levels_have_upstreams_ids_and_one_spelling_of_no_raid(admin_api):
    raids = ok(admin_api.get("/v1/raids"))["raids"]

    assert [(r["raidId"], r["name"]) for r in raids] == [
        (NO_RAID, "NO RAID"),
        (RAID0, "RAID0"),
        (RAID1, "RAID1"),
        (RAID10, "RAID10"),
        (RAID5, "RAID5"),
    ]
    assert all(r["descriptionEn"] and r["descriptionZh"] for r in raids)


def test_create_describe_modify_delete_a_custom_level(admin_api):
    raid_id = ok(admin_api.post("/v1/raids", {"name": "RAID6"}, format="json"))["raidId"]

    ok(admin_api.put(f"/v1/raids/{raid_id}", {"descriptionEn": "Two parities"}, format="json"))
    raid = ok(admin_api.get(f"/v1/raids/{raid_id}"))
    ok(admin_api.delete(f"/v1/raids/{raid_id}"))

    assert (raid["name"], raid["descriptionEn"], raid["descriptionZh"]) == (
        "RAID6",
        "Two parities",
        "",
    )
    assert admin_api.get(f"/v1/raids/{raid_id}").status_code == 404


@pytest.mark.parametrize("spelling", ["NORAID", "no raid", "No_Raid", "NO-RAID"])
def test_other_spellings_of_no_raid_are_the_built_in_level(admin_api, spelling):
    answer = admin_api.post("/v1/raids", {"name": spelling}, format="json")

    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == "A RAID level named NO RAID already exists"
    assert Raid.objects.count() == 5


@pytest.mark.parametrize("name", ["", " RAID6", "RAID6 ", "RAID  6", "R" * 33, "RAID/6"])
def test_bad_names_are_400(admin_api, name):
    answer = admin_api.post("/v1/raids", {"name": name}, format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith("Invalid argument: name")


def test_built_in_levels_keep_their_names_and_cannot_be_deleted(admin_api):
    renamed = admin_api.put(f"/v1/raids/{RAID1}", {"name": "MIRROR"}, format="json")
    deleted = admin_api.delete(f"/v1/raids/{RAID1}", HTTP_BMPLANGUAGE="zh_CN")
    described = admin_api.put(f"/v1/raids/{RAID1}", {"descriptionZh": "镜像"}, format="json")

    assert renamed.status_code == 409
    assert deleted.status_code == 409
    assert (
        deleted.json()["error"]["message"] == "RAID RAID1 为内置级别，只能修改描述，不能改名或删除"
    )
    assert described.status_code == 200
    assert ok(admin_api.get(f"/v1/raids/{RAID1}"))["descriptionZh"] == "镜像"


def test_a_level_volumes_offer_cannot_be_deleted(admin_api, make_device_type):
    raid_id = ok(admin_api.post("/v1/raids", {"name": "RAID6"}, format="json"))["raidId"]
    device_type_id = make_device_type()
    body = {"deviceTypeId": device_type_id, "volumeType": "data", "raidId": raid_id}
    ok(admin_api.post("/v1/raids/deviceTypeRaid", body, format="json"))

    refused = admin_api.delete(f"/v1/raids/{raid_id}")
    ok(admin_api.delete(f"/v1/deviceTypes/{device_type_id}"))
    allowed = admin_api.delete(f"/v1/raids/{raid_id}")

    assert refused.status_code == 409
    assert "offered by 1 device-type volume" in refused.json()["error"]["message"]
    assert allowed.status_code == 200


def raids_of(api, device_type_id, volume_type):
    rows = ok(
        api.get(
            f"/v1/deviceTypes/deviceTypeRaid?deviceTypeId={device_type_id}&volumeType={volume_type}"
        )
    )
    return [row["raidName"] for row in rows]


def test_a_volume_offers_one_more_level_then_stops(admin_api, make_device_type):
    device_type_id = make_device_type()
    body = {"deviceTypeId": device_type_id, "volumeType": "data", "raidId": RAID10}

    ok(admin_api.post("/v1/raids/deviceTypeRaid", body, format="json"))
    after_add = raids_of(admin_api, device_type_id, "data")
    ok(admin_api.delete("/v1/raids/deviceTypeRaid", body, format="json"))

    assert after_add == ["RAID5", "RAID10"]
    assert raids_of(admin_api, device_type_id, "data") == ["RAID5"]
    assert raids_of(admin_api, device_type_id, "system") == ["RAID1", "RAID0"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        # the system volume has 2 disks: RAID10 needs 4
        (
            {"volumeType": "system", "raidId": RAID10},
            409,
            "Volume system: RAID level RAID10 needs at least 4 disks",
        ),
        ({"volumeType": "data", "raidId": RAID5}, 409, "already offers RAID level"),
        ({"volumeType": "data", "raidId": NO_RAID}, 409, "does not fit raidCan RAID"),
        ({"volumeType": "data", "raidId": "r-nope"}, 404, "RAID level r-nope does not exist"),
        (
            {"volumeType": "data", "raidId": RAID10, "volumeId": "vl-nope"},
            404,
            "has no data volume vl-nope",
        ),
    ],
)
def test_levels_that_do_not_fit_are_refused_and_nothing_changes(
    admin_api, make_device_type, body, status, message
):
    device_type_id = make_device_type()

    answer = admin_api.post(
        "/v1/raids/deviceTypeRaid", {"deviceTypeId": device_type_id, **body}, format="json"
    )

    assert answer.status_code == status
    assert message in answer.json()["error"]["message"]
    assert VolumeRaid.objects.count() == 3


def test_a_volume_keeps_its_last_level_and_unknown_links_are_404(admin_api, make_device_type):
    device_type_id = make_device_type()
    last = {"deviceTypeId": device_type_id, "volumeType": "data", "raidId": RAID5}
    absent = {"deviceTypeId": device_type_id, "volumeType": "data", "raidId": RAID1}

    refused = admin_api.delete("/v1/raids/deviceTypeRaid", last, format="json")
    missing = admin_api.delete("/v1/raids/deviceTypeRaid", absent, format="json")
    unknown_type = admin_api.delete(
        "/v1/raids/deviceTypeRaid", {**last, "deviceTypeId": "dt-nope"}, format="json"
    )
    no_body = admin_api.delete("/v1/raids/deviceTypeRaid")

    assert refused.status_code == 409
    assert "must keep at least one RAID level" in refused.json()["error"]["message"]
    assert missing.status_code == 404
    assert unknown_type.status_code == 404
    assert no_body.status_code == 400
    assert raids_of(admin_api, device_type_id, "data") == ["RAID5"]


def test_describe_device_type_raids_reports_usable_capacity(admin_api, make_device_type):
    device_type_id = make_device_type()

    rows = ok(admin_api.get(f"/v1/deviceTypes/deviceTypeRaid?deviceTypeId={device_type_id}"))
    by_level = {row["raidName"]: row for row in rows}
    only_raid5 = ok(admin_api.get(f"/v1/deviceTypes/deviceTypeRaid?raidId={RAID5}"))

    # system: 2 x 480 GB; data: 4 x 1.92 TB
    assert {k: v["availableValue"] for k, v in by_level.items()} == {
        "RAID1": 480,
        "RAID0": 960,
        "RAID5": 5760,
    }
    assert by_level["RAID5"]["volumeDetail"] == "1.92TB SAS HDD*4"
    assert [row["raidName"] for row in only_raid5] == ["RAID5"]
    assert admin_api.get("/v1/deviceTypes/deviceTypeRaid?raidId=r-nope").status_code == 404
