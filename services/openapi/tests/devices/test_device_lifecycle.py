"""A device's management status: what each action allows and refuses, and what it changes."""

import pytest

from bmp_common.crypto import decrypt_secret
from bmp_openapi.audit.models import AuditLog
from bmp_openapi.devices import states
from bmp_openapi.devices.models import Device

from .conftest import create_idc, import_devices, spec


@pytest.fixture
def device_id(admin_api, idc_id) -> str:
    answer = import_devices(admin_api, idc_id, [spec(1), spec(2)])
    assert answer.status_code == 200, answer.content
    return answer.json()["result"]["deviceIds"][0]


def status_of(device_id: str) -> str:
    return Device.all_objects.get(device_id=device_id).manage_status


def put(api, path: str, body: dict | None = None, **headers):
    return api.put(path, body if body is not None else {}, format="json", **headers)


def set_status(device_id: str, status: str, **columns) -> None:
    Device.objects.filter(device_id=device_id).update(manage_status=status, **columns)


def associate(api, device_id: str, device_type_id: str):
    body = {"deviceId": device_id, "deviceTypeId": device_type_id}
    return put(api, "/v1/devices/deviceType/associate", body)


def test_mount_needs_a_device_type_then_puts_away(admin_api, idc_id, device_id, make_device_type):
    refused = put(admin_api, "/v1/devices/mount", {"deviceId": device_id})
    device_type = make_device_type(idc_id)
    assert associate(admin_api, device_id, device_type.device_type_id).status_code == 200
    mounted = put(admin_api, "/v1/devices/mount", {"deviceId": device_id})

    assert refused.status_code == 409
    assert "associate one before mounting" in refused.json()["error"]["message"]
    assert mounted.json()["result"] == {"success": True}
    device = admin_api.get(f"/v1/devices/{device_id}").json()["result"]["device"]
    assert (device["manageStatus"], device["deviceTypeId"]) == (
        "putawaying",
        device_type.device_type_id,
    )
    assert (device["deviceSeries"], device["deviceSeriesName"]) == ("computer", "Computer")
    assert device["cpuInfo"] == "Intel 6338(2*16cores,2.0GHz)"
    # Upstream's flat copy of the type's specs, and its fields we do not record: empty, 0.
    assert (device["cpuAmount"], device["cpuCores"], device["cpuModel"]) == (2, 16, "6338")
    assert (device["switchPassword1"], device["adapterId"]) == ("", 0)


@pytest.mark.parametrize("status", [states.PUTAWAYFAIL])
def test_a_failed_mount_may_be_retried(admin_api, idc_id, device_id, make_device_type, status):
    set_status(device_id, status, device_type=make_device_type(idc_id), reason="MAC1_ERROR")

    answer = put(admin_api, "/v1/devices/mount", {"deviceId": device_id})

    assert answer.status_code == 200
    assert Device.objects.get(device_id=device_id).reason == ""
    assert status_of(device_id) == states.PUTAWAYING


@pytest.mark.parametrize(
    "status", [states.PUTAWAYING, states.PUTAWAY, states.CREATED, states.REMOVED]
)
def test_mount_is_refused_elsewhere_naming_the_status_and_what_is_allowed(
    admin_api, idc_id, device_id, make_device_type, status
):
    set_status(device_id, status, device_type=make_device_type(idc_id))

    answer = put(admin_api, "/v1/devices/mount", {"deviceId": device_id})

    assert answer.status_code == 409
    message = answer.json()["error"]["message"]
    assert message.startswith(f"Cannot mount device {device_id}: its status is {status}")
    assert status_of(device_id) == status


def test_a_refusal_in_chinese_lists_the_allowed_actions(admin_api, device_id):
    set_status(device_id, states.PUTAWAY)

    answer = put(admin_api, f"/v1/devices/{device_id}/remove", HTTP_BMPLANGUAGE="zh_CN")
    deleted = admin_api.delete(f"/v1/devices/{device_id}", HTTP_BMPLANGUAGE="zh_CN")

    assert answer.json()["error"]["message"] == (
        f"设备 {device_id} 当前状态为已上架（putaway），没有可移除的实例"
    )
    assert deleted.status_code == 409
    assert deleted.json()["error"]["message"] == (
        f"设备 {device_id} 当前状态为已上架（putaway），不能删除；"
        "当前可执行：下架, 修改, 关联机型, 关联磁盘"
    )


