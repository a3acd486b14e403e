"""The catalog part of the issue's scenario: an IDC, an OS, an image, a device type with
volumes and RAID levels, the image bound to it, then lists with filters, paging and counts."""

from .data import DATA_VOLUME, NEW_DEVICE_TYPE, NEW_IMAGE, RAID1, RAID10, SYSTEM_VOLUME, ok


def test_from_an_empty_catalog_to_a_device_type_ready_for_instances(admin_api):
    idc_id = ok(
        admin_api.post(
            "/v1/idcs", {"name": "北京一区", "nameEn": "beijing-1", "level": "T4"}, format="json"
        )
    )["idcId"]
    os_id = ok(
        admin_api.post(
            "/v1/oss",
            {
                "osName": "CentOS 7.9",
                "osType": "CentOS",
                "osVersion": "7.9",
                "architecture": "x86_64",
                "bits": 64,
            },
            format="json",
        )
    )["osId"]
    image_id = ok(admin_api.post("/v1/images", NEW_IMAGE, format="json"))["imageId"]
    data_volume = {**DATA_VOLUME, "raid": f"{RAID10},{RAID1}"}
    device_type_id = ok(
        admin_api.post(
            "/v1/deviceTypes",
            {**NEW_DEVICE_TYPE, "idcId": idc_id, "volumes": [SYSTEM_VOLUME, data_volume]},
            format="json",
        )
    )["deviceTypeId"]
    for n in range(3):  # more device types in the IDC, to page through
        ok(
            admin_api.post(
                "/v1/deviceTypes",
                {**NEW_DEVICE_TYPE, "idcId": idc_id, "name": f"t{n}", "deviceType": f"c.t{n}"},
                format="json",
            )
        )

    ok(
        admin_api.post(
            "/v1/deviceTypes/associatedImage",
            {"deviceTypeId": device_type_id, "imageIds": [image_id]},
            format="json",
        )
    )

    # the image uses the OS registered first, and knows it is bound once
    image = ok(admin_api.get(f"/v1/images/{image_id}"))["image"]
    assert (image["osId"], image["deviceTypeNum"]) == (os_id, 1)
    # the device types of the IDC, two to a page
    page1 = ok(admin_api.get(f"/v1/deviceTypes?idcId={idc_id}&pageSize=2"))
    page2 = ok(admin_api.get(f"/v1/deviceTypes?idcId={idc_id}&pageSize=2&pageNumber=2"))
    assert (page1["totalCount"], len(page1["deviceTypes"]), len(page2["deviceTypes"])) == (4, 2, 2)
    found = ok(admin_api.get(f"/v1/deviceTypes?idcId={idc_id}&deviceType=cps.c.normal"))
    (device_type,) = found["deviceTypes"]
    assert device_type["deviceTypeId"] == device_type_id
    assert [v["raid"] for v in device_type["volumes"]] == ["RAID1,RAID0", "RAID10,RAID1"]
    assert (device_type["deviceCount"], device_type["instanceCount"]) == (0, 0)
    assert device_type["stockAvailable"] == 0
    # what instance creation will offer: the bound image, its partitions, the RAID levels
    images = ok(admin_api.get(f"/v1/deviceTypes/deviceTypeImage?deviceTypeId={device_type_id}"))
    assert [i["imageId"] for i in images["images"]] == [image_id]
    system_raids = ok(
        admin_api.get(
            f"/v1/deviceTypes/deviceTypeRaid?deviceTypeId={device_type_id}&volumeType=system"
        )
    )
    assert [(r["raidName"], r["availableValue"]) for r in system_raids] == [
        ("RAID1", 480),
        ("RAID0", 960),
    ]
    bound_types = ok(admin_api.get(f"/v1/images/imageDeviceTypes?imageId={image_id}&isBind=1"))
    assert [d["deviceTypeId"] for d in bound_types["deviceTypes"]] == [device_type_id]
    # nothing in the chain can be pulled out from under it
    assert admin_api.delete(f"/v1/oss/{os_id}").status_code == 409
    assert admin_api.delete(f"/v1/images/{image_id}").status_code == 409
    assert admin_api.delete(f"/v1/idcs/{idc_id}").status_code == 409
