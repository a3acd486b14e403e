"""Writes of IDCs. Secrets are encrypted before they reach the model."""

from __future__ import annotations

from django.db import transaction

from bmp_common.crypto import encrypt_secret
from bmp_common.db import unique_or_conflict
from bmp_common.errors import BmpError, Localized
from bmp_common.ids import new_id
from bmp_common.unset import UNSET, Unset, assign_given
from bmp_openapi.core import events
from bmp_openapi.idcs.error_codes import IDC_IN_USE, IDC_NAME_TAKEN
from bmp_openapi.idcs.models import Idc


def _secret(value: str | Unset) -> str | Unset:
    """A password as stored: encrypted, or "" to clear it (UNSET stays UNSET)."""
    if value is UNSET or not value:
        return value
    return encrypt_secret(value)


def _save(idc: Idc, **kwargs) -> None:
    with unique_or_conflict(IDC_NAME_TAKEN, name=idc.name):
        idc.save(**kwargs)


@transaction.atomic(durable=True)
def idc_create(
    *,
    name: str,
    name_en: str,
    level: str,
    shortname: str = "",
    address: str = "",
    ilo_user: str = "",
    ilo_password: str = "",
    switch_user1: str = "",
    switch_password1: str = "",
    switch_user2: str = "",
    switch_password2: str = "",
    bmc_ca_bundle: str = "",
    actor,
) -> Idc:
    idc = Idc(
        idc_id=new_id("idc"),
        name=name,
        name_en=name_en,
        shortname=shortname,
        level=level,
        address=address,
        ilo_user=ilo_user,
        ilo_password_encrypted=_secret(ilo_password),
        switch_user1=switch_user1,
        switch_password1_encrypted=_secret(switch_password1),
        switch_user2=switch_user2,
        switch_password2_encrypted=_secret(switch_password2),
        bmc_ca_bundle=bmc_ca_bundle,
        created_by=actor.user_name,
        updated_by=actor.user_name,
    )
    _save(idc)
    return idc


@transaction.atomic(durable=True)
def idc_modify(
    *,
    idc: Idc,
    name: str | Unset = UNSET,
    name_en: str | Unset = UNSET,
    shortname: str | Unset = UNSET,
    level: str | Unset = UNSET,
    address: str | Unset = UNSET,
    ilo_user: str | Unset = UNSET,
    ilo_password: str | Unset = UNSET,
    switch_user1: str | Unset = UNSET,
    switch_password1: str | Unset = UNSET,
    switch_user2: str | Unset = UNSET,
    switch_password2: str | Unset = UNSET,
    bmc_ca_bundle: str | Unset = UNSET,
    actor,
) -> Idc:
    """Changes what is given; a password given empty is cleared."""
    changed = assign_given(
        idc,
        name=name,
        name_en=name_en,
        shortname=shortname,
        level=level,
        address=address,
        ilo_user=ilo_user,
        ilo_password_encrypted=_secret(ilo_password),
        switch_user1=switch_user1,
        switch_password1_encrypted=_secret(switch_password1),
        switch_user2=switch_user2,
        switch_password2_encrypted=_secret(switch_password2),
        bmc_ca_bundle=bmc_ca_bundle,
    )
    idc.updated_by = actor.user_name
    _save(idc, update_fields=[*changed, "updated_by", "updated_at"])
    if ilo_user is not UNSET or ilo_password is not UNSET:
        events.idc_credentials_changed.send(sender=Idc, idc=idc)
    return idc


@transaction.atomic(durable=True)
def idc_delete(*, idc: Idc, actor) -> None:
    locked = Idc.objects.select_for_update().get(pk=idc.pk)
    label = events.first_answer(events.idc_in_use, Idc, idc=locked)
    if label is not None:
        raise BmpError(IDC_IN_USE, idc_id=locked.idc_id, what=Localized.of(label))
    locked.mark_deleted(actor=actor.user_name)
