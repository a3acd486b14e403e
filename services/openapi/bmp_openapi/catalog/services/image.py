"""Writes of images. An image belongs to an OS, found by (osType, Version, architecture) or
created for it, as upstream's createImage does."""

from __future__ import annotations

from django.db import transaction

from bmp_common.db import unique_or_conflict
from bmp_common.errors import BmpError
from bmp_common.ids import new_id
from bmp_common.unset import UNSET, Unset, assign_given
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
from bmp_openapi.catalog.services.common import in_use_error
from bmp_openapi.catalog.services.os import new_os
from bmp_openapi.core import events


def check_partitions(system_partitions: list[dict], data_partitions: list[dict]) -> None:
    seen = set()
    for partition in [*system_partitions, *data_partitions]:
        point = partition["point"]
        if point in seen:
            raise BmpError(PARTITION_POINT_TWICE, point=point)
        seen.add(point)
        if (partition["format"] == "swap") != (point == "swap"):
            raise BmpError(SWAP_PARTITION, point=point)
    if any(p["point"] == "swap" for p in data_partitions):
        raise BmpError(SWAP_PARTITION, point="swap")


def _check_name_free(name: str, exclude_pk: int | None = None) -> None:
    if Image.objects.filter(image_name=name).exclude(pk=exclude_pk).exists():
        raise BmpError(IMAGE_NAME_TAKEN, name=name)


def _os_for(*, os_type: str, os_version: str, architecture: str, image_name: str, actor) -> Os:
    """The live OS of (os_type, os_version, architecture), locked; created, named after the
    image, when there is none."""
    wanted = {"os_type": os_type, "os_version": os_version, "architecture": architecture}
    found = Os.objects.select_for_update().filter(**wanted).order_by("id").first()
    if found is not None:
        return found
    if Os.objects.filter(os_name=image_name).exists():
        raise BmpError(OS_MISMATCH, name=image_name)
    windows = os_type.lower().startswith("windows")
    return new_os(
        os_name=image_name,
        **wanted,
        bits=64,
        sys_user="Administrator" if windows else "root",
        actor=actor,
    )


@transaction.atomic(durable=True)
def image_create(
    *,
    image_name: str,
    architecture: str,
    os_type: str,
    os_version: str,
    image_format: str,
    boot_mode: str,
    filename: str,
    url: str,
    image_hash: str,
    source: str = "user_defined",
    description: str = "",
    system_partitions: list[dict] | None = None,
    data_partitions: list[dict] | None = None,
    actor,
) -> Image:
    """Partitions are ``{format, point, size}``; the image's OS is found or created
    (``_os_for``)."""
    system_partitions = system_partitions or []
    data_partitions = data_partitions or []
    check_partitions(system_partitions, data_partitions)
    _check_name_free(image_name)
    image = Image(
        image_id=new_id("i"),
        image_name=image_name,
        os=_os_for(
            os_type=os_type,
            os_version=os_version,
            architecture=architecture,
            image_name=image_name,
            actor=actor,
        ),
        format=image_format,
        filename=filename,
        url=url,
        hash=image_hash.lower(),
        source=source,
        boot_mode=canonical_boot_mode(boot_mode),
        description=description,
        system_partition=system_partitions,
        data_partition=data_partitions,
        created_by=actor.user_name,
        updated_by=actor.user_name,
    )
    with unique_or_conflict(IMAGE_NAME_TAKEN, name=image.image_name):
        image.save()
    return image


@transaction.atomic(durable=True)
def image_modify(
    *,
    image: Image,
    image_name: str | Unset = UNSET,
    description: str | Unset = UNSET,
    actor,
) -> Image:
    locked = Image.objects.select_for_update().get(pk=image.pk)
    if image_name is not UNSET:
        _check_name_free(image_name, exclude_pk=locked.pk)
    changed = assign_given(locked, image_name=image_name, description=description)
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
