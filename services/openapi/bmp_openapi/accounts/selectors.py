"""Reads of the accounts app."""

from __future__ import annotations

from functools import cache, lru_cache

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from bmp_common.contract import load_contract
from bmp_common.db import Arg, Statement
from bmp_common.errors import BmpError
from bmp_common.ids import token_digest
from bmp_openapi.accounts.choices import ROLE_USER
from bmp_openapi.accounts.error_codes import (
    APIKEY_NOT_FOUND,
    ROLE_NOT_FOUND,
    USER_NAME_NOT_FOUND,
    USER_NOT_FOUND,
)
from bmp_openapi.accounts.models import ApiKey, Role, User
from bmp_openapi.instances.models import Instance
from bmp_openapi.projects.models import Project


def apikey_by_token(token: str) -> ApiKey | None:
    """The key a bearer token names; None if unknown or if its user was deleted. Every request
    runs it, so its SQL is compiled once (bmp_common.db.Statement), and run each time."""
    return _APIKEY_BY_DIGEST.first(digest=token_digest(token))


def _live_apikeys() -> QuerySet[ApiKey]:
    """Keys of live users, with the user and role (what a request acts as)."""
    return ApiKey.objects.select_related("user", "user__role").filter(user__delete_marker=0)


_APIKEY_BY_DIGEST = Statement(lambda: _live_apikeys().filter(token_digest=Arg("digest"))[:1])


def acting_user(user_id: str) -> User | None:
    """The live user a ``system`` key acts for (``bmpUserId``), with the role: every request
    of the BFFs reads one, so this SQL is compiled once too."""
    return _USER_BY_ID.first(user_id=user_id)


_USER_BY_ID = Statement(
    lambda: User.objects.select_related("role").filter(user_id=Arg("user_id"))[:1]
)


@lru_cache(maxsize=1)
def timezone_names() -> frozenset[str]:
    """The IANA zones a user may choose: the contract's ``Timezone`` enum, the one list."""
    return frozenset(load_contract()["definitions"]["Timezone"]["enum"])


# Users


def _users() -> QuerySet[User]:
    """Users with upstream's summary fields: live projects owned and instances, and the name
    of the default project.

    A copy of one queryset built once (as a view's class-level ``queryset``): building its
    three subqueries cost a quarter of describeLocalUser's time. Never evaluated itself, so it
    holds no rows; each caller filters and reads its own copy."""
    return _users_queryset().all()


@cache
def _users_queryset() -> QuerySet[User]:
    instances = (
        Instance.objects.filter(user=OuterRef("pk"))
        .order_by()
        .values("user")
        .annotate(count=Count("pk"))
        .values("count")
    )
    projects = (
        Project.objects.filter(user=OuterRef("pk"))
        .order_by()
        .values("user")
        .annotate(count=Count("pk"))
        .values("count")
    )
    default_project = Project.objects.filter(project_id=OuterRef("default_project_id"))
    return User.objects.select_related("role").annotate(
        instance_count=Coalesce(Subquery(instances, output_field=IntegerField()), Value(0)),
        project_count=Coalesce(Subquery(projects, output_field=IntegerField()), Value(0)),
        default_project_name=Coalesce(
            Subquery(default_project.values("project_name")[:1]), Value("")
        ),
    )


# describeUser and describeLocalUser (which measures what any request costs: bench/api_list.py)
_USER_WITH_COUNTS_BY_ID = Statement(lambda: _users_queryset().filter(user_id=Arg("user_id"))[:1])


def console_user_list(*, actor: User, user_name: str = "") -> QuerySet[User]:
    """The tenants (role user) a tenant may share a project with or move one to: everyone of
    that role but ``actor``; ``user_name``: that exact name only."""
    queryset = User.objects.filter(role__role_id=ROLE_USER).exclude(pk=actor.pk)
    if user_name:
        queryset = queryset.filter(user_name=user_name)
    return queryset.order_by("user_name", "id")


def user_list(*, filters: dict) -> QuerySet[User]:
    queryset = _users()
    if filters.get("userName"):
        queryset = queryset.filter(user_name__icontains=filters["userName"])
    if filters.get("roleId"):
        role_ids = [part.strip() for part in filters["roleId"].split(",") if part.strip()]
        queryset = queryset.filter(role__role_id__in=role_ids)
    if filters.get("defaultProjectId"):
        queryset = queryset.filter(default_project_id=filters["defaultProjectId"])
    return queryset


def user_get(*, user_id: str) -> User:
    user = _USER_WITH_COUNTS_BY_ID.first(user_id=user_id)
    if user is None:
        raise BmpError(USER_NOT_FOUND, user_id=user_id)
    return user


def user_get_by_name(*, user_name: str) -> User:
    user = _users().filter(user_name=user_name).first()
    if user is None:
        raise BmpError(USER_NAME_NOT_FOUND, user_name=user_name)
    return user


# Roles


def _with_user_count(queryset: QuerySet[Role]) -> QuerySet[Role]:
    return queryset.annotate(
        user_count=Count("users", filter=Q(users__delete_marker=0), distinct=True)
    )


def role_list() -> QuerySet[Role]:
    return _with_user_count(Role.objects.all())


def role_get(*, role_id: str) -> Role:
    role = _with_user_count(Role.objects.filter(role_id=role_id)).first()
    if role is None:
        raise BmpError(ROLE_NOT_FOUND, role_id=role_id)
    return role


# API keys: a caller sees only their own keys, made on the portal they are using.


def apikey_list(*, user: User, source: str, filters: dict) -> QuerySet[ApiKey]:
    queryset = ApiKey.objects.filter(user=user, source=source).select_related("user")
    if filters.get("name"):
        queryset = queryset.filter(name=filters["name"])
    if filters.get("type"):
        queryset = queryset.filter(type=filters["type"])
    return queryset


def apikey_get(*, user: User, source: str, apikey_id: str) -> ApiKey:
    api_key = (
        ApiKey.objects.filter(user=user, source=source, apikey_id=apikey_id)
        .select_related("user")
        .first()
    )
    if api_key is None:
        raise BmpError(APIKEY_NOT_FOUND, apikey_id=apikey_id)
    return api_key
