"""Writes of IDCs. Secrets are encrypted before they reach the model."""

from __future__ import annotations

from django.db import transaction

from bmp_common.crypto import encrypt_secret
from bmp_common.db import unique_or_conflict
from bmp_common.errors import BmpError, Localized
from bmp_common.ids import new_id
from bmp_openapi.core import events
from bmp_openapi.idcs.error_codes import IDC_IN_USE, IDC_NAME_TAKEN
from bmp_openapi.idcs.models import Idc

# API field -> model column, for the plain fields of create and modify.
PLAIN_FIELDS = {
    "name": "name",
    "nameEn": "name_en",
    "shortname": "shortname",
    "level": "level",
    "address": "address",
    "iloUser": "ilo_user",
    "switchUser1": "switch_user1",
    "switchUser2": "switch_user2",
}
SECRET_FIELDS = {
    "iloPassword": "ilo_password_encrypted",
    "switchPassword1": "switch_password1_encrypted",
    "switchPassword2": "switch_password2_encrypted",
}


def _apply(idc: Idc, data: dict) -> list[str]:
    changed = []
    for field, column in PLAIN_FIELDS.items():
        if field in data:
            setattr(idc, column, data[field])
            changed.append(column)
    for field, column in SECRET_FIELDS.items():
        if field in data:
            setattr(idc, column, encrypt_secret(data[field]) if data[field] else "")
            changed.append(column)
    return changed


def _save(idc: Idc, **kwargs) -> None:
    with unique_or_conflict(IDC_NAME_TAKEN, name=idc.name):
        idc.save(**kwargs)


@transaction.atomic(durable=True)
def idc_create(*, data: dict, actor) -> Idc:
    idc = Idc(idc_id=new_id("idc"), created_by=actor.user_name, updated_by=actor.user_name)
    _apply(idc, data)
    _save(idc)
    return idc


@transaction.atomic(durable=True)
def idc_modify(*, idc: Idc, data: dict, actor) -> Idc:
    changed = _apply(idc, data)
    idc.updated_by = actor.user_name
    _save(idc, update_fields=[*changed, "updated_by", "updated_at"])
    if "iloUser" in data or "iloPassword" in data:
        events.idc_credentials_changed.send(sender=Idc, idc=idc)
    return idc


@transaction.atomic(durable=True)
def idc_delete(*, idc: Idc, actor) -> None:
    locked = Idc.objects.select_for_update().get(pk=idc.pk)
    label = events.first_answer(events.idc_in_use, Idc, idc=locked)
    if label is not None:
        raise BmpError(IDC_IN_USE, idc_id=locked.idc_id, what=Localized.of(label))
    locked.mark_deleted(actor=actor.user_name)
