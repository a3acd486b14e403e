"""The catalog's models: operating systems, images, RAID levels, device types and their links."""

from bmp_openapi.catalog.models.device_type import DeviceType, Volume, VolumeRaid
from bmp_openapi.catalog.models.image import DeviceTypeImage, DeviceTypeImagePartition, Image
from bmp_openapi.catalog.models.os import Os
from bmp_openapi.catalog.models.raid import Raid

__all__ = [
    "DeviceType",
    "DeviceTypeImage",
    "DeviceTypeImagePartition",
    "Image",
    "Os",
    "Raid",
    "Volume",
    "VolumeRaid",
]
