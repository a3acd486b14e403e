"""Device types through the API: their hardware, their volumes and the RAID levels offered."""

import pytest

from bmp_openapi.audit.models import AuditLog
from bmp_openapi.catalog.models import DeviceType, Volume, VolumeRaid

from ..devices.conftest import spec
from .data import DATA_VOLUME, NEW_DEVICE_TYPE, NO_RAID, RAID0, RAID1, RAID5, SYSTEM_VOLUME, ok

NVME = {
    "volumeName": "nvme0",
    "volumeType": "data",
    "diskType": "SSD",
    "interfaceType": "NVME",
    "volumeSize": "3.84",
    "volumeUnit": "TB",
    "volumeAmount": 1,
    "raidCan": "NO RAID",
}


def test_create_then_describe(admin_api, make_device_type, idc_id):
    device_type_id = make_device_type()

    dt = ok(admin_api.get(f"/v1/deviceTypes/{device_type_id}", HTTP_BMPLANGUAGE="zh_CN"))[
        "deviceType"
    ]

    assert device_type_id.startswith("dt-")
    assert (dt["idcId"], dt["idcName"], dt["idcNameEn"]) == (idc_id, "北京一区", "beijing-1")
    assert (dt["name"], dt["deviceType"], dt["deviceSeriesName"]) == (
        "标准计算型",
        "cps.c.normal",
        "计算型",
    )
    assert dt["boot_mode"] == "Legacy/BIOS"  # x86_64's default
    assert dt["isNeedRaid"] == "1"
    assert (dt["raidCan"], dt["raid"]) == ("RAID", "RAID1,RAID0")
    assert dt["cpuInfo"] == "Intel Xeon Gold 6248(2*20物理核,2.5GHz)"
    assert dt["memInfo"] == "384GB(32GB*12)DDR4 2933MHz"
    assert dt["svInfo"] == "960GB(480GB SATA SSD*2) RAID1/RAID0"
    assert dt["dvInfo"] == "7.68TB(1.92TB SAS HDD*4) RAID5"
    assert (dt["deviceCount"], dt["instanceCount"], dt["stockAvailable"]) == (0, 0, 0)
    system, data = dt["volumes"]
    assert (system["volumeName"], system["raidId"]) == ("system", f"{RAID1},{RAID0}")
    assert (data["volumeSize"], data["volumeUnit"], data["raid"]) == ("1.92", "TB", "RAID5")


def test_describe_volumes_lists_each_volume_with_its_levels(admin_api, make_device_type):
    device_type_id = make_device_type()

    volumes = ok(admin_api.get(f"/v1/deviceTypes/{device_type_id}/describeVolumes"))

    assert [v["volumeName"] for v in volumes] == ["system", "data1"]
    assert [r["name"] for r in volumes[0]["raids"]] == ["RAID1", "RAID0"]
    assert volumes[0]["disks"] == []


def test_an_empty_raid_list_takes_the_level_raid_can_implies(admin_api, make_device_type):
    single = {**DATA_VOLUME, "volumeName": "single", "volumeAmount": 1}
    single.update(raidCan="单盘RAID0", raid="")
    device_type_id = make_device_type(architecture="aarch64", volumes=[SYSTEM_VOLUME, NVME, single])

    dt = ok(admin_api.get(f"/v1/deviceTypes/{device_type_id}"))["deviceType"]

    assert [(v["raidCan"], v["raidId"]) for v in dt["volumes"][1:]] == [
        ("NO RAID", NO_RAID),
        ("单盘RAID0", RAID0),
    ]
    assert dt["boot_mode"] == "UEFI"  # the default off x86_64


