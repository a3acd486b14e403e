"""Images through the API: their OS, their file, their default partitions."""

import json

import pytest

from bmp_openapi.audit.models import AuditLog
from bmp_openapi.catalog.models import Image, Os

from .data import NEW_IMAGE, ok

SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def test_create_then_describe(admin_api, make_image):
    image_id = make_image()

    image = ok(admin_api.get(f"/v1/images/{image_id}", HTTP_BMPLANGUAGE="zh_CN"))["image"]

    assert image_id.startswith("i-")
    assert (image["imageName"], image["format"], image["source"]) == (
        "centos-7.9-base",
        "tar",
        "common",
    )
    assert (image["osType"], image["osVersion"], image["architecture"]) == (
        "CentOS",
        "7.9",
        "x86_64",
    )
    assert image["hash"] == "760711ba6ae6e386d46314caf775ca14"  # stored lower-case
    assert image["bootMode"] == "Legacy/BIOS,UEFI"  # one order for both modes
    assert image["url"] == "{host}/v1.7.0-centos-7.9-2022070716.tar.xz"
    assert image["sourceName"] == "预置镜像"
    assert json.loads(image["systemPartition"]) == NEW_IMAGE["systemPartition"]
    assert image["dataPartition"] == "[]"
    assert (image["deviceTypeNum"], image["isBind"]) == (0, False)


def test_the_os_is_created_once_and_shared(admin_api, make_image):
    first = ok(admin_api.get(f"/v1/images/{make_image()}"))["image"]
    second = ok(admin_api.get(f"/v1/images/{make_image(imageName='centos-7.9-tuned')}"))["image"]
    arm = ok(
        admin_api.get(f"/v1/images/{make_image(imageName='centos-arm', architecture='aarch64')}")
    )["image"]

    assert first["osId"] == second["osId"] != arm["osId"]
    assert first["osName"] == "centos-7.9-base"
    assert Os.objects.count() == 2


def test_an_existing_os_is_used(admin_api, make_os, make_image):
    os_id = make_os(osName="CentOS 7.9", osType="CentOS", osVersion="7.9")

    image = ok(admin_api.get(f"/v1/images/{make_image()}"))["image"]

    assert image["osId"] == os_id


def test_an_os_of_the_same_name_with_other_attributes_is_409(admin_api, make_os):
    make_os(osName="centos-7.9-base", osType="Rocky", osVersion="9")

    answer = admin_api.post("/v1/images", NEW_IMAGE, format="json")

    assert answer.status_code == 409
    assert "exists with another type, version or architecture" in answer.json()["error"]["message"]
    assert Image.objects.count() == 0


