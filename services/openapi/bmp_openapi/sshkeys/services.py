"""Writes of SSH keys. A key is parsed and checked before anything is written; a user cannot
register the same key twice, nor two keys under one name (database constraints)."""

from __future__ import annotations

from django.db import transaction

from bmp_common.db import unique_or_conflict
from bmp_common.errors import BmpError
from bmp_common.ids import new_id
from bmp_openapi.accounts.models import User
from bmp_openapi.sshkeys.error_codes import SSHKEY_NAME_TAKEN, SSHKEY_REGISTERED
from bmp_openapi.sshkeys.keys import parse_public_key
from bmp_openapi.sshkeys.models import SshKey


def _save(sshkey: SshKey, **kwargs) -> None:

    def broken_rule() -> BmpError:
        same_key = (
            SshKey.objects.filter(user_id=sshkey.user_id, finger_print=sshkey.finger_print)
            .exclude(pk=sshkey.pk)
            .first()
        )
        if same_key is not None:
            return BmpError(SSHKEY_REGISTERED, name=same_key.name)
        return BmpError(SSHKEY_NAME_TAKEN, name=sshkey.name)

    with unique_or_conflict(broken_rule):
        sshkey.save(**kwargs)


@transaction.atomic(durable=True)
def sshkey_create(*, name: str, key: str, actor: User) -> SshKey:
    public_key = parse_public_key(key)
    sshkey = SshKey(
        sshkey_id=new_id("sshkey"),
        user=actor,
        name=name,
        key=public_key.text,
        finger_print=public_key.fingerprint,
        created_by=actor.user_name,
        updated_by=actor.user_name,
    )
    _save(sshkey)
    return sshkey


@transaction.atomic(durable=True)
def sshkey_modify(*, sshkey: SshKey, name: str, actor: User) -> SshKey:
    sshkey.name = name
    sshkey.updated_by = actor.user_name
    _save(sshkey, update_fields=["name", "updated_by", "updated_at"])
    return sshkey


@transaction.atomic(durable=True)
def sshkey_delete(*, sshkey: SshKey, actor: User) -> None:
    locked = SshKey.objects.select_for_update().get(pk=sshkey.pk)
    locked.mark_deleted(actor=actor.user_name)


def sshkeys_of_deleted_user(*, user: User, actor: User) -> None:
    """A deleted user's keys go with them (``core.events.user_deleting``); the instances they
    were installed on keep the soft-deleted row."""
    for sshkey in SshKey.objects.filter(user=user):
        sshkey.mark_deleted(actor=actor.user_name)
