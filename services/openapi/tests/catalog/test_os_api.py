"""Operating systems through the API, as an operator sees them."""

import pytest

from bmp_openapi.audit.models import AuditLog
from bmp_openapi.catalog.models import Os

from .data import NEW_OS, ok


def test_create_then_describe(admin_api, make_os):
    os_id = make_os()

    os = ok(admin_api.get(f"/v1/oss/{os_id}"))["os"]

    assert os_id.startswith("o-")
    assert {k: os[k] for k in NEW_OS} == NEW_OS
    assert os["createdBy"] == "admin"


def test_list_is_every_os_with_exact_filters(admin_api, make_os):
    make_os()
    make_os(osName="Ubuntu 22.04", osType="Ubuntu", osVersion="22.04")
    make_os(osName="Ubuntu 22.04 arm", osType="Ubuntu", osVersion="22.04", architecture="aarch64")

    everything = ok(admin_api.get("/v1/oss"))
    ubuntu = ok(admin_api.get("/v1/oss?osType=Ubuntu&isAll=1"))
    one = ok(admin_api.get("/v1/oss?osName=Ubuntu%2022.04"))
    partial = ok(admin_api.get("/v1/oss?osName=Ubuntu"))

    assert set(everything) == {"oss"} and len(everything["oss"]) == 3
    assert {o["architecture"] for o in ubuntu["oss"]} == {"x86_64", "aarch64"}
    assert [o["osName"] for o in one["oss"]] == ["Ubuntu 22.04"]
    assert partial["oss"] == []


def test_a_duplicate_name_is_409_in_the_request_language_and_writes_nothing(admin_api, make_os):
    make_os()

    answer = admin_api.post("/v1/oss", NEW_OS, format="json", HTTP_BMPLANGUAGE="zh_CN")

    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == "名为 CentOS 7.9 64-bit 的操作系统已存在"
    assert Os.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW_OS, "bits": 48}, "bits"),
        ({**NEW_OS, "bits": "64"}, "bits"),
        ({**NEW_OS, "architecture": "i386"}, "architecture"),
        ({**NEW_OS, "architecture": "x86_64 "}, "architecture"),
        ({k: v for k, v in NEW_OS.items() if k != "osName"}, "osName"),
        ({**NEW_OS, "osName": "   "}, "osName"),
        ({**NEW_OS, "colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(admin_api, body, field):
    answer = admin_api.post("/v1/oss", body, format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith(f"Invalid argument: {field}")
    assert Os.objects.count() == 0


def test_modify_changes_only_what_is_sent(admin_api, make_os):
    os_id = make_os()

    ok(admin_api.put(f"/v1/oss/{os_id}", {"sysUser": "admin", "bits": 32}, format="json"))

    os = ok(admin_api.get(f"/v1/oss/{os_id}"))["os"]
    assert (os["sysUser"], os["bits"], os["osName"]) == ("admin", 32, "CentOS 7.9 64-bit")


def test_renaming_onto_another_os_is_409(admin_api, make_os):
    make_os()
    other = make_os(osName="Other")

    answer = admin_api.put(f"/v1/oss/{other}", {"osName": "CentOS 7.9 64-bit"}, format="json")

    assert answer.status_code == 409
    assert ok(admin_api.get(f"/v1/oss/{other}"))["os"]["osName"] == "Other"


def test_an_os_used_by_an_image_keeps_its_architecture_and_cannot_be_deleted(admin_api, make_image):
    image_id = make_image()
    os_id = ok(admin_api.get(f"/v1/images/{image_id}"))["image"]["osId"]

    moved = admin_api.put(f"/v1/oss/{os_id}", {"architecture": "aarch64"}, format="json")
    deleted = admin_api.delete(f"/v1/oss/{os_id}", HTTP_BMPLANGUAGE="zh_CN")

    assert moved.status_code == 409
    assert deleted.status_code == 409
    assert deleted.json()["error"]["message"] == f"操作系统 {os_id} 仍被 1 个镜像使用，请先删除镜像"
    assert ok(admin_api.get(f"/v1/oss/{os_id}"))["os"]["architecture"] == "x86_64"

    ok(admin_api.delete(f"/v1/images/{image_id}"))
    ok(admin_api.delete(f"/v1/oss/{os_id}"))
    assert admin_api.get(f"/v1/oss/{os_id}").status_code == 404


def test_delete_hides_the_os_and_frees_its_name(admin_api, make_os):
    os_id = make_os()

    ok(admin_api.delete(f"/v1/oss/{os_id}"))

    assert admin_api.get(f"/v1/oss/{os_id}").status_code == 404
    assert ok(admin_api.get("/v1/oss"))["oss"] == []
    assert Os.all_objects.filter(os_id=os_id, deleted_at__isnull=False).exists()
    make_os()


def test_unknown_os_is_404_in_the_request_language(admin_api):
    answer = admin_api.get("/v1/oss/o-nope", HTTP_BMPLANGUAGE="zh_CN")

    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == "操作系统 o-nope 不存在"


def test_every_write_is_audited(admin_api, make_os):
    os_id = make_os()
    admin_api.put(f"/v1/oss/{os_id}", {"bits": 16}, format="json")
    admin_api.delete(f"/v1/oss/{os_id}")

    entries = list(
        AuditLog.objects.order_by("id").values_list("operation", "resource_id", "result")
    )

    assert entries == [
        ("CreateOS", os_id, "success"),
        ("ModifyOS", os_id, "fail"),
        ("DeleteOS", os_id, "success"),
    ]


def test_tenants_read_the_oss_on_the_console_and_cannot_write(admin_api, make_os, console_user_api):
    make_os()

    listed = console_user_api.get("/v1/oss")
    created = console_user_api.post("/v1/oss", {**NEW_OS, "osName": "x"}, format="json")

    assert len(listed.json()["result"]["oss"]) == 1
    assert created.status_code == 405
    assert Os.objects.count() == 1