def volumes(*items):
    return {"volumes": list(items)}


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        (volumes(DATA_VOLUME), 409, "exactly one system volume (got 0)"),
        (volumes(SYSTEM_VOLUME, {**SYSTEM_VOLUME, "volumeName": "s2"}), 409, "(got 2)"),
        (volumes(SYSTEM_VOLUME, {**DATA_VOLUME, "volumeName": "system"}), 409, "used twice"),
        ({"nicAmount": 1}, 409, "interfaceMode bond needs nicAmount 2"),
        ({"gpuAmount": 8}, 409, "gpuAmount, gpuManufacturer and gpuModel"),
        ({"gpuManufacturer": "NVIDIA", "gpuModel": "A100"}, 409, "gpuAmount, gpuManufacturer"),
        (
            volumes(SYSTEM_VOLUME, {**NVME, "interfaceType": "SATA"}),
            409,
            "needs interfaceType NVME",
        ),
        (volumes(SYSTEM_VOLUME, {**NVME, "volumeAmount": 2}), 409, "NVME and volumeAmount 1"),
        (volumes({**SYSTEM_VOLUME, "raid": RAID5}), 409, "RAID5 needs at least 3 disks"),
        (volumes({**SYSTEM_VOLUME, "raid": NO_RAID}), 409, "does not fit raidCan RAID"),
        (volumes({**SYSTEM_VOLUME, "raid": ""}), 409, "needs at least one RAID level"),
        (volumes(SYSTEM_VOLUME, {**NVME, "raid": RAID1}), 409, "does not fit raidCan NO RAID"),
        (
            volumes({**SYSTEM_VOLUME, "raidCan": "单盘RAID0", "raid": ""}),
            409,
            "needs volumeAmount 1",
        ),
        (volumes({**SYSTEM_VOLUME, "raid": "r-nope"}), 404, "RAID level r-nope does not exist"),
        ({"idcId": "idc-nope"}, 404, "IDC idc-nope does not exist"),
    ],
)
def test_rules_the_contract_cannot_express_refuse_and_write_nothing(
    admin_api, idc_id, changes, status, message
):
    body = {**NEW_DEVICE_TYPE, "idcId": idc_id, **changes}

    answer = admin_api.post("/v1/deviceTypes", body, format="json")

    assert answer.status_code == status, answer.content
    assert message in answer.json()["error"]["message"]
    assert (DeviceType.objects.count(), Volume.objects.count(), VolumeRaid.objects.count()) == (
        0,
        0,
        0,
    )


