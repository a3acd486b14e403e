"""Writes of images. An image belongs to an OS, found by (osType, Version, architecture) or
created for it, as upstream's createImage does."""

from __future__ import annotations

from django.db import transaction

from bmp_common.db import unique_or_conflict
from bmp_common.errors import BmpError
from bmp_common.ids import new_id
from bmp_openapi.catalog.error_codes import (
    IMAGE_BOUND,
    IMAGE_IN_USE,
    IMAGE_NAME_TAKEN,
    OS_MISMATCH,
    PARTITION_POINT_TWICE,
    SWAP_PARTITION,
)
from bmp_openapi.catalog.fields import canonical_boot_mode
from bmp_openapi.catalog.models import DeviceTypeImage, Image, Os
from bmp_openapi.catalog.services.common import apply_fields, in_use_error
from bmp_openapi.catalog.services.os import new_os
from bmp_openapi.core import events

FIELDS = {
    "imageName": "image_name",
    "format": "format",
    "filename": "filename",
    "url": "url",
    "source": "source",
    "description": "description",
    "systemPartition": "system_partition",
    "dataPartition": "data_partition",
}
MODIFIABLE = ("imageName", "description")


def check_partitions(system: list[dict], data: list[dict]) -> None:
    seen = set()
    for partition in [*system, *data]:
        point = partition["point"]
        if point in seen:
            raise BmpError(PARTITION_POINT_TWICE, point=point)
        seen.add(point)
        if (partition["format"] == "swap") != (point == "swap"):
            raise BmpError(SWAP_PARTITION, point=point)
    if any(p["point"] == "swap" for p in data):
        raise BmpError(SWAP_PARTITION, point="swap")


def _check_name_free(name: str, exclude_pk: int | None = None) -> None:
    if Image.objects.filter(image_name=name).exclude(pk=exclude_pk).exists():
        raise BmpError(IMAGE_NAME_TAKEN, name=name)


def _os_for(data: dict, actor) -> Os:
    """The live OS of (osType, Version, architecture), locked; created, named after the image,
    when there is none."""
    wanted = {
        "os_type": data["osType"],
        "os_version": data["Version"],
        "architecture": data["architecture"],
    }
    found = Os.objects.select_for_update().filter(**wanted).order_by("id").first()
    if found is not None:
        return found
    name = data["imageName"]
    if Os.objects.filter(os_name=name).exists():
        raise BmpError(OS_MISMATCH, name=name)
    windows = data["osType"].lower().startswith("windows")
    return new_os(
        data={
            "osName": name,
            "osType": data["osType"],
            "osVersion": data["Version"],
            "architecture": data["architecture"],
            "bits": 64,
            "sysUser": "Administrator" if windows else "root",
        },
        actor=actor,
    )


@transaction.atomic(durable=True)
def image_create(*, data: dict, actor) -> Image:
    data = {"source": "user_defined", "systemPartition": [], "dataPartition": [], **data}
    check_partitions(data["systemPartition"], data["dataPartition"])
    _check_name_free(data["imageName"])
    image = Image(
        image_id=new_id("i"),
        os=_os_for(data, actor),
        hash=data["hash"].lower(),
        boot_mode=canonical_boot_mode(data["boot_mode"]),
        created_by=actor.user_name,
        updated_by=actor.user_name,
    )
    apply_fields(image, data, FIELDS)
    with unique_or_conflict(IMAGE_NAME_TAKEN, name=image.image_name):
        image.save()
    return image


@transaction.atomic(durable=True)
def image_modify(*, image: Image, data: dict, actor) -> Image:
    locked = Image.objects.select_for_update().get(pk=image.pk)
    if "imageName" in data:
        _check_name_free(data["imageName"], exclude_pk=locked.pk)
    changed = apply_fields(locked, data, {f: FIELDS[f] for f in MODIFIABLE})
    locked.updated_by = actor.user_name
    with unique_or_conflict(IMAGE_NAME_TAKEN, name=locked.image_name):
        locked.save(update_fields=[*changed, "updated_by", "updated_at"])
    return locked


@transaction.atomic(durable=True)
def image_delete(*, image: Image, actor) -> None:
    locked = Image.objects.select_for_update().get(pk=image.pk)
    bound = DeviceTypeImage.objects.filter(image=locked, device_type__delete_marker=0).count()
    if bound:
        raise BmpError(IMAGE_BOUND, image_id=locked.image_id, count=bound)
    label = events.first_answer(events.image_in_use, Image, image=locked)
    if label is not None:
        raise in_use_error(IMAGE_IN_USE, label, image_id=locked.image_id)
    locked.mark_deleted(actor=actor.user_name)
