"""Writes of operating systems."""

from __future__ import annotations

from django.db import transaction

from bmp_common.db import unique_or_conflict
from bmp_common.errors import BmpError
from bmp_common.ids import new_id
from bmp_common.unset import UNSET, Unset, assign_given
from bmp_openapi.catalog.error_codes import OS_ARCHITECTURE_IN_USE, OS_IN_USE, OS_NAME_TAKEN
from bmp_openapi.catalog.models import Image, Os


def _check_name_free(name: str, exclude_pk: int | None = None) -> None:
    if Os.objects.filter(os_name=name).exclude(pk=exclude_pk).exists():
        raise BmpError(OS_NAME_TAKEN, name=name)


def new_os(
    *,
    os_name: str,
    os_type: str,
    os_version: str,
    architecture: str,
    bits: int = 64,
    sys_user: str = "root",
    actor,
) -> Os:
    """Creates an OS inside the caller's transaction (createOS, and createImage for a new OS)."""
    os = Os(
        os_id=new_id("o"),
        os_name=os_name,
        os_type=os_type,
        os_version=os_version,
        architecture=architecture,
        bits=bits,
        sys_user=sys_user,
        created_by=actor.user_name,
        updated_by=actor.user_name,
    )
    _check_name_free(os.os_name)
    with unique_or_conflict(OS_NAME_TAKEN, name=os.os_name):
        os.save()
    return os


@transaction.atomic(durable=True)
def os_create(
    *,
    os_name: str,
    os_type: str,
    os_version: str,
    architecture: str,
    bits: int = 64,
    sys_user: str = "root",
    actor,
) -> Os:
    return new_os(
        os_name=os_name,
        os_type=os_type,
        os_version=os_version,
        architecture=architecture,
        bits=bits,
        sys_user=sys_user,
        actor=actor,
    )


@transaction.atomic(durable=True)
def os_modify(
    *,
    os: Os,
    os_name: str | Unset = UNSET,
    os_type: str | Unset = UNSET,
    os_version: str | Unset = UNSET,
    architecture: str | Unset = UNSET,
    bits: int | Unset = UNSET,
    sys_user: str | Unset = UNSET,
    actor,
) -> Os:
    """The architecture of an OS with images stays."""
    locked = Os.objects.select_for_update().get(pk=os.pk)
    if os_name is not UNSET:
        _check_name_free(os_name, exclude_pk=locked.pk)
    moves = architecture is not UNSET and architecture != locked.architecture
    if moves and Image.objects.filter(os=locked).exists():
        raise BmpError(OS_ARCHITECTURE_IN_USE, os_id=locked.os_id)
    changed = assign_given(
        locked,
        os_name=os_name,
        os_type=os_type,
        os_version=os_version,
        architecture=architecture,
        bits=bits,
        sys_user=sys_user,
    )
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
