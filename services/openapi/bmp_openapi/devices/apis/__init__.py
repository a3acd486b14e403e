"""Device endpoints (tag ``device``): parse, call one service or selector, render."""

from bmp_openapi.devices.apis.actions import (
    DeviceAssociateDeviceTypeApi,
    DeviceCollectApi,
    DeviceMountApi,
    DeviceRemoveApi,
    DeviceUnmountApi,
)
from bmp_openapi.devices.apis.devices import (
    DeviceDetailApi,
    DeviceListCreateApi,
    DeviceStockApi,
)
from bmp_openapi.devices.apis.disks import (
    DeviceAssociatedDisksApi,
    DeviceAssociateDisksApi,
    DeviceDisksApi,
)

__all__ = [
    "DeviceAssociateDeviceTypeApi",
    "DeviceAssociateDisksApi",
    "DeviceAssociatedDisksApi",
    "DeviceCollectApi",
    "DeviceDetailApi",
    "DeviceDisksApi",
    "DeviceListCreateApi",
    "DeviceMountApi",
    "DeviceRemoveApi",
    "DeviceStockApi",
    "DeviceUnmountApi",
]
