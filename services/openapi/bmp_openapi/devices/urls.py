from bmp_openapi.core.routing import api
from bmp_openapi.devices import apis

# Literal paths before devices/<device_id>, which would swallow them.
ROUTES = [
    api("collect/collectDeviceInfo", apis.DeviceCollectApi, "device-collect"),
    api("devices", apis.DeviceListCreateApi, "devices"),
    api("devices/stock", apis.DeviceStockApi, "device-stock"),
    api("devices/mount", apis.DeviceMountApi, "device-mount"),
    api("devices/unmount", apis.DeviceUnmountApi, "device-unmount"),
    api("devices/deviceType/associate", apis.DeviceAssociateDeviceTypeApi, "device-associate-type"),
    api("devices/disks/associateDisks", apis.DeviceAssociateDisksApi, "device-associate-disks"),
    api(
        "devices/disks/describeAssociateDisks",
        apis.DeviceAssociatedDisksApi,
        "device-associated-disks",
    ),
    api("devices/<str:device_id>", apis.DeviceDetailApi, "device"),
    api("devices/<str:device_id>/disksDetail", apis.DeviceDisksApi, "device-disks"),
    api("devices/<str:device_id>/remove", apis.DeviceRemoveApi, "device-remove"),
]
