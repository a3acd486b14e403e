"""Writes of roles. The three built-in roles keep their ids and names: RBAC depends on them."""

from __future__ import annotations

from django.db import transaction

from bmp_common.db import unique_or_conflict
from bmp_common.errors import BmpError
from bmp_common.ids import new_id
from bmp_openapi.accounts.choices import ROLE_ADMIN, ROLE_OPERATOR, ROLE_USER
from bmp_openapi.accounts.error_codes import ROLE_BUILT_IN, ROLE_IN_USE, ROLE_NAME_TAKEN
from bmp_openapi.accounts.models import Role, User

BUILT_IN_ROLES = frozenset({ROLE_ADMIN, ROLE_OPERATOR, ROLE_USER})

# API field -> model column
ROLE_FIELDS = {
    "roleNameEn": "role_name_en",
    "roleNameCn": "role_name_cn",
    "descriptionEn": "description_en",
    "descriptionCn": "description_cn",
}
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
def role_create(*, data: dict, actor: User) -> Role:
    role = Role(role_id=new_id("role"), created_by=actor.user_name, updated_by=actor.user_name)
    for field, column in ROLE_FIELDS.items():
        setattr(role, column, data.get(field, ""))
    _save(role)
    return role


@transaction.atomic(durable=True)
def role_modify(*, role: Role, data: dict, actor: User) -> Role:
    locked = Role.objects.select_for_update().get(pk=role.pk)
    changed = []
    for field, column in ROLE_FIELDS.items():
        if field in data:
            if (
                column in NAME_COLUMNS
                and locked.role_id in BUILT_IN_ROLES
                and data[field] != getattr(locked, column)
            ):
                raise BmpError(ROLE_BUILT_IN, role_id=locked.role_id)
            setattr(locked, column, data[field])
            changed.append(column)
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
