"""Links of device types: the images they may be installed with (with default partitions),
and the RAID levels their volumes offer."""

from __future__ import annotations

from django.db import transaction

from bmp_common.errors import BmpError
from bmp_openapi.catalog import choices
from bmp_openapi.catalog.error_codes import (
    ARCHITECTURE_MISMATCH,
    DEVICE_TYPE_NOT_FOUND,
    DEVICE_TYPE_RAID_NOT_FOUND,
    IMAGE_NOT_FOUND,
    LAST_RAID_LEVEL,
    NOT_BOUND,
    RAID_ALREADY_OFFERED,
    VOLUME_NOT_FOUND,
)
from bmp_openapi.catalog.models import (
    DeviceType,
    DeviceTypeImage,
    DeviceTypeImagePartition,
    Image,
    Raid,
    Volume,
    VolumeRaid,
)
from bmp_openapi.catalog.services.volumes import check_level, check_volume_shape


def _partition_type(point: str) -> str:
    return {"/": "root", "/boot": "boot"}.get(point, "system")


def _label(point: str) -> str:
    if point == "/":
        return "l_root"
    return "l_" + point.strip("/").replace("/", "_")


def _partitions(device_type: DeviceType, image: Image) -> list[DeviceTypeImagePartition]:
    rows = []
    for volume_type, partitions in (
        (choices.VOLUME_SYSTEM, image.system_partition),
        (choices.VOLUME_DATA, image.data_partition),
    ):
        for number, partition in enumerate(partitions, start=1):
            point = partition["point"]
            rows.append(
                DeviceTypeImagePartition(
                    device_type=device_type,
                    image=image,
                    boot_mode=device_type.boot_mode,
                    partition_type="data"
                    if volume_type == choices.VOLUME_DATA
                    else _partition_type(point),
                    volume_type=volume_type,
                    number=number,
                    partition_size=partition["size"],
                    partition_fs_type=partition["format"],
                    partition_mount_point=point,
                    partition_label=_label(point),
                )
            )
    return rows


def _bind(device_type: DeviceType, image: Image, actor) -> None:
    """Binds (or binds again, refreshing the default partitions from the image)."""
    if image.os.architecture != device_type.architecture:
        raise BmpError(
            ARCHITECTURE_MISMATCH,
            image_id=image.image_id,
            image_architecture=image.os.architecture,
            device_type_id=device_type.device_type_id,
            architecture=device_type.architecture,
        )
    DeviceTypeImage.objects.get_or_create(
        device_type=device_type, image=image, defaults={"created_by": actor.user_name}
    )
    DeviceTypeImagePartition.objects.filter(device_type=device_type, image=image).delete()
    DeviceTypeImagePartition.objects.bulk_create(_partitions(device_type, image))


def _locked_device_types(device_type_ids: list[str]) -> list[DeviceType]:
    found = {
        dt.device_type_id: dt
        for dt in DeviceType.objects.select_for_update()
        .filter(device_type_id__in=device_type_ids)
        .order_by("pk")
    }
    for device_type_id in device_type_ids:
        if device_type_id not in found:
            raise BmpError(DEVICE_TYPE_NOT_FOUND, device_type_id=device_type_id)
    return [found[device_type_id] for device_type_id in device_type_ids]


def _locked_images(image_ids: list[str]) -> list[Image]:
    found = {
        image.image_id: image
        for image in Image.objects.select_for_update()
        .select_related("os")
        .filter(image_id__in=image_ids)
        .order_by("pk")
    }
    for image_id in image_ids:
        if image_id not in found:
            raise BmpError(IMAGE_NOT_FOUND, image_id=image_id)
    return [found[image_id] for image_id in image_ids]


@transaction.atomic(durable=True)
def images_bind(*, device_type_id: str, image_ids: list[str], actor) -> None:
    """associatedImage: binds the images to one device type (already bound ones stay)."""
    (device_type,) = _locked_device_types([device_type_id])
    for image in _locked_images(list(dict.fromkeys(image_ids))):
        _bind(device_type, image, actor)


@transaction.atomic(durable=True)
def device_types_bind(*, image_id: str, device_type_ids: list[str], actor) -> None:
    """associatedDeviceType: binds one image to the device types."""
    device_types = _locked_device_types(list(dict.fromkeys(device_type_ids)))
    (image,) = _locked_images([image_id])
    for device_type in device_types:
        _bind(device_type, image, actor)


@transaction.atomic(durable=True)
def unbind(*, device_type_id: str, image_id: str, actor) -> None:
    """dissociatedImage / dissociatedDeviceType."""
    (device_type,) = _locked_device_types([device_type_id])
    (image,) = _locked_images([image_id])
    deleted, _ = DeviceTypeImage.objects.filter(device_type=device_type, image=image).delete()
    if not deleted:
        raise BmpError(NOT_BOUND, image_id=image_id, device_type_id=device_type_id)
    DeviceTypeImagePartition.objects.filter(device_type=device_type, image=image).delete()


def _volumes(device_type: DeviceType, volume_type: str, volume_id: str) -> list[Volume]:
    volumes = device_type.volumes.select_for_update().filter(volume_type=volume_type)
    if volume_id:
        volumes = volumes.filter(volume_id=volume_id)
    found = list(volumes)
    if not found:
        raise BmpError(
            VOLUME_NOT_FOUND,
            device_type_id=device_type.device_type_id,
            volume_type=volume_type,
            volume_id=volume_id or "",
        )
    return found


@transaction.atomic(durable=True)
def device_type_raid_add(
    *, raid: Raid, device_type_id: str, volume_type: str, volume_id: str = "", actor
) -> None:
    """createDeviceTypeRaid: the volumes of ``volume_type`` (or the one ``volume_id``) of the
    device type offer ``raid`` too."""
    (device_type,) = _locked_device_types([device_type_id])
    volumes = _volumes(device_type, volume_type, volume_id)
    for volume in volumes:
        if volume.raid_links.filter(raid=raid).exists():
            raise BmpError(RAID_ALREADY_OFFERED, volume_id=volume.volume_id, raid_id=raid.raid_id)
        check_volume_shape(
            name=volume.volume_name,
            raid_can=volume.raid_can,
            interface_type=volume.interface_type,
            amount=volume.volume_amount,
        )
        check_level(
            name=volume.volume_name,
            raid_can=volume.raid_can,
            amount=volume.volume_amount,
            raid=raid,
        )
        VolumeRaid.objects.create(
            volume=volume, device_type=device_type, raid=raid, created_by=actor.user_name
        )


@transaction.atomic(durable=True)
def device_type_raid_remove(
    *, raid: Raid, device_type_id: str, volume_type: str, volume_id: str = "", actor
) -> None:
    """deleteDeviceTypeRaid: the volumes stop offering ``raid`` (each keeps one level)."""
    (device_type,) = _locked_device_types([device_type_id])
    volumes = _volumes(device_type, volume_type, volume_id)
    links = VolumeRaid.objects.filter(volume__in=volumes, raid=raid).select_related("volume")
    if not links:
        raise BmpError(
            DEVICE_TYPE_RAID_NOT_FOUND,
            device_type_id=device_type.device_type_id,
            volume_type=volume_type,
            raid_id=raid.raid_id,
        )
    for link in links:
        if link.volume.raid_links.count() == 1:
            raise BmpError(LAST_RAID_LEVEL, volume_id=link.volume.volume_id)
        link.delete()