def test_sha256_hashes_and_http_urls_are_accepted(admin_api, make_image):
    image_id = make_image(hash=SHA256.upper(), url="https://mirror.example.com/images/c.tar.xz")

    image = ok(admin_api.get(f"/v1/images/{image_id}"))["image"]

    assert (image["hash"], image["url"]) == (SHA256, "https://mirror.example.com/images/c.tar.xz")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"hash": "760711ba6ae6e386d46314caf775ca1"}, "hash"),
        ({"hash": "z60711ba6ae6e386d46314caf775ca14"}, "hash"),
        ({"url": "ftp://mirror/c.tar.xz"}, "url"),
        ({"url": "{host}/with space.tar.xz"}, "url"),
        ({"url": "/images/c.tar.xz"}, "url"),
        ({"format": "iso"}, "format"),
        ({"source": "mine"}, "source"),
        ({"boot_mode": "BIOS"}, "boot_mode"),
        ({"boot_mode": "UEFI, Legacy/BIOS"}, "boot_mode"),
        ({"architecture": "i386"}, "architecture"),
        ({"filename": "../etc/passwd"}, "filename"),
        ({"systemPartition": [{"format": "xfs", "point": "/", "size": 0}]}, "systemPartition"),
        ({"systemPartition": [{"format": "xfs", "point": "home", "size": 1}]}, "systemPartition"),
        ({"dataPartition": [{"format": "xfs", "point": "/data/..", "size": 1}]}, "dataPartition"),
        ({"dataPartition": [{"format": "xfs", "point": "/../etc", "size": 1}]}, "dataPartition"),
        ({"dataPartition": [{"format": "xfs", "point": "/./x", "size": 1}]}, "dataPartition"),
        (
            {"systemPartition": [{"format": "xfs", "point": "/", "size": 1, "x": 1}]},
            "systemPartition",
        ),
        ({"systemPartition": "[]"}, "systemPartition"),
        ({"Version": ""}, "Version"),
        ({"osId": "o-x"}, "osId"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(admin_api, changes, field):
    answer = admin_api.post("/v1/images", {**NEW_IMAGE, **changes}, format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith(f"Invalid argument: {field}")
    assert (Image.objects.count(), Os.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    "partitions",
    [
        {"systemPartition": [{"format": "xfs", "point": "/", "size": 1}] * 2},
        {"systemPartition": [{"format": "swap", "point": "/", "size": 1}]},
        {"systemPartition": [{"format": "xfs", "point": "swap", "size": 1}]},
        {"dataPartition": [{"format": "swap", "point": "swap", "size": 1}]},
        {"dataPartition": [{"format": "xfs", "point": "/", "size": 1}]},
    ],
)
def test_partitions_that_do_not_add_up_are_409_and_write_nothing(admin_api, partitions):
    answer = admin_api.post("/v1/images", {**NEW_IMAGE, **partitions}, format="json")

    assert answer.status_code == 409
    assert (Image.objects.count(), Os.objects.count()) == (0, 0)


def test_a_duplicate_name_is_409(admin_api, make_image):
    make_image()

    answer = admin_api.post("/v1/images", NEW_IMAGE, format="json", HTTP_BMPLANGUAGE="zh_CN")

    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == "名为 centos-7.9-base 的镜像已存在"


def test_list_filters_and_pages(admin_api, make_image):
    ids = [make_image(imageName=f"centos-{n:02d}", source="user_defined") for n in range(22)]
    ubuntu = make_image(imageName="ubuntu-22.04", osType="Ubuntu", Version="22.04")
    arm = make_image(imageName="centos-arm", architecture="aarch64", Version="7.9")

    first = ok(admin_api.get("/v1/images"))
    second = ok(admin_api.get("/v1/images?pageNumber=2&pageSize=20"))
    by_name = ok(admin_api.get("/v1/images?imageName=CENTOS-0"))
    by_type = ok(admin_api.get("/v1/images?osType=Ubuntu&version=22.04"))
    by_arch = ok(admin_api.get("/v1/images?architecture=aarch64"))
    by_source = ok(admin_api.get("/v1/images?source=common"))
    by_ids = ok(admin_api.get(f"/v1/images?imageIds={ids[0]},{ubuntu}&isAll=1"))

    assert (first["totalCount"], len(first["images"]), len(second["images"])) == (24, 20, 4)
    assert by_name["totalCount"] == 10
    assert [i["imageId"] for i in by_type["images"]] == [ubuntu]
    assert [i["imageId"] for i in by_arch["images"]] == [arm]
    assert {i["imageId"] for i in by_source["images"]} == {ubuntu, arm}
    assert {i["imageId"] for i in by_ids["images"]} == {ids[0], ubuntu}


@pytest.mark.parametrize(
    "query", ["architecture=i386", "source=mine", "imageIds=a,,b", "pageSize=0", "colour=red"]
)
def test_bad_filters_are_400(admin_api, query):
    assert admin_api.get(f"/v1/images?{query}").status_code == 400


def test_modify_changes_the_name_and_the_description_only(admin_api, make_image):
    image_id = make_image()

    ok(admin_api.put(f"/v1/images/{image_id}", {"description": "base"}, format="json"))
    ok(admin_api.put(f"/v1/images/{image_id}", {"imageName": "centos-base"}, format="json"))
    refused = admin_api.put(f"/v1/images/{image_id}", {"url": "{host}/x.tar.xz"}, format="json")

    image = ok(admin_api.get(f"/v1/images/{image_id}"))["image"]
    assert (image["imageName"], image["description"]) == ("centos-base", "base")
    assert refused.status_code == 400
    assert image["url"] == NEW_IMAGE["url"]


def test_an_image_bound_to_a_device_type_cannot_be_deleted(admin_api, make_image, make_device_type):
    image_id = make_image()
    device_type_id = make_device_type()
    binding = {"deviceTypeId": device_type_id, "imageIds": [image_id]}
    ok(admin_api.post("/v1/deviceTypes/associatedImage", binding, format="json"))

    refused = admin_api.delete(f"/v1/images/{image_id}", HTTP_BMPLANGUAGE="zh_CN")
    unbind = {"deviceTypeId": device_type_id, "imageId": image_id}
    ok(admin_api.delete("/v1/images/dissociatedDeviceType", unbind, format="json"))
    allowed = admin_api.delete(f"/v1/images/{image_id}")

    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == f"镜像 {image_id} 仍绑定 1 个机型，请先解绑"
    assert allowed.status_code == 200
    assert admin_api.get(f"/v1/images/{image_id}").status_code == 404
    make_image()  # the name is free again


def test_unknown_image_is_404_in_the_request_language(admin_api):
    answer = admin_api.get("/v1/images/i-nope", HTTP_BMPLANGUAGE="zh_CN")

    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == "镜像 i-nope 不存在"


def test_every_write_is_audited(admin_api, make_image):
    image_id = make_image()
    admin_api.put(f"/v1/images/{image_id}", {"description": "x"}, format="json")
    admin_api.delete(f"/v1/images/{image_id}")

    entries = list(
        AuditLog.objects.order_by("id").values_list("operation", "resource_id", "result")
    )

    assert entries == [
        ("CreateImage", image_id, "success"),
        ("ModifyImage", image_id, "success"),
        ("DeleteImage", image_id, "success"),
    ]


def test_tenants_read_images_on_the_console(admin_api, make_image, console_user_api):
    image_id = make_image()

    listed = console_user_api.get("/v1/images")
    described = console_user_api.get(f"/v1/images/{image_id}")
    deleted = console_user_api.delete(f"/v1/images/{image_id}")

    assert listed.json()["result"]["totalCount"] == 1
    assert described.status_code == 200
    assert deleted.status_code == 405
