"""Writes of operating systems."""

from __future__ import annotations

from django.db import transaction

from bmp_common.db import unique_or_conflict
from bmp_common.errors import BmpError
from bmp_common.ids import new_id
from bmp_openapi.catalog.error_codes import OS_ARCHITECTURE_IN_USE, OS_IN_USE, OS_NAME_TAKEN
from bmp_openapi.catalog.models import Image, Os
from bmp_openapi.catalog.services.common import apply_fields

FIELDS = {
    "osName": "os_name",
    "osType": "os_type",
    "osVersion": "os_version",
    "architecture": "architecture",
    "bits": "bits",
    "sysUser": "sys_user",
}


def _check_name_free(name: str, exclude_pk: int | None = None) -> None:
    if Os.objects.filter(os_name=name).exclude(pk=exclude_pk).exists():
        raise BmpError(OS_NAME_TAKEN, name=name)


def new_os(*, data: dict, actor) -> Os:
    """Creates an OS inside the caller's transaction (createOS, and createImage for a new OS)."""
    os = Os(os_id=new_id("o"), created_by=actor.user_name, updated_by=actor.user_name)
    apply_fields(os, data, FIELDS)
    _check_name_free(os.os_name)
    with unique_or_conflict(OS_NAME_TAKEN, name=os.os_name):
        os.save()
    return os


@transaction.atomic(durable=True)
def os_create(*, data: dict, actor) -> Os:
    return new_os(data=data, actor=actor)


@transaction.atomic(durable=True)
def os_modify(*, os: Os, data: dict, actor) -> Os:
    locked = Os.objects.select_for_update().get(pk=os.pk)
    if "osName" in data:
        _check_name_free(data["osName"], exclude_pk=locked.pk)
    new_architecture = data.get("architecture", locked.architecture)
    if new_architecture != locked.architecture and Image.objects.filter(os=locked).exists():
        raise BmpError(OS_ARCHITECTURE_IN_USE, os_id=locked.os_id)
    changed = apply_fields(locked, data, FIELDS)
    locked.updated_by = actor.user_name
    with unique_or_conflict(OS_NAME_TAKEN, name=locked.os_name):
        locked.save(update_fields=[*changed, "updated_by", "updated_at"])
    return locked


@transaction.atomic(durable=True)
def os_delete(*, os: Os, actor) -> None:
    locked = Os.objects.select_for_update().get(pk=os.pk)
    count = Image.objects.filter(os=locked).count()
    if count:
        raise BmpError(OS_IN_USE, os_id=locked.os_id, count=count)
    locked.mark_deleted(actor=actor.user_name)