def test_unmount_goes_back_to_stock_and_only_from_putaway(admin_api, device_id):
    refused = put(admin_api, "/v1/devices/unmount", {"deviceId": device_id})
    set_status(device_id, states.PUTAWAY)
    allowed = put(admin_api, "/v1/devices/unmount", {"deviceId": device_id})

    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == (
        f"Cannot unmount device {device_id}: its status is in; allowed now: "
        "mount, delete, modify, associate a device type, associate disks"
    )
    assert allowed.status_code == 200 and status_of(device_id) == states.IN


@pytest.mark.parametrize("status", [states.IN, states.PUTAWAYFAIL, states.REMOVED])
def test_delete_is_soft_in_the_allowed_statuses(admin_api, device_id, status):
    set_status(device_id, status)

    answer = admin_api.delete(f"/v1/devices/{device_id}")

    assert answer.json()["result"] == {"success": True}
    assert admin_api.get(f"/v1/devices/{device_id}").status_code == 404
    assert Device.all_objects.filter(device_id=device_id, deleted_at__isnull=False).exists()
    assert admin_api.get("/v1/devices").json()["result"]["totalCount"] == 1


@pytest.mark.parametrize("status", [states.PUTAWAYING, states.PUTAWAY, states.CREATED])
def test_delete_is_refused_elsewhere(admin_api, device_id, status):
    set_status(device_id, status)

    answer = admin_api.delete(f"/v1/devices/{device_id}")

    assert answer.status_code == 409
    assert Device.objects.filter(device_id=device_id).exists()


def test_remove_forgets_the_instance_of_a_sold_device(admin_api, device_id):
    set_status(device_id, states.CREATED, instance_id="i-1", user_id="u-1", user_name="bob")

    answer = put(admin_api, f"/v1/devices/{device_id}/remove")

    assert answer.status_code == 200
    device = Device.objects.get(device_id=device_id)
    assert (device.manage_status, device.instance_id, device.user_name) == ("removed", "", "")


def test_remove_without_an_instance_is_409(admin_api, device_id):
    answer = put(admin_api, f"/v1/devices/{device_id}/remove")

    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == f"Device {device_id} is in: no instance to remove"


def test_modify_changes_what_is_sent(admin_api, device_id):
    body = {"description": "rack 7", "iloPassword": "New-Bmc-1", "mac2": "", "uPosition": "9"}

    answer = put(admin_api, f"/v1/devices/{device_id}", body)

    assert answer.json()["result"] == {"success": True}
    device = admin_api.get(f"/v1/devices/{device_id}").json()["result"]["device"]
    assert (device["description"], device["mac2"], device["uPosition"], device["sn"]) == (
        "rack 7",
        "",
        "9",
        "SN000001",
    )
    assert device["iloPassword"] == "******"
    stored = Device.objects.get(device_id=device_id).ilo_password_encrypted
    assert decrypt_secret(stored) == "New-Bmc-1"


def test_modify_checks_addresses_against_the_other_devices(admin_api, device_id):
    taken = put(admin_api, f"/v1/devices/{device_id}", {"iloIp": "10.1.1.12"})  # the other's
    outside = put(
        admin_api, f"/v1/devices/{device_id}", {"gateway": "10.9.0.1", "mask": "255.255.255.0"}
    )
    own = put(admin_api, f"/v1/devices/{device_id}", {"iloIp": "10.1.1.11"})  # its own

    assert taken.status_code == 409
    assert taken.json()["error"]["message"].startswith("iloIp 10.1.1.12:623 is already used by")
    assert outside.status_code == 400
    assert outside.json()["error"]["message"].startswith("Invalid argument: gateway")
    assert own.status_code == 200


def test_modify_is_refused_once_sold(admin_api, device_id):
    set_status(device_id, states.CREATED)

    answer = put(admin_api, f"/v1/devices/{device_id}", {"description": "x"})

    assert answer.status_code == 409
    assert Device.objects.get(device_id=device_id).description == ""


def test_the_device_type_must_be_of_the_devices_idc(admin_api, device_id, make_device_type):
    elsewhere = create_idc(admin_api, name="上海一区", name_en="shanghai-1")
    foreign = make_device_type(elsewhere)

    answer = associate(admin_api, device_id, foreign.device_type_id)
    unknown = associate(admin_api, device_id, "dt-nope")

    assert answer.status_code == 409
    assert f"belongs to IDC {elsewhere}" in answer.json()["error"]["message"]
    assert unknown.status_code == 404
    assert Device.objects.get(device_id=device_id).device_type is None


