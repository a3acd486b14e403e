"""Writes of API keys through the API: a caller manages only their own keys."""

from __future__ import annotations

import logging

from django.db import transaction

from bmp_common.db import unique_or_conflict
from bmp_common.errors import BmpError
from bmp_openapi.accounts.choices import ROLE_ADMIN, ApiKeyType
from bmp_openapi.accounts.error_codes import APIKEY_LIMIT, APIKEY_NAME_TAKEN, SYSTEM_KEY_ADMIN_ONLY
from bmp_openapi.accounts.models import ApiKey, User
from bmp_openapi.accounts.services import apikey_create

log = logging.getLogger(__name__)

# Keys one user may hold on one portal (upstream allowed 2; a few more for rotation and tools).
MAX_KEYS_PER_SOURCE = 10


@transaction.atomic(durable=True)
def apikey_add(*, user: User, source: str, data: dict) -> tuple[ApiKey, str]:
    """createUserApikey: a key of ``user`` on portal ``source``; returns it with its token."""
    if data["type"] == ApiKeyType.SYSTEM and user.role.role_id != ROLE_ADMIN:
        raise BmpError(SYSTEM_KEY_ADMIN_ONLY)
    # The user's row serialises concurrent creates, so the limit holds.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiKey.objects.filter(user=user, source=source).count() >= MAX_KEYS_PER_SOURCE:
        raise BmpError(APIKEY_LIMIT, limit=MAX_KEYS_PER_SOURCE)
    return apikey_create(
        user=user,
        name=data["name"],
        key_type=data["type"],
        source=source,
        read_only=bool(data["readOnly"]),
        created_by=user.user_name,
    )


@transaction.atomic(durable=True)
def apikey_modify(*, api_key: ApiKey, data: dict, actor: User) -> ApiKey:
    locked = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    changed = []
    if "name" in data:
        locked.name = data["name"]
        changed.append("name")
    if "readOnly" in data:
        locked.read_only = bool(data["readOnly"])
        changed.append("read_only")
    locked.updated_by = actor.user_name
    with unique_or_conflict(APIKEY_NAME_TAKEN, name=locked.name):
        locked.save(update_fields=[*changed, "updated_by", "updated_at"])
    return locked


@transaction.atomic(durable=True)
def apikey_delete(*, api_key: ApiKey, actor: User) -> None:
    """Deleted for good: the token stops working at once."""
    ApiKey.objects.filter(pk=api_key.pk).delete()
    log.info("api key %s deleted by %s", api_key.apikey_id, actor.user_id)
