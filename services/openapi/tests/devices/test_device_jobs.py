"""Device jobs: put-away checks and hardware collection, ended by the scheduler's events."""

from __future__ import annotations

from bmp_openapi.devices.models import Device, Disk, Interface

from ..catalog.data import ok
from ..instances.conftest import finish_job, last_job
from .conftest import import_devices, spec


def test_mount_ends_on_sale_or_failed_with_the_bmc_reason(admin_api, idc_id, make_device_type):
    device_type = make_device_type(idc_id)
    good, bad = ok(import_devices(admin_api, idc_id, [spec(0), spec(1)]))["deviceIds"]
    for device_id in (good, bad):
        body = {"deviceId": device_id, "deviceTypeId": device_type.device_type_id}
        ok(admin_api.put("/v1/devices/deviceType/associate", body, format="json"))
        ok(admin_api.put("/v1/devices/mount", {"deviceId": device_id}, format="json"))

    finish_job(last_job(device_id=good).job_id)
    finish_job(
        last_job(device_id=bad).job_id,
        "failed",
        action="CheckInitConfig",
        reason="USERNAME_OR_PASSWORD_ERROR",
    )

    assert ok(admin_api.get(f"/v1/devices/{good}"))["device"]["manageStatus"] == "putaway"
    failed = ok(admin_api.get(f"/v1/devices/{bad}", HTTP_BMPLANGUAGE="zh_CN"))["device"]
    assert (failed["manageStatus"], failed["reason"], failed["reasonName"]) == (
        "putawayfail",
        "USERNAME_OR_PASSWORD_ERROR",
        "带外用户名或密码错误",
    )


INVENTORY = {
    "hardware_info": {
        "system_vendor": {
            "manufacturer": "Lab",
            "product_name": "QEMU-2U",
            "serial_number": "SN000000",
        },
        "cpu": {"count": 4, "model_name": "Xeon", "architecture": "x86_64"},
        "interfaces": [{"name": "eth0", "mac_address": "0C:42:A1:00:00:01", "has_carrier": True}],
    },
    "disk_locations": {
        "controllers": [
            {
                "disks": [
                    {
                        "enclosure": "252",
                        "slot": 0,
                        "size": "480",
                        "size_unit": "GB",
                        "pd_type": "SATA",
                        "media_type": "SSD",
                    }
                ]
            }
        ],
        "devices": [{"name": "sda", "size": "480", "size_unit": "GB", "serial": "S1"}],
    },
}


def test_collection_records_the_inventory_or_the_failure(admin_api, idc_id):
    device_id = ok(import_devices(admin_api, idc_id, [spec(0)]))["deviceIds"][0]
    body = {"collects": [{"sn": "SN000000", "allowOverride": True}]}

    ok(admin_api.post("/v1/collect/collectDeviceInfo", body, format="json"))
    busy = admin_api.post("/v1/collect/collectDeviceInfo", body, format="json")
    assert busy.status_code == 409  # already collecting
    assert ok(admin_api.get(f"/v1/devices/{device_id}"))["device"]["collectStatus"] == "3"
    job = last_job(device_id=device_id, task="CollectHardwareInfo")
    assert job.submission["body"]["spec"] == {"allow_override": True}
    finish_job(job.job_id, data=INVENTORY)

    device = ok(admin_api.get(f"/v1/devices/{device_id}"))["device"]
    assert (device["collectStatus"], device["brand"], device["model"]) == ("1", "Lab", "QEMU-2U")
    stored = Device.objects.get(device_id=device_id)
    assert Disk.objects.filter(device=stored).count() == 2
    assert list(Interface.objects.filter(device=stored).values_list("mac", flat=True)) == [
        "0c:42:a1:00:00:01"
    ]

    ok(admin_api.post("/v1/collect/collectDeviceInfo", body, format="json"))
    finish_job(
        last_job(device_id=device_id).job_id,
        "failed",
        action="Ping",
        reason="PingError",
        message="the LiveOS did not call in within 1800 s",
    )
    device = ok(admin_api.get(f"/v1/devices/{device_id}"))["device"]
    assert (device["collectStatus"], device["collectFailReason"]) == (
        "4",
        "the LiveOS did not call in within 1800 s",
    )


def test_an_unknown_sn_is_404_and_nothing_is_collected(admin_api, idc_id):
    ok(import_devices(admin_api, idc_id, [spec(0)]))
    body = {"collects": [{"sn": "SN000000"}, {"sn": "SN-NOPE"}]}

    answer = admin_api.post("/v1/collect/collectDeviceInfo", body, format="json")

    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == "No device has serial number SN-NOPE"
    assert Device.objects.get(sn="SN000000").collect_status == "2"
