"""Importing devices in a batch and listing them, as an operator sees it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bmp_common.crypto import decrypt_secret
from bmp_openapi.audit.models import AuditLog
from bmp_openapi.devices.models import Device

from .conftest import create_idc, import_devices, spec


def imported(api, idc_id, devices) -> list[str]:
    answer = import_devices(api, idc_id, devices)
    assert answer.status_code == 200, answer.content
    result = answer.json()["result"]
    assert result["success"] is True
    return result["deviceIds"]


def test_fifty_devices_in_one_call_then_filters_and_pages(admin_api, idc_id, make_device_type):
    ids = imported(admin_api, idc_id, [spec(n) for n in range(50)])
    other_idc = create_idc(admin_api, name="上海一区", name_en="shanghai-1")
    imported(admin_api, other_idc, [spec(n + 1000) for n in range(5)])
    device_type = make_device_type(idc_id)
    Device.objects.filter(device_id__in=ids[:7]).update(device_type=device_type)
    Device.objects.filter(device_id__in=ids[:3]).update(manage_status="putaway")

    def listed(query=""):
        answer = admin_api.get(f"/v1/devices?{query}")
        assert answer.status_code == 200, answer.content
        return answer.json()["result"]

    first = listed(f"idcId={idc_id}")
    third = listed(f"idcId={idc_id}&pageNumber=3&pageSize=20")
    assert len(ids) == 50 and all(i.startswith("d-") for i in ids)
    assert (first["totalCount"], first["pageSize"], len(first["devices"])) == (50, 20, 20)
    assert len(third["devices"]) == 10
    assert listed()["totalCount"] == 55
    assert len(listed("isAll=1")["devices"]) == 55
    assert listed("sn=SN00004")["totalCount"] == 10  # SN000040..49 (part of the SN)
    assert [d["sn"] for d in listed("sn=SN000007")["devices"]] == ["SN000007"]
    assert listed(f"deviceTypeId={device_type.device_type_id}")["totalCount"] == 7
    assert listed("deviceSeries=computer,gpu")["totalCount"] == 7
    assert listed("manageStatus=putaway")["totalCount"] == 3
    assert listed("manageStatus=in,putaway")["totalCount"] == 55
    assert listed("collectStatus=2")["totalCount"] == 55
    assert listed("collectStatus=1")["totalCount"] == 0
    assert [d["sn"] for d in listed("ipv4=10.0.1.15")["devices"]] == ["SN000005"]
    assert [d["sn"] for d in listed("iloIp=10.1.1.15")["devices"]] == ["SN000005"]
    assert listed("instanceName=anything")["totalCount"] == 0


def test_a_listed_device_in_both_languages(admin_api, idc_id):
    (device_id,) = imported(admin_api, idc_id, [spec(1, mac1="0C-42-A1-00-01-01")])

    english = admin_api.get(f"/v1/devices/{device_id}").json()["result"]["device"]
    chinese = admin_api.get("/v1/devices?sn=SN000001", HTTP_BMPLANGUAGE="zh_CN").json()
    chinese = chinese["result"]["devices"][0]

    assert english["mac1"] == "0c:42:a1:00:01:01"  # normalised
    assert (english["manageStatus"], english["manageStatusName"]) == ("in", "Stocked")
    assert (english["collectStatus"], english["collectStatusName"]) == ("2", "Not collected")
    assert (english["idcName"], english["deviceTypeId"], english["createdBy"]) == (
        "beijing-1",
        "",
        "admin",
    )
    assert (chinese["manageStatusName"], chinese["collectStatusName"]) == ("已入库", "未采集")
    assert chinese["idcName"] == "北京一区"


def test_the_bmc_password_is_masked_and_stored_encrypted(admin_api, idc_id):
    (device_id,) = imported(admin_api, idc_id, [spec(1, iloPassword="Bmc-Secret-1")])

    answer = admin_api.get(f"/v1/devices/{device_id}")
    stored = Device.objects.get(device_id=device_id).ilo_password_encrypted

    assert answer.json()["result"]["device"]["iloPassword"] == "******"
    assert b"Bmc-Secret-1" not in answer.content
    assert "Bmc-Secret-1" not in stored and decrypt_secret(stored) == "Bmc-Secret-1"
    listed = admin_api.get("/v1/devices")
    assert b"Bmc-Secret-1" not in listed.content


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mac1": "0c:42:a1:zz:00:01"}, "devices[3].mac1"),
        ({"mac1": "01:00:5e:00:00:01"}, "devices[3].mac1"),  # multicast
        ({"mac2": "0c:42"}, "devices[3].mac2"),
        ({"privateIpv4": "10.0.1.300"}, "devices[3].privateIpv4"),
        ({"privateIpv4": " 10.0.1.3"}, "devices[3].privateIpv4"),
        ({"privateIpv6": "fe80::1%eth0"}, "devices[3].privateIpv6"),
        ({"mask": "255.255.0.255"}, "devices[3].mask"),
        ({"iloIp": 10}, "devices[3].iloIp"),
        ({"sn": "SN 3"}, "devices[3].sn"),
        ({"cabinet": "   "}, "devices[3].cabinet"),
        ({"colour": "red"}, "devices[3].colour"),
        ({"gateway": "10.1.0.1"}, "devices[3].gateway"),  # outside 10.0.0.0/16
        ({"privateIpv4": "10.0.255.255"}, "devices[3].privateIpv4"),  # broadcast
        ({"privateIpv4": "10.0.0.1"}, "devices[3].privateIpv4"),  # the gateway
        ({"mac2": "0c:42:a1:00:03:01"}, "devices[3].mac2"),  # = mac1
    ],
)
def test_one_bad_device_is_400_naming_it_and_nothing_is_written(admin_api, idc_id, change, field):
    devices = [spec(n) for n in range(6)]
    devices[3] = {**devices[3], **change}

    answer = import_devices(admin_api, idc_id, devices)

    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["message"].startswith(f"Invalid argument: {field}")
    assert Device.all_objects.count() == 0


def test_a_semantic_error_in_chinese(admin_api, idc_id):
    devices = [spec(0), spec(1, gateway="192.168.0.1")]

    answer = import_devices(admin_api, idc_id, devices, HTTP_BMPLANGUAGE="zh_CN")

    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == (
        "参数错误：devices[1].gateway：网关 192.168.0.1 不在子网 10.0.0.0/16 内"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"devices": [spec(0)]}, "idcId"),
        ({"idcId": "x", "devices": []}, "devices"),
        ({"idcId": "x", "devices": [spec(n) for n in range(1001)]}, "devices"),
        ({"idcId": "x", "devices": [spec(0)], "extra": 1}, "extra"),
    ],
)
def test_bad_batches_are_400(admin_api, body, field):
    answer = admin_api.post("/v1/devices", body, format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith(f"Invalid argument: {field}")


def test_an_unknown_idc_is_404(admin_api):
    answer = import_devices(admin_api, "idc-nope", [spec(0)], HTTP_BMPLANGUAGE="zh_CN")

    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == "机房 idc-nope 不存在"


@pytest.mark.parametrize(
    ("change", "field", "value"),
    [
        ({"sn": "SN000001"}, "devices[4].sn", "SN000001"),
        ({"mac1": "0C:42:A1:00:01:02"}, "devices[4].mac1", "0c:42:a1:00:01:02"),  # a mac2
        ({"privateIpv4": "10.0.1.11"}, "devices[4].privateIpv4", "10.0.1.11"),
        # A BMC is known by its address and port.
        ({"iloIp": "10.1.1.11"}, "devices[4].iloIp", "10.1.1.11:623"),
    ],
)
def test_duplicates_within_the_batch_are_409_and_nothing_is_written(
    admin_api, idc_id, change, field, value
):
    devices = [spec(n) for n in range(5)]
    devices[4] = {**devices[4], **change}

    answer = import_devices(admin_api, idc_id, devices)

    assert answer.status_code == 409, answer.content
    message = answer.json()["error"]["message"]
    assert message.startswith(f"{field} {value} is given twice: also in devices[1]")
    assert Device.all_objects.count() == 0


def test_bmcs_may_share_an_address_on_different_ports(admin_api, idc_id):
    """Lab BMCs (and some chassis managers) answer on one IP, one UDP port per server."""
    devices = [{**spec(n), "iloIp": "127.0.0.1", "iloPort": 16230 + n} for n in range(3)]
    clash = [{**spec(5), "iloIp": "127.0.0.1", "iloPort": 16231, "bmcInterface": "ipmitool"}]

    imported = import_devices(admin_api, idc_id, devices)
    refused = import_devices(admin_api, idc_id, clash)

    assert imported.status_code == 200, imported.content
    listed = admin_api.get("/v1/devices", {"iloIp": "127.0.0.1"}).json()["result"]["devices"]
    assert sorted((d["iloPort"], d["bmcInterface"]) for d in listed) == [
        (16230, "native"),
        (16231, "native"),
        (16232, "native"),
    ]
    assert refused.status_code == 409
    assert refused.json()["error"]["message"].startswith(
        "devices[0].iloIp 127.0.0.1:16231 is already used by"
    )


def test_duplicates_against_live_devices_are_409_in_both_languages(admin_api, idc_id):
    (existing,) = imported(admin_api, idc_id, [spec(1)])
    batch = [spec(10), spec(11, privateIpv4="10.0.1.11")]

    english = import_devices(admin_api, idc_id, batch)
    chinese = import_devices(admin_api, idc_id, batch, HTTP_BMPLANGUAGE="zh_CN")

    assert english.status_code == chinese.status_code == 409
    assert english.json()["error"]["message"] == (
        f"devices[1].privateIpv4 10.0.1.11 is already used by device {existing}"
    )
    assert chinese.json()["error"]["message"] == (
        f"devices[1].privateIpv4 10.0.1.11 已被设备 {existing} 使用"
    )
    assert Device.objects.count() == 1


def test_an_sn_is_unique_everywhere_addresses_per_idc(admin_api, idc_id):
    imported(admin_api, idc_id, [spec(1)])
    other_idc = create_idc(admin_api, name="上海一区", name_en="shanghai-1")

    same_sn = import_devices(admin_api, other_idc, [spec(2, sn="SN000001")])
    same_addresses = import_devices(admin_api, other_idc, [spec(1, sn="OTHER-1")])

    assert same_sn.status_code == 409
    assert "devices[0].sn SN000001 is already used" in same_sn.json()["error"]["message"]
    assert same_addresses.status_code == 200


def test_a_deleted_device_frees_its_sn_and_addresses(admin_api, idc_id):
    (device_id,) = imported(admin_api, idc_id, [spec(1)])

    assert admin_api.delete(f"/v1/devices/{device_id}").status_code == 200

    imported(admin_api, idc_id, [spec(1)])
    assert Device.all_objects.filter(sn="SN000001").count() == 2


def test_imports_are_audited(admin_api, idc_id):
    imported(admin_api, idc_id, [spec(1)])
    import_devices(admin_api, idc_id, [spec(1)])

    entries = list(
        AuditLog.objects.order_by("id").values_list("operation", "resource_id", "result")
    )

    assert entries[-2:] == [("CreateDevice", idc_id, "success"), ("CreateDevice", idc_id, "fail")]


def test_unknown_or_bad_filters_are_400(admin_api):
    for query, field in [
        ("manageStatus=in,sold", "manageStatus"),
        ("deviceSeries=big", "deviceSeries"),
        ("collectStatus=9", "collectStatus"),
        ("colour=red", "colour"),
    ]:
        answer = admin_api.get(f"/v1/devices?{query}")
        assert answer.status_code == 400, query
        assert field in answer.json()["error"]["message"]


def test_an_ipv6_address_is_found_however_it_is_spelled(admin_api, idc_id):
    imported(admin_api, idc_id, [spec(1, privateIpv6="2001:DB8:0:0::5"), spec(2)])

    found = admin_api.get("/v1/devices?ipv6=2001:db8:0000::0005").json()["result"]

    assert [(d["sn"], d["privateIpv6"]) for d in found["devices"]] == [("SN000001", "2001:db8::5")]


def test_the_list_costs_the_same_queries_for_any_page_size(admin_api, idc_id, make_device_type):
    ids = imported(admin_api, idc_id, [spec(n) for n in range(30)])
    Device.objects.filter(device_id__in=ids[::2]).update(device_type=make_device_type(idc_id))

    with CaptureQueriesContext(connection) as small:
        admin_api.get("/v1/devices?pageSize=2")
    with CaptureQueriesContext(connection) as large:
        admin_api.get("/v1/devices?pageSize=30")

    assert len(large.captured_queries) == len(small.captured_queries)
