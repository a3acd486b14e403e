"""Writes of the accounts app: users, their passwords, the first start, roles and API keys."""

from __future__ import annotations

import dataclasses
import hashlib
import logging

from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import transaction

from bmp_common.api.fields import DEFAULT_TIMEZONE
from bmp_common.db import unique_or_conflict
from bmp_common.errors import BmpError, Localized
from bmp_common.ids import new_id, new_password, new_token, token_digest
from bmp_common.unset import UNSET, Unset, assign_given, given
from bmp_openapi.accounts.choices import (
    ADMIN_USER_NAME,
    ROLE_ADMIN,
    ROLE_OPERATOR,
    ROLE_USER,
    ApiKeySource,
    ApiKeyType,
    Language,
)
from bmp_openapi.accounts.error_codes import (
    APIKEY_LIMIT,
    APIKEY_NAME_TAKEN,
    ROLE_BUILT_IN,
    ROLE_IN_USE,
    ROLE_NAME_TAKEN,
    ROLE_NOT_FOUND,
    SYSTEM_KEY_ADMIN_ONLY,
    TOO_MANY_FAILURES,
    USER_DELETE_SELF,
    USER_IN_USE,
    USER_NAME_TAKEN,
    USER_UNDELETABLE,
    WRONG_OLD_PASSWORD,
)
from bmp_openapi.accounts.models import ApiKey, Role, User
from bmp_openapi.accounts.selectors import apikey_by_token
from bmp_openapi.core import events
from bmp_openapi.projects.services import project_create_default

log = logging.getLogger(__name__)


# API field -> model column, for what a user's profile may change.
@transaction.atomic
def user_create(
    *,
    user_name: str,
    password: str,
    role_id: str,
    language: str = Language.EN_US,
    timezone: str = DEFAULT_TIMEZONE,
    email: str = "",
    phone_prefix: str = "",
    phone_number: str = "",
    description: str = "",
    created_by: str = "",
) -> User:
    role = Role.objects.filter(role_id=role_id).first()
    if role is None:
        raise BmpError(ROLE_NOT_FOUND, role_id=role_id)
    user = User(
        user_id=new_id("user"),
        user_name=user_name,
        role=role,
        language=language,
        timezone=timezone,
        email=email,
        phone_prefix=phone_prefix,
        phone_number=phone_number,
        description=description,
        created_by=created_by,
        updated_by=created_by,
    )
    user.set_password(password)
    user.full_clean(validate_unique=False, validate_constraints=False)
    with unique_or_conflict(USER_NAME_TAKEN, user_name=user_name):
        user.save()
    project_create_default(user=user)
    log.info("user %s created with role %s", user.user_id, role_id)
    return user


@transaction.atomic(durable=True)
def user_add(
    *,
    user_name: str,
    password: str,
    role_id: str,
    language: str = Language.EN_US,
    timezone: str = DEFAULT_TIMEZONE,
    email: str = "",
    phone_prefix: str = "",
    phone_number: str = "",
    description: str = "",
    actor: User,
) -> User:
    """createUser: a user made by ``actor``."""
    return user_create(
        user_name=user_name,
        password=password,
        role_id=role_id,
        language=language,
        timezone=timezone,
        email=email,
        phone_prefix=phone_prefix,
        phone_number=phone_number,
        description=description,
        created_by=actor.user_name,
    )


@transaction.atomic(durable=True)
def user_modify(
    *,
    user: User,
    email: str | Unset = UNSET,
    phone_prefix: str | Unset = UNSET,
    phone_number: str | Unset = UNSET,
    description: str | Unset = UNSET,
    language: str | Unset = UNSET,
    timezone: str | Unset = UNSET,
    actor: User,
) -> User:
    """modifyUser and modifyLocalUser: the profile fields given, nothing else."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    changed = assign_given(
        locked,
        email=email,
        phone_prefix=phone_prefix,
        phone_number=phone_number,
        description=description,
        language=language,
        timezone=timezone,
    )
    locked.updated_by = actor.user_name
    locked.save(update_fields=[*changed, "updated_by", "updated_at"])
    return locked


@transaction.atomic(durable=True)
def user_delete(*, user: User, actor: User) -> None:
    """Soft-deletes ``user`` (the name becomes free again) and removes their API keys."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.pk == actor.pk:
        raise BmpError(USER_DELETE_SELF)
    if locked.user_name == ADMIN_USER_NAME:
        raise BmpError(USER_UNDELETABLE, user_name=locked.user_name)
    label = events.first_answer(events.user_in_use, User, user=locked)
    if label is not None:
        raise BmpError(USER_IN_USE, user_id=locked.user_id, what=Localized.of(label))
    events.user_deleting.send(sender=User, user=locked, actor=actor)
    ApiKey.objects.filter(user=locked).delete()
    locked.mark_deleted(actor=actor.user_name)
    log.info("user %s deleted by %s", locked.user_id, actor.user_id)


