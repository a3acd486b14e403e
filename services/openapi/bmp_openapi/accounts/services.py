"""Writes of the accounts app."""

from __future__ import annotations

import dataclasses
import logging

from django.db import transaction

from bmp_common.ids import new_id, new_password, new_token, token_digest
from bmp_openapi.accounts.choices import (
    ADMIN_USER_NAME,
    ROLE_ADMIN,
    ApiKeySource,
    ApiKeyType,
    Language,
)
from bmp_openapi.accounts.models import ApiKey, Role, User

log = logging.getLogger(__name__)


def user_create(
    *, user_name: str, password: str, role_id: str, language: str = Language.EN_US
) -> User:
    user = User(
        user_id=new_id("user"),
        user_name=user_name,
        role=Role.objects.get(role_id=role_id),
        language=language,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    log.info("user %s created with role %s", user.user_id, role_id)
    return user


def apikey_create(
    *,
    user: User,
    name: str,
    key_type: str = ApiKeyType.USER,
    source: str = ApiKeySource.OPERATION,
    read_only: bool = False,
) -> tuple[ApiKey, str]:
    """Creates a key and returns it with its token: the only time the token exists in clear."""
    token = new_token()
    api_key = ApiKey(
        apikey_id=new_id("apikey"),
        name=name,
        user=user,
        type=key_type,
        source=source,
        read_only=read_only,
        token_digest=token_digest(token),
    )
    api_key.full_clean()
    api_key.save()
    log.info("api key %s (%s) created for user %s", api_key.apikey_id, key_type, user.user_id)
    return api_key, token


@dataclasses.dataclass(frozen=True)
class AdminCredentials:
    user_name: str
    password: str
    api_key: str


@transaction.atomic(durable=True)
def admin_bootstrap(*, password: str | None = None) -> AdminCredentials | None:
    """Creates the admin user and its API key at first start; None when they already exist.

    No default password: ``password`` (from ``BMP_ADMIN_PASSWORD``) or a generated one.
    """
    if User.objects.select_for_update().filter(user_name=ADMIN_USER_NAME).exists():
        return None
    chosen = password or new_password()
    admin = user_create(user_name=ADMIN_USER_NAME, password=chosen, role_id=ROLE_ADMIN)
    _, token = apikey_create(user=admin, name="admin", key_type=ApiKeyType.USER)
    return AdminCredentials(user_name=ADMIN_USER_NAME, password=chosen, api_key=token)
