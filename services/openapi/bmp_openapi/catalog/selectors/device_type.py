from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from bmp_common.errors import BmpError
from bmp_openapi.catalog.error_codes import DEVICE_TYPE_NOT_FOUND
from bmp_openapi.catalog.fields import split_ids
from bmp_openapi.catalog.models import DeviceType, DeviceTypeImage, Image, Volume, VolumeRaid


def _with_volumes(queryset: QuerySet[DeviceType]) -> QuerySet[DeviceType]:
    volumes = Volume.objects.prefetch_related(
        Prefetch("raid_links", queryset=VolumeRaid.objects.select_related("raid").order_by("id"))
    )
    return queryset.select_related("idc").prefetch_related(Prefetch("volumes", queryset=volumes))


def device_type_list(*, filters: dict) -> QuerySet[DeviceType]:
    queryset = DeviceType.objects.all()
    if filters.get("idcId"):
        queryset = queryset.filter(idc__idc_id=filters["idcId"])
    if filters.get("name"):
        queryset = queryset.filter(name__icontains=filters["name"])
    for field, column in (
        ("deviceTypeId", "device_type_id"),
        ("deviceType", "device_type"),
        ("deviceSeries", "device_series"),
    ):
        if filters.get(field):
            queryset = queryset.filter(**{f"{column}__in": split_ids(filters[field])})
    return _with_volumes(queryset)


def device_type_get(*, device_type_id: str) -> DeviceType:
    found = _with_volumes(DeviceType.objects.filter(device_type_id=device_type_id)).first()
    if found is None:
        raise BmpError(DEVICE_TYPE_NOT_FOUND, device_type_id=device_type_id)
    return found


def image_device_type_list(*, image: Image, filters: dict) -> QuerySet[DeviceType]:
    """describeImageDeviceTypes: device types, each with ``is_bind`` to ``image``; ``isBind``
    "1" keeps the bound ones, "0" the others."""
    bound = DeviceTypeImage.objects.filter(device_type=OuterRef("pk"), image=image)
    queryset = DeviceType.objects.annotate(is_bind=Exists(bound))
    if filters.get("architecture"):
        queryset = queryset.filter(architecture=filters["architecture"])
    if filters.get("isBind") in ("0", "1"):
        queryset = queryset.filter(is_bind=filters["isBind"] == "1")
    return _with_volumes(queryset)


def device_type_raid_list(*, filters: dict) -> QuerySet[VolumeRaid]:
    """describeDeviceTypeRaids: the RAID levels the volumes of live device types offer."""
    queryset = VolumeRaid.objects.filter(device_type__delete_marker=0).select_related(
        "raid", "volume", "device_type"
    )
    for field, lookup in (
        ("deviceTypeId", "device_type__device_type_id"),
        ("volumeType", "volume__volume_type"),
        ("raidId", "raid__raid_id"),
    ):
        if filters.get(field):
            queryset = queryset.filter(**{lookup: filters[field]})
    return queryset.order_by("device_type_id", "volume_id", "id")


def volume_raids_list(*, device_type: DeviceType, volume_type: str = "") -> list[Volume]:
    """describeVolumesRaids: the device type's volumes (of ``volume_type`` when given), each
    with the RAID levels it offers."""
    volumes = device_type.volumes.all()  # prefetched with their RAID links by device_type_get
    return [volume for volume in volumes if not volume_type or volume.volume_type == volume_type]
