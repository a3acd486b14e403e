"""Binding a device to a device type of its IDC, and its disks to the type's volumes."""

from __future__ import annotations

from django.db import transaction

from bmp_common.errors import BmpError
from bmp_openapi.catalog.models import DeviceType
from bmp_openapi.devices import states
from bmp_openapi.devices.error_codes import (
    DEVICE_TYPE_OTHER_IDC,
    DISK_COUNT,
    DISK_NOT_OF_DEVICE,
    DISK_TWICE,
    DISK_WRONG_KIND,
    VOLUME_TWICE,
)
from bmp_openapi.devices.models import Device, DeviceVolumeDisk, Disk
from bmp_openapi.devices.selectors import (
    device_type_get,
    volume_disk_count,
    volume_disk_kind,
    volume_get,
)
from bmp_openapi.devices.services.lifecycle import device_check, device_lock, device_transition


def _type_of_idc(device: Device, device_type_id: str) -> DeviceType:
    device_type = device_type_get(device_type_id=device_type_id)
    if device_type.idc_id != device.idc_id:
        raise BmpError(
            DEVICE_TYPE_OTHER_IDC,
            device_type_id=device_type.device_type_id,
            type_idc_id=device_type.idc.idc_id,
            device_id=device.device_id,
            idc_id=device.idc.idc_id,
        )
    return device_type


def _bind(device: Device, device_type: DeviceType, action: str, actor) -> None:
    """Binds the type; disk links to volumes of another type are dropped (they cannot apply)."""
    DeviceVolumeDisk.objects.filter(device=device).exclude(volume__device_type=device_type).delete()
    device_transition(
        device=device, action=action, actor_name=actor.user_name, device_type=device_type
    )


@transaction.atomic(durable=True)
def device_associate_device_type(*, device_id: str, device_type_id: str, actor) -> Device:
    """deviceAssociateDeviceType: refused once the device is sold."""
    device = device_lock(device_id=device_id)
    device_check(device, states.ASSOCIATE_DEVICE_TYPE)
    device_type = _type_of_idc(device, device_type_id)
    _bind(device, device_type, states.ASSOCIATE_DEVICE_TYPE, actor)
    return device


def _checked_links(device: Device, device_type: DeviceType, volumes: list[dict]) -> list:
    """The links to write, after checking every volume and disk of the request."""
    disks = {disk.disk_id: disk for disk in Disk.objects.filter(device=device)}
    seen_volumes: set[str] = set()
    seen_disks: dict[str, str] = {}
    links = []
    for i, item in enumerate(volumes):
        field = f"volumes[{i}]"
        if item["volumeId"] in seen_volumes:
            raise BmpError(VOLUME_TWICE, field=f"{field}.volumeId", volume_id=item["volumeId"])
        seen_volumes.add(item["volumeId"])
        volume = volume_get(
            volume_id=item["volumeId"], device_type=device_type, field=f"{field}.volumeId"
        )
        least, most = volume_disk_count(volume)
        count = len(item["diskId"])
        if count < least or (most is not None and count > most):
            raise BmpError(
                DISK_COUNT,
                field=f"{field}.diskId",
                volume_name=volume.volume_name,
                least=least,
                most=most if most is not None else "∞",
                count=count,
            )
        kind = volume_disk_kind(device_type=device_type, volume=volume)
        for j, disk_id in enumerate(item["diskId"]):
            where = f"{field}.diskId[{j}]"
            if disk_id in seen_disks:
                raise BmpError(DISK_TWICE, field=where, disk_id=disk_id)
            seen_disks[disk_id] = where
            disk = disks.get(disk_id)
            if disk is None:
                raise BmpError(
                    DISK_NOT_OF_DEVICE, field=where, disk_id=disk_id, device_id=device.device_id
                )
            if disk.types != kind:
                raise BmpError(
                    DISK_WRONG_KIND,
                    field=where,
                    disk_id=disk_id,
                    types=disk.types,
                    volume_name=volume.volume_name,
                    needed=kind,
                )
            links.append((volume, disk))
    return links


@transaction.atomic(durable=True)
def device_associate_disks(
    *, device_id: str, device_type_id: str, volumes: list[dict], actor
) -> Device:
    """associateDeviceDisks: the device's disks for each volume of the type; binds the type too
    (as upstream: the console sends the two requests in no fixed order). Replaces every link."""
    device = device_lock(device_id=device_id)
    device_check(device, states.ASSOCIATE_DISKS)
    device_type = _type_of_idc(device, device_type_id)
    links = _checked_links(device, device_type, volumes)
    DeviceVolumeDisk.objects.filter(device=device).delete()
    DeviceVolumeDisk.objects.bulk_create(
        DeviceVolumeDisk(
            device=device,
            volume=volume,
            disk=disk,
            volume_type=volume.volume_type,
            created_by=actor.user_name,
        )
        for volume, disk in links
    )
    _bind(device, device_type, states.ASSOCIATE_DISKS, actor)
    return device