def test_a_gpu_model_is_given_whole(admin_api, make_device_type):
    device_type_id = make_device_type(
        deviceSeries="gpu", gpuAmount=8, gpuManufacturer="NVIDIA", gpuModel="A100"
    )

    assert (
        ok(admin_api.get(f"/v1/deviceTypes/{device_type_id}"))["deviceType"]["gpuInfo"]
        == "NVIDIA A100*8"
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"deviceSeries": "cloud"}, "deviceSeries"),
        ({"architecture": "ARM64(aarch64)"}, "architecture"),
        ({"height": 0}, "height"),
        ({"cpuAmount": "2"}, "cpuAmount"),
        ({"nicAmount": 3}, "nicAmount"),
        ({"memType": "DDR6"}, "memType"),
        ({"boot_mode": "UEFI,BIOS"}, "boot_mode"),
        ({"isNeedRaid": "need_raid"}, "isNeedRaid"),
        ({"deviceType": "cps c normal"}, "deviceType"),
        ({"volumes": []}, "volumes"),
        (volumes({**SYSTEM_VOLUME, "volumeSize": "0"}), "volumes"),
        (volumes({**SYSTEM_VOLUME, "volumeSize": "1.999"}), "volumes"),
        (volumes({**SYSTEM_VOLUME, "volumeUnit": "PB"}), "volumes"),
        (volumes({**SYSTEM_VOLUME, "raidCan": "NORAID"}), "volumes"),
        (volumes({**SYSTEM_VOLUME, "colour": "red"}), "volumes"),
        (volumes({**SYSTEM_VOLUME, "raid": f"{RAID1}, {RAID0}"}), "volumes"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(admin_api, idc_id, changes, field):
    body = {**NEW_DEVICE_TYPE, "idcId": idc_id, **changes}

    answer = admin_api.post("/v1/deviceTypes", body, format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith(f"Invalid argument: {field}")
    assert DeviceType.objects.count() == 0


def test_names_and_spec_codes_are_unique_per_idc(admin_api, make_device_type, idc_id, make_idc):
    make_device_type()
    other_idc = make_idc(name="上海一区", name_en="shanghai-1")

    def create(**changes):
        return admin_api.post(
            "/v1/deviceTypes",
            {**NEW_DEVICE_TYPE, "idcId": idc_id, **changes},
            format="json",
            HTTP_BMPLANGUAGE="zh_CN",
        )

    same_name = create(deviceType="cps.c.other")
    same_code = create(name="other")
    elsewhere = create(idcId=other_idc)

    assert same_name.status_code == 409
    assert same_name.json()["error"]["message"] == f"机房 {idc_id} 已有名为 标准计算型 的机型"
    assert same_code.status_code == 409
    assert same_code.json()["error"]["message"] == f"机房 {idc_id} 已有规格为 cps.c.normal 的机型"
    assert elsewhere.status_code == 200
    assert DeviceType.objects.count() == 2


def test_list_filters_and_pages(admin_api, make_device_type, make_idc):
    ids = [make_device_type(name=f"type-{n:02d}", deviceType=f"cps.c.{n:02d}") for n in range(21)]
    storage = make_device_type(name="存储型", deviceType="cps.s.big", deviceSeries="storage")
    other_idc = make_idc(name="上海一区", name_en="shanghai-1")
    elsewhere = ok(
        admin_api.post("/v1/deviceTypes", {**NEW_DEVICE_TYPE, "idcId": other_idc}, format="json")
    )["deviceTypeId"]

    first = ok(admin_api.get("/v1/deviceTypes"))
    second = ok(admin_api.get("/v1/deviceTypes?pageNumber=2"))
    by_idc = ok(admin_api.get(f"/v1/deviceTypes?idcId={other_idc}"))
    by_name = ok(admin_api.get("/v1/deviceTypes?name=TYPE-1&isAll=1"))
    by_series = ok(admin_api.get("/v1/deviceTypes?deviceSeries=storage,gpu"))
    by_ids = ok(admin_api.get(f"/v1/deviceTypes?deviceTypeId={ids[0]},{storage}"))
    by_code = ok(admin_api.get("/v1/deviceTypes?deviceType=cps.c.01,cps.s.big"))

    assert (first["totalCount"], len(first["deviceTypes"]), len(second["deviceTypes"])) == (
        23,
        20,
        3,
    )
    assert [d["deviceTypeId"] for d in by_idc["deviceTypes"]] == [elsewhere]
    assert by_name["totalCount"] == 10
    assert [d["deviceTypeId"] for d in by_series["deviceTypes"]] == [storage]
    assert {d["deviceTypeId"] for d in by_ids["deviceTypes"]} == {ids[0], storage}
    assert {d["deviceTypeId"] for d in by_code["deviceTypes"]} == {ids[1], storage}
    assert admin_api.get("/v1/deviceTypes?deviceSeries=cloud").status_code == 400


def test_modify_changes_what_is_sent_and_replaces_volumes(admin_api, make_device_type):
    device_type_id = make_device_type()
    before = ok(admin_api.get(f"/v1/deviceTypes/{device_type_id}"))["deviceType"]

    ok(
        admin_api.put(
            f"/v1/deviceTypes/{device_type_id}",
            {"description": "v2", "boot_mode": "UEFI", "volumes": [SYSTEM_VOLUME, NVME]},
            format="json",
        )
    )

    after = ok(admin_api.get(f"/v1/deviceTypes/{device_type_id}"))["deviceType"]
    assert (after["description"], after["boot_mode"], after["name"]) == ("v2", "UEFI", "标准计算型")
    assert [v["volumeName"] for v in after["volumes"]] == ["system", "nvme0"]
    old_ids = {v["volumeId"] for v in before["volumes"]}
    assert old_ids.isdisjoint({v["volumeId"] for v in after["volumes"]})
    assert not Volume.objects.filter(volume_id__in=old_ids).exists()


def test_modify_checks_the_result_and_writes_nothing_when_refused(admin_api, make_device_type):
    device_type_id = make_device_type()

    bond_one_nic = admin_api.put(
        f"/v1/deviceTypes/{device_type_id}", {"nicAmount": 1, "name": "x"}, format="json"
    )
    no_system = admin_api.put(
        f"/v1/deviceTypes/{device_type_id}", {"volumes": [DATA_VOLUME]}, format="json"
    )

    incomplete = admin_api.put(
        f"/v1/deviceTypes/{device_type_id}",
        {"volumes": [{"volumeName": "system", "volumeType": "system"}]},
        format="json",
    )

    assert (bond_one_nic.status_code, no_system.status_code) == (409, 409)
    assert incomplete.status_code == 400
    assert "diskType" in incomplete.json()["error"]["message"]
    dt = ok(admin_api.get(f"/v1/deviceTypes/{device_type_id}"))["deviceType"]
    assert (dt["name"], dt["nicAmount"], len(dt["volumes"])) == ("标准计算型", 2, 2)


def test_a_device_type_with_devices_cannot_be_deleted_moved_or_re_volumed(
    admin_api, make_device_type, make_idc, idc_id
):
    device_type_id = make_device_type()
    device_id = ok(
        admin_api.post("/v1/devices", {"idcId": idc_id, "devices": [spec(0)]}, format="json")
    )["deviceIds"][0]
    body = {"deviceId": device_id, "deviceTypeId": device_type_id}
    ok(admin_api.put("/v1/devices/deviceType/associate", body, format="json"))
    other_idc = make_idc(name="上海一区", name_en="shanghai-1")
    url = f"/v1/deviceTypes/{device_type_id}"

    deleted = admin_api.delete(url, HTTP_BMPLANGUAGE="zh_CN")
    moved = admin_api.put(url, {"idcId": other_idc}, format="json")
    re_volumed = admin_api.put(url, {"volumes": [SYSTEM_VOLUME]}, format="json")
    renamed = admin_api.put(url, {"name": "still fine"}, format="json")

    assert deleted.status_code == 409
    assert deleted.json()["error"]["message"] == f"机型 {device_type_id} 下仍有设备，请先处理"
    assert moved.status_code == re_volumed.status_code == 409
    assert "still has devices" in moved.json()["error"]["message"]
    assert renamed.status_code == 200


def test_delete_hides_the_device_type_and_frees_its_names(admin_api, make_device_type):
    device_type_id = make_device_type()

    ok(admin_api.delete(f"/v1/deviceTypes/{device_type_id}"))

    assert admin_api.get(f"/v1/deviceTypes/{device_type_id}").status_code == 404
    assert ok(admin_api.get("/v1/deviceTypes"))["totalCount"] == 0
    assert ok(admin_api.get("/v1/deviceTypes/deviceTypeRaid")) == []
    make_device_type()


def test_an_idc_with_device_types_cannot_be_deleted(admin_api, make_device_type, idc_id):
    device_type_id = make_device_type()

    refused = admin_api.delete(f"/v1/idcs/{idc_id}")
    ok(admin_api.delete(f"/v1/deviceTypes/{device_type_id}"))
    allowed = admin_api.delete(f"/v1/idcs/{idc_id}")

    assert refused.status_code == 409
    assert "still has device types" in refused.json()["error"]["message"]
    assert allowed.status_code == 200


def test_unknown_device_type_is_404_in_the_request_language(admin_api):
    answer = admin_api.get("/v1/deviceTypes/dt-nope/describeVolumes", HTTP_BMPLANGUAGE="zh_CN")

    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == "机型 dt-nope 不存在"


def test_every_write_is_audited(admin_api, make_device_type):
    device_type_id = make_device_type()
    admin_api.put(f"/v1/deviceTypes/{device_type_id}", {"nicAmount": 1}, format="json")
    admin_api.delete(f"/v1/deviceTypes/{device_type_id}")

    entries = list(
        AuditLog.objects.exclude(operation="CreateIdc")
        .order_by("id")
        .values_list("operation", "resource_id", "result")
    )

    assert entries == [
        ("CreateDeviceType", device_type_id, "success"),
        ("ModifyDeviceType", device_type_id, "fail"),
        ("DeleteDeviceType", device_type_id, "success"),
    ]
