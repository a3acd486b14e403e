"""Writes of devices: import and edit (``inventory``), the lifecycle (``lifecycle``), disks and
device types (``disks``)."""

from bmp_openapi.devices.services.disks import (
    device_associate_device_type,
    device_associate_disks,
)
from bmp_openapi.devices.services.inventory import device_delete, device_import, device_modify
from bmp_openapi.devices.services.lifecycle import (
    device_mount,
    device_remove,
    device_transition,
    device_unmount,
)

__all__ = [
    "device_associate_device_type",
    "device_associate_disks",
    "device_delete",
    "device_import",
    "device_modify",
    "device_mount",
    "device_remove",
    "device_transition",
    "device_unmount",
]