def test_associating_a_device_type_is_refused_once_sold(
    admin_api, idc_id, device_id, make_device_type
):
    set_status(device_id, states.CREATED)

    answer = associate(admin_api, device_id, make_device_type(idc_id).device_type_id)

    assert answer.status_code == 409


def test_stock_counts_devices_on_sale_without_instance(
    admin_api, idc_id, device_id, make_device_type
):
    device_type = make_device_type(idc_id)
    Device.objects.update(device_type=device_type, manage_status=states.PUTAWAY)
    more = import_devices(admin_api, idc_id, [spec(3)]).json()["result"]["deviceIds"]
    Device.objects.filter(device_id__in=more).update(device_type=device_type)  # still "in"
    query = f"/v1/devices/stock?deviceTypeId={device_type.device_type_id}"

    before = admin_api.get(query).json()["result"]
    put(admin_api, "/v1/devices/unmount", {"deviceId": device_id})
    after = admin_api.get(query).json()["result"]

    assert (before, after) == ({"stocks": 2}, {"stocks": 1})
    assert admin_api.get("/v1/devices/stock?deviceTypeId=dt-nope").status_code == 404
    assert admin_api.get("/v1/devices/stock").status_code == 400


def test_an_idc_with_devices_cannot_be_deleted(admin_api, idc_id, device_id):
    refused = admin_api.delete(f"/v1/idcs/{idc_id}", HTTP_BMPLANGUAGE="zh_CN")
    for device in Device.objects.all():
        admin_api.delete(f"/v1/devices/{device.device_id}")
    allowed = admin_api.delete(f"/v1/idcs/{idc_id}")

    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == f"机房 {idc_id} 下仍有设备，请先删除"
    assert allowed.status_code == 200


def test_lifecycle_writes_are_audited(admin_api, idc_id, device_id, make_device_type):
    associate(admin_api, device_id, make_device_type(idc_id).device_type_id)
    put(admin_api, "/v1/devices/mount", {"deviceId": device_id})
    put(admin_api, "/v1/devices/unmount", {"deviceId": device_id})
    admin_api.delete(f"/v1/devices/{device_id}")

    entries = list(
        AuditLog.objects.filter(resource_id=device_id)
        .order_by("id")
        .values_list("operation", "resource_id", "result")
    )
    sn = Device.objects.get(device_id=device_id).sn
    by_sn = admin_api.get("/v1/auditLogs", {"sn": sn}).json()["result"]

    assert entries == [
        ("AssociateDeviceType", device_id, "success"),
        ("PutawayDevice", device_id, "success"),
        ("UnPutawayDevice", device_id, "fail"),
        ("DeleteDevice", device_id, "fail"),
    ]
    assert by_sn["totalCount"] == 4
    assert {(row["sn"], row["deviceId"]) for row in by_sn["auditLogs"]} == {(sn, device_id)}


def test_unknown_devices_are_404(admin_api):
    for answer in (
        admin_api.get("/v1/devices/d-nope"),
        put(admin_api, "/v1/devices/mount", {"deviceId": "d-nope"}),
        put(admin_api, "/v1/devices/d-nope", {"description": "x"}),
        admin_api.delete("/v1/devices/d-nope"),
    ):
        assert answer.status_code == 404
        assert answer.json()["error"]["message"] == "Device d-nope does not exist"


def test_the_transition_table_is_the_only_way(admin_api):
    # Every (status, action) the table lists leads to a known status; no action is orphaned.
    assert set(states.TRANSITIONS.values()) <= set(states.STATUSES)
    assert {action for _, action in states.TRANSITIONS} == set(states.ACTIONS)


def test_a_device_type_with_devices_cannot_be_deleted(
    admin_api, idc_id, device_id, make_device_type
):
    device_type = make_device_type(idc_id)
    associate(admin_api, device_id, device_type.device_type_id)

    refused = admin_api.delete(
        f"/v1/deviceTypes/{device_type.device_type_id}", HTTP_BMPLANGUAGE="zh_CN"
    )

    assert refused.status_code == 409
    assert "设备" in refused.json()["error"]["message"]