# Passwords. Failed attempts are counted per user name and source address in the cache: after
# FAILURE_LIMIT within FAILURE_WINDOW seconds, every attempt for that name from that address is
# refused (429) until the window ends. Per address, so that guessing from one place cannot lock
# the admin out everywhere else (the source: accounts.authentication.client_address).

FAILURE_LIMIT = 5
FAILURE_WINDOW = 300


def _failure_key(user_name: str, source: str) -> str:
    digest = hashlib.sha256(f"{user_name}\0{source}".encode()).hexdigest()
    return "accounts:password-failures:" + digest


def _refuse_if_locked(user_name: str, source: str) -> None:
    if (cache.get(_failure_key(user_name, source)) or 0) >= FAILURE_LIMIT:
        raise BmpError(TOO_MANY_FAILURES, user_name=user_name, minutes=FAILURE_WINDOW // 60)


def _record_failure(user_name: str, source: str) -> None:
    key = _failure_key(user_name, source)
    log.warning("failed password attempt for user name %r from %s", user_name[:64], source)
    if cache.add(key, 1, timeout=FAILURE_WINDOW):
        return
    try:
        cache.incr(key)  # keeps the window the first failure opened
    except ValueError:  # expired in between: this failure opens a new window
        cache.add(key, 1, timeout=FAILURE_WINDOW)


def _clear_failures(user_name: str, source: str) -> None:
    cache.delete(_failure_key(user_name, source))


def user_verify(*, user_name: str, password: str, role_id: str, source: str) -> bool:
    """verifyUser: the password is right and the user has ``role_id`` (or is an admin).

    ``source`` is the address the login comes from, for the failed-attempt counter.
    """
    _refuse_if_locked(user_name, source)
    user = User.objects.select_related("role").filter(user_name=user_name).first()
    if user is None:
        make_password(password)  # the same cost as a real check: no hint the name is unknown
        _record_failure(user_name, source)
        return False
    if not user.check_password(password):
        _record_failure(user_name, source)
        return False
    _clear_failures(user_name, source)
    return user.role.role_id in (role_id, ROLE_ADMIN)


@transaction.atomic(durable=True)
def user_change_password(*, user: User, old_password: str, password: str, source: str) -> None:
    """modifyLocalUserPassword: ``old_password`` must be the current one."""
    _refuse_if_locked(user.user_name, source)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.check_password(old_password):
        _record_failure(locked.user_name, source)
        raise BmpError(WRONG_OLD_PASSWORD)
    locked.set_password(password)
    locked.updated_by = locked.user_name
    locked.save(update_fields=["password", "updated_by", "updated_at"])
    _clear_failures(locked.user_name, source)
    log.info("user %s changed their password", locked.user_id)


# API keys, as the first start and the tests make them (the API goes through apikey_add).


@transaction.atomic
def apikey_create(
    *,
    user: User,
    name: str,
    key_type: str = ApiKeyType.USER,
    source: str = ApiKeySource.OPERATION,
    read_only: bool = False,
    created_by: str = "",
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
        created_by=created_by,
        updated_by=created_by,
    )
    api_key.full_clean(validate_unique=False, validate_constraints=False)
    with unique_or_conflict(APIKEY_NAME_TAKEN, name=name):
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


BFF_KEY_NAME = "bmp-bff"


@transaction.atomic(durable=True)
def bff_key_ensure(*, current_token: str = "") -> str | None:
    """The ``system`` key our BFFs use: a new one unless ``current_token`` is still that key.

    Returns the new token (the caller saves it; only its digest is kept) or None when the
    current one stands. Needs the admin, who owns it; an older key of that name is replaced.
    """
    existing = apikey_by_token(current_token) if current_token else None
    if existing is not None and existing.type == ApiKeyType.SYSTEM:
        return None
    admin = User.objects.get(user_name=ADMIN_USER_NAME)
    ApiKey.objects.filter(user=admin, type=ApiKeyType.SYSTEM, name=BFF_KEY_NAME).delete()
    _, token = apikey_create(user=admin, name=BFF_KEY_NAME, key_type=ApiKeyType.SYSTEM)
    return token


# -- Roles. The three built-in roles keep their ids and names: RBAC depends on them.

BUILT_IN_ROLES = frozenset({ROLE_ADMIN, ROLE_OPERATOR, ROLE_USER})

# API field -> model column
NAME_COLUMNS = ("role_name_en", "role_name_cn")


def _save(role: Role, **kwargs) -> None:

    def broken_rule() -> BmpError:
        taken = next(
            (
                getattr(role, column)
                for column in NAME_COLUMNS
                if Role.objects.filter(**{column: getattr(role, column)})
                .exclude(pk=role.pk)
                .exists()
            ),
            role.role_name_en,
        )
        return BmpError(ROLE_NAME_TAKEN, name=taken)

    with unique_or_conflict(broken_rule):
        role.save(**kwargs)


@transaction.atomic(durable=True)
def role_create(
    *,
    role_name_en: str,
    role_name_cn: str,
    description_en: str = "",
    description_cn: str = "",
    actor: User,
) -> Role:
    role = Role(
        role_id=new_id("role"),
        role_name_en=role_name_en,
        role_name_cn=role_name_cn,
        description_en=description_en,
        description_cn=description_cn,
        created_by=actor.user_name,
        updated_by=actor.user_name,
    )
    _save(role)
    return role


@transaction.atomic(durable=True)
def role_modify(
    *,
    role: Role,
    role_name_en: str | Unset = UNSET,
    role_name_cn: str | Unset = UNSET,
    description_en: str | Unset = UNSET,
    description_cn: str | Unset = UNSET,
    actor: User,
) -> Role:
    """A built-in role keeps its names; its descriptions may change."""
    locked = Role.objects.select_for_update().get(pk=role.pk)
    names = given(role_name_en=role_name_en, role_name_cn=role_name_cn)
    if locked.role_id in BUILT_IN_ROLES and any(
        value != getattr(locked, column) for column, value in names.items()
    ):
        raise BmpError(ROLE_BUILT_IN, role_id=locked.role_id)
    changed = assign_given(
        locked, **names, description_en=description_en, description_cn=description_cn
    )
    locked.updated_by = actor.user_name
    _save(locked, update_fields=[*changed, "updated_by", "updated_at"])
    return locked


@transaction.atomic(durable=True)
def role_delete(*, role: Role, actor: User) -> None:
    locked = Role.objects.select_for_update().get(pk=role.pk)
    if locked.role_id in BUILT_IN_ROLES:
        raise BmpError(ROLE_BUILT_IN, role_id=locked.role_id)
    # Lock the role's users too: none may be created with it or moved to it meanwhile.
    users = User.objects.select_for_update().filter(role=locked).count()
    if users:
        raise BmpError(ROLE_IN_USE, role_id=locked.role_id, count=users)
    locked.mark_deleted(actor=actor.user_name)


# -- API keys through the API: a caller manages only their own keys.

# Keys one user may hold on one portal (upstream allowed 2; a few more for rotation and tools).
MAX_KEYS_PER_SOURCE = 10


@transaction.atomic(durable=True)
def apikey_add(
    *, user: User, source: str, name: str, key_type: str, read_only: bool
) -> tuple[ApiKey, str]:
    """createUserApikey: a key of ``user`` on portal ``source``; returns it with its token."""
    if key_type == ApiKeyType.SYSTEM and user.role.role_id != ROLE_ADMIN:
        raise BmpError(SYSTEM_KEY_ADMIN_ONLY)
    # The user's row serialises concurrent creates, so the limit holds.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiKey.objects.filter(user=user, source=source).count() >= MAX_KEYS_PER_SOURCE:
        raise BmpError(APIKEY_LIMIT, limit=MAX_KEYS_PER_SOURCE)
    return apikey_create(
        user=user,
        name=name,
        key_type=key_type,
        source=source,
        read_only=read_only,
        created_by=user.user_name,
    )


@transaction.atomic(durable=True)
def apikey_modify(
    *,
    api_key: ApiKey,
    name: str | Unset = UNSET,
    read_only: bool | Unset = UNSET,
    actor: User,
) -> ApiKey:
    locked = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    changed = assign_given(locked, name=name, read_only=read_only)
    locked.updated_by = actor.user_name
    with unique_or_conflict(APIKEY_NAME_TAKEN, name=locked.name):
        locked.save(update_fields=[*changed, "updated_by", "updated_at"])
    return locked


@transaction.atomic(durable=True)
def apikey_delete(*, api_key: ApiKey, actor: User) -> None:
    """Deleted for good: the token stops working at once."""
    ApiKey.objects.filter(pk=api_key.pk).delete()
    log.info("api key %s deleted by %s", api_key.apikey_id, actor.user_id)
