"""Reads of SSH keys: a user sees only their own keys."""

from __future__ import annotations

from django.db.models import QuerySet

from bmp_common.errors import BmpError
from bmp_openapi.accounts.models import User
from bmp_openapi.core import events
from bmp_openapi.sshkeys.error_codes import SSHKEY_NOT_FOUND
from bmp_openapi.sshkeys.models import SshKey


def sshkey_list(*, user: User, filters: dict) -> QuerySet[SshKey]:
    queryset = SshKey.objects.filter(user=user).select_related("user")
    if filters.get("name"):
        queryset = queryset.filter(name=filters["name"])
    return queryset


def sshkey_get(*, user: User, sshkey_id: str) -> SshKey:
    sshkey = SshKey.objects.filter(user=user, sshkey_id=sshkey_id).select_related("user").first()
    if sshkey is None:
        raise BmpError(SSHKEY_NOT_FOUND, sshkey_id=sshkey_id)
    return sshkey


def sshkey_instance_ids(*, sshkey: SshKey) -> list[str]:
    found = events.answers(events.sshkey_instance_ids, SshKey, sshkey=sshkey)
    return sorted({instance_id for instance_ids in found for instance_id in instance_ids})
