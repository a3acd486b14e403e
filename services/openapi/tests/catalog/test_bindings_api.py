"""Images bound to device types, from either side, with their default partitions."""

import pytest

from bmp_openapi.audit.models import AuditLog
from bmp_openapi.catalog.models import DeviceTypeImage, DeviceTypeImagePartition

from .data import ok

BIND = "/v1/deviceTypes/associatedImage"
UNBIND = "/v1/deviceTypes/dissociatedImage"


def partitions(api, device_type_id, image_id):
    return ok(
        api.get(
            "/v1/deviceTypes/deviceTypeImagePartition"
            f"?deviceTypeId={device_type_id}&imageId={image_id}"
        )
    )


def test_binding_images_to_a_device_type_copies_their_default_partitions(
    admin_api, make_device_type, make_image
):
    device_type_id = make_device_type()
    base = make_image()
    data = make_image(
        imageName="centos-data",
        dataPartition=[{"format": "ext4", "point": "/data", "size": 102400}],
    )

    ok(
        admin_api.post(
            BIND, {"deviceTypeId": device_type_id, "imageIds": [base, data]}, format="json"
        )
    )

    bound = ok(admin_api.get(f"/v1/deviceTypes/deviceTypeImage?deviceTypeId={device_type_id}"))
    assert {i["imageId"] for i in bound["images"]} == {base, data}
    assert all(i["isBind"] and i["deviceTypeNum"] == 1 for i in bound["images"])
    assert partitions(admin_api, device_type_id, base) == {
        "systemPartition": [
            {"format": "xfs", "point": "/", "size": 51200},
            {"format": "swap", "point": "swap", "size": 10240},
        ],
        "dataPartition": [],
    }
    assert partitions(admin_api, device_type_id, data)["dataPartition"] == [
        {"format": "ext4", "point": "/data", "size": 102400}
    ]
    rows = DeviceTypeImagePartition.objects.filter(image__image_id=base).order_by("number")
    assert [(r.partition_type, r.partition_label, r.boot_mode) for r in rows] == [
        ("root", "l_root", "Legacy/BIOS"),
        ("system", "l_swap", "Legacy/BIOS"),
    ]


def test_binding_again_is_harmless(admin_api, make_device_type, make_image):
    device_type_id = make_device_type()
    image_id = make_image()
    body = {"deviceTypeId": device_type_id, "imageIds": [image_id, image_id]}

    ok(admin_api.post(BIND, body, format="json"))
    ok(admin_api.post(BIND, body, format="json"))

    assert DeviceTypeImage.objects.count() == 1
    assert DeviceTypeImagePartition.objects.count() == 2


def test_binding_one_image_to_device_types_and_listing_them(
    admin_api, make_device_type, make_image
):
    first = make_device_type()
    second = make_device_type(name="第二", deviceType="cps.c.second")
    unbound = make_device_type(name="第三", deviceType="cps.c.third")
    image_id = make_image()

    ok(
        admin_api.post(
            "/v1/images/associatedDeviceType",
            {"imageId": image_id, "deviceTypeIds": [first, second]},
            format="json",
        )
    )

    url = f"/v1/images/imageDeviceTypes?imageId={image_id}"
    everything = ok(admin_api.get(url))
    bound = ok(admin_api.get(f"{url}&isBind=1"))
    others = ok(admin_api.get(f"{url}&isBind=0"))
    arm = ok(admin_api.get(f"{url}&architecture=aarch64"))
    assert {d["deviceTypeId"]: d["isBind"] for d in everything["deviceTypes"]} == {
        first: True,
        second: True,
        unbound: False,
    }
    assert {d["deviceTypeId"] for d in bound["deviceTypes"]} == {first, second}
    assert [d["deviceTypeId"] for d in others["deviceTypes"]] == [unbound]
    assert arm["totalCount"] == 0
    assert ok(admin_api.get(f"/v1/images/{image_id}"))["image"]["deviceTypeNum"] == 2
    assert admin_api.get("/v1/images/imageDeviceTypes").status_code == 400


def test_describe_images_tells_which_are_bound_to_a_device_type(
    admin_api, make_device_type, make_image
):
    device_type_id = make_device_type()
    bound = make_image()
    make_image(imageName="other")
    ok(admin_api.post(BIND, {"deviceTypeId": device_type_id, "imageIds": [bound]}, format="json"))

    images = ok(admin_api.get(f"/v1/images?deviceTypeId={device_type_id}"))["images"]

    assert {i["imageName"]: i["isBind"] for i in images} == {
        "centos-7.9-base": True,
        "other": False,
    }
    assert admin_api.get("/v1/images?deviceTypeId=dt-nope").status_code == 404


def test_architectures_must_match_and_a_refused_batch_binds_nothing(
    admin_api, make_device_type, make_image
):
    device_type_id = make_device_type()
    x86 = make_image()
    arm = make_image(imageName="centos-arm", architecture="aarch64")

    mismatch = admin_api.post(
        BIND, {"deviceTypeId": device_type_id, "imageIds": [x86, arm]}, format="json"
    )
    unknown = admin_api.post(
        BIND, {"deviceTypeId": device_type_id, "imageIds": [x86, "i-nope"]}, format="json"
    )

    assert mismatch.status_code == 409
    assert "is for aarch64" in mismatch.json()["error"]["message"]
    assert unknown.status_code == 404
    assert (DeviceTypeImage.objects.count(), DeviceTypeImagePartition.objects.count()) == (0, 0)


