"""IDCs through the API, as an operator sees them."""

import pytest

from bmp_common.crypto import decrypt_secret
from bmp_openapi.audit.models import AuditLog
from bmp_openapi.idcs.models import Idc

NEW_IDC = {
    "name": "北京一区",
    "nameEn": "beijing-1",
    "level": "T4",
    "iloUser": "ops",
    "iloPassword": "Bmc-Pass-1",
}


def create(api, **changes):
    answer = api.post("/v1/idcs", {**NEW_IDC, **changes}, format="json")
    assert answer.status_code == 200, answer.content
    return answer.json()["result"]["idcId"]


def test_create_then_describe_masks_the_bmc_password(admin_api):
    idc_id = create(admin_api)

    idc = admin_api.get(f"/v1/idcs/{idc_id}").json()["result"]["idc"]

    assert idc["idcId"] == idc_id and idc_id.startswith("idc-")
    assert (idc["name"], idc["nameEn"], idc["level"], idc["iloUser"]) == (
        "北京一区",
        "beijing-1",
        "T4",
        "ops",
    )
    assert idc["iloPassword"] == "******"
    assert idc["switchPassword1"] == ""
    assert idc["createdBy"] == "admin"


def test_the_bmc_password_is_stored_encrypted(admin_api):
    idc_id = create(admin_api)

    stored = Idc.objects.get(idc_id=idc_id).ilo_password_encrypted

    assert "Bmc-Pass-1" not in stored
    assert decrypt_secret(stored) == "Bmc-Pass-1"


def test_list_filters_and_pages(admin_api):
    for number in range(25):
        create(
            admin_api,
            name=f"idc-{number:02d}",
            nameEn=f"idc-{number:02d}",
            level="T3" if number % 5 else "T4",
        )

    first = admin_api.get("/v1/idcs").json()["result"]
    second = admin_api.get("/v1/idcs?pageNumber=2&pageSize=20").json()["result"]
    tier4 = admin_api.get("/v1/idcs?level=T4").json()["result"]
    everything = admin_api.get("/v1/idcs?isAll=1").json()["result"]
    one = admin_api.get("/v1/idcs?name=idc-07").json()["result"]

    assert (first["totalCount"], first["pageNumber"], first["pageSize"], len(first["idcs"])) == (
        25,
        1,
        20,
        20,
    )
    assert len(second["idcs"]) == 5
    assert {i["idcId"] for i in first["idcs"]}.isdisjoint({i["idcId"] for i in second["idcs"]})
    assert tier4["totalCount"] == 5
    assert len(everything["idcs"]) == 25
    assert [i["nameEn"] for i in one["idcs"]] == ["idc-07"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("pageSize=1001", "pageSize"),
        ("pageNumber=0", "pageNumber"),
        ("pageSize=abc", "pageSize"),
        ("colour=red", "colour"),
    ],
)
def test_bad_paging_or_unknown_filters_are_400(admin_api, query, field):
    answer = admin_api.get(f"/v1/idcs?{query}")

    assert answer.status_code == 400
    assert field in answer.json()["error"]["message"]


def test_modify_changes_only_what_is_sent(admin_api):
    idc_id = create(admin_api)

    answer = admin_api.put(f"/v1/idcs/{idc_id}", {"address": "Yizhuang"}, format="json")

    assert answer.json()["result"] == {"success": True}
    idc = admin_api.get(f"/v1/idcs/{idc_id}").json()["result"]["idc"]
    assert (idc["address"], idc["name"], idc["iloPassword"]) == ("Yizhuang", "北京一区", "******")


def test_delete_hides_the_idc_and_frees_its_name(admin_api):
    idc_id = create(admin_api)

    assert admin_api.delete(f"/v1/idcs/{idc_id}").json()["result"] == {"success": True}

    assert admin_api.get(f"/v1/idcs/{idc_id}").status_code == 404
    assert admin_api.get("/v1/idcs").json()["result"]["totalCount"] == 0
    assert Idc.all_objects.filter(idc_id=idc_id, deleted_at__isnull=False).exists()
    create(admin_api)  # the same name again: the deleted one no longer holds it


def test_a_duplicate_name_is_409_and_writes_nothing(admin_api):
    create(admin_api)

    answer = admin_api.post(
        "/v1/idcs", {**NEW_IDC, "nameEn": "other"}, format="json", HTTP_BMPLANGUAGE="zh_CN"
    )

    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == "名为 北京一区 的机房已存在"
    assert Idc.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"nameEn": "x", "level": "T4"}, "name"),
        ({**NEW_IDC, "name": "x" * 65}, "name"),
        ({**NEW_IDC, "name": "   "}, "name"),
        ({**NEW_IDC, "level": 4}, "level"),
        ({**NEW_IDC, "colour": "red"}, "colour"),
        ({**NEW_IDC, "shortname": "bad name!"}, "shortname"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(admin_api, body, field):
    answer = admin_api.post("/v1/idcs", body, format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith(f"Invalid argument: {field}")
    assert Idc.objects.count() == 0


def test_unknown_idc_is_404_in_the_request_language(admin_api):
    answer = admin_api.get("/v1/idcs/idc-nope", HTTP_BMPLANGUAGE="zh_CN")

    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == "机房 idc-nope 不存在"


def test_every_write_is_audited_with_its_result(admin_api):
    idc_id = create(admin_api)
    admin_api.put(f"/v1/idcs/{idc_id}", {"name": ""}, format="json")
    admin_api.delete(f"/v1/idcs/{idc_id}")

    entries = list(
        AuditLog.objects.order_by("id").values_list(
            "operation", "resource_id", "result", "user_name"
        )
    )

    assert entries == [
        ("CreateIdc", idc_id, "success", "admin"),
        ("ModifyIdc", idc_id, "fail", "admin"),
        ("DeleteIdc", idc_id, "success", "admin"),
    ]
    failed = AuditLog.objects.get(operation="ModifyIdc")
    assert "name" in failed.fail_reason
    trail = admin_api.get("/v1/auditLogs?result=fail").json()["result"]
    assert [e["operationName"] for e in trail["auditLogs"]] == ["Modify IDC"]
    # Upstream's times: integer Unix seconds.
    (entry,) = trail["auditLogs"]
    assert entry["operateTime"] == int(failed.operate_time.timestamp())
    assert entry["finishTime"] == int(failed.finish_time.timestamp())
