"""Routes of the catalog. Literal paths come before the patterns that would swallow them."""

from bmp_openapi.catalog.apis import device_type, image, os, raid
from bmp_openapi.core.routing import api

ROUTES = [
    api("oss", os.OsListCreateApi, "oss"),
    api("oss/<str:os_id>", os.OsDetailApi, "os"),
    api("raids", raid.RaidListCreateApi, "raids"),
    api("raids/deviceTypeRaid", raid.DeviceTypeRaidApi, "raids-device-type-raid"),
    api("raids/<str:raid_id>", raid.RaidDetailApi, "raid"),
    api("images", image.ImageListCreateApi, "images"),
    api("images/associatedDeviceType", image.AssociateDeviceTypeApi, "images-associate"),
    api("images/dissociatedDeviceType", image.DissociateDeviceTypeApi, "images-dissociate"),
    api("images/imageDeviceTypes", image.ImageDeviceTypesApi, "images-device-types"),
    api("images/<str:image_id>", image.ImageDetailApi, "image"),
    api("deviceTypes", device_type.DeviceTypeListCreateApi, "device-types"),
    api("deviceTypes/associatedImage", device_type.AssociateImageApi, "device-types-associate"),
    api(
        "deviceTypes/dissociatedImage",
        device_type.DissociateImageApi,
        "device-types-dissociate",
    ),
    api("deviceTypes/deviceTypeImage", device_type.DeviceTypeImagesApi, "device-type-images"),
    api(
        "deviceTypes/deviceTypeImagePartition",
        device_type.DeviceTypeImagePartitionsApi,
        "device-type-image-partitions",
    ),
    api("deviceTypes/deviceTypeRaid", device_type.DeviceTypeRaidsApi, "device-type-raids"),
    api("deviceTypes/volumesRaids", device_type.VolumesRaidsApi, "device-type-volumes-raids"),
    api("deviceTypes/<str:device_type_id>", device_type.DeviceTypeDetailApi, "device-type"),
    api(
        "deviceTypes/<str:device_type_id>/describeVolumes",
        device_type.DeviceTypeVolumesApi,
        "device-type-volumes",
    ),
]