def test_a_device_type_with_bound_images_keeps_its_architecture(
    admin_api, make_device_type, make_image
):
    device_type_id = make_device_type()
    ok(
        admin_api.post(
            BIND, {"deviceTypeId": device_type_id, "imageIds": [make_image()]}, format="json"
        )
    )

    answer = admin_api.put(
        f"/v1/deviceTypes/{device_type_id}", {"architecture": "aarch64"}, format="json"
    )

    assert answer.status_code == 409
    assert (
        ok(admin_api.get(f"/v1/deviceTypes/{device_type_id}"))["deviceType"]["architecture"]
        == "x86_64"
    )


def test_changing_the_boot_mode_changes_the_partitions_boot_mode(
    admin_api, make_device_type, make_image
):
    device_type_id = make_device_type()
    ok(
        admin_api.post(
            BIND, {"deviceTypeId": device_type_id, "imageIds": [make_image()]}, format="json"
        )
    )

    ok(admin_api.put(f"/v1/deviceTypes/{device_type_id}", {"boot_mode": "UEFI"}, format="json"))

    assert set(DeviceTypeImagePartition.objects.values_list("boot_mode", flat=True)) == {"UEFI"}


@pytest.mark.parametrize("path", [UNBIND, "/v1/images/dissociatedDeviceType"])
def test_unbinding_with_a_delete_body(admin_api, make_device_type, make_image, path):
    device_type_id = make_device_type()
    image_id = make_image()
    ok(
        admin_api.post(
            BIND, {"deviceTypeId": device_type_id, "imageIds": [image_id]}, format="json"
        )
    )
    body = {"deviceTypeId": device_type_id, "imageId": image_id}

    ok(admin_api.delete(path, body, format="json"))
    again = admin_api.delete(path, body, format="json", HTTP_BMPLANGUAGE="zh_CN")
    missing_field = admin_api.delete(path, {"deviceTypeId": device_type_id}, format="json")

    assert again.status_code == 404
    assert again.json()["error"]["message"] == f"镜像 {image_id} 未绑定机型 {device_type_id}"
    assert missing_field.status_code == 400
    assert (DeviceTypeImage.objects.count(), DeviceTypeImagePartition.objects.count()) == (0, 0)
    assert partitions(admin_api, device_type_id, image_id) == {
        "systemPartition": [],
        "dataPartition": [],
    }


def test_deleting_a_device_type_unbinds_its_images(admin_api, make_device_type, make_image):
    device_type_id = make_device_type()
    image_id = make_image()
    ok(
        admin_api.post(
            BIND, {"deviceTypeId": device_type_id, "imageIds": [image_id]}, format="json"
        )
    )

    ok(admin_api.delete(f"/v1/deviceTypes/{device_type_id}"))

    assert ok(admin_api.get(f"/v1/images/{image_id}"))["image"]["deviceTypeNum"] == 0
    assert ok(admin_api.get("/v1/deviceTypes/deviceTypeImage"))["totalCount"] == 0
    ok(admin_api.delete(f"/v1/images/{image_id}"))


def test_bindings_are_audited(admin_api, make_device_type, make_image):
    device_type_id = make_device_type()
    image_id = make_image()
    ok(
        admin_api.post(
            BIND, {"deviceTypeId": device_type_id, "imageIds": [image_id]}, format="json"
        )
    )
    admin_api.delete(UNBIND, {"deviceTypeId": device_type_id, "imageId": image_id}, format="json")
    admin_api.post(
        "/v1/images/associatedDeviceType",
        {"imageId": image_id, "deviceTypeIds": ["dt-nope"]},
        format="json",
    )

    entries = list(
        AuditLog.objects.filter(operation__contains="ssociate")
        .order_by("id")
        .values_list("operation", "resource_id", "result")
    )

    assert entries == [
        ("AssociateDeviceTypeImages", device_type_id, "success"),
        ("DissociateDeviceTypeImage", device_type_id, "success"),
        ("AssociateImageDeviceTypes", image_id, "fail"),
    ]


def test_tenants_read_bindings_on_the_console_and_cannot_change_them(
    admin_api, make_device_type, make_image, console_user_api
):
    device_type_id = make_device_type()
    image_id = make_image()
    ok(
        admin_api.post(
            BIND, {"deviceTypeId": device_type_id, "imageIds": [image_id]}, format="json"
        )
    )

    images = console_user_api.get(f"/v1/deviceTypes/deviceTypeImage?deviceTypeId={device_type_id}")
    unbind = console_user_api.delete(
        UNBIND, {"deviceTypeId": device_type_id, "imageId": image_id}, format="json"
    )

    assert images.json()["result"]["totalCount"] == 1
    assert unbind.status_code == 405
    assert DeviceTypeImage.objects.count() == 1
