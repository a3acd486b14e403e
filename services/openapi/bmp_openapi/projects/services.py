"""Writes of projects and their shares.

Every user has exactly one default project, created with the user; it cannot be deleted. Project
names are unique per owner among live projects (a database constraint).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from bmp_common.db import unique_or_conflict
from bmp_common.errors import BmpError, Localized
from bmp_common.ids import new_id
from bmp_common.unset import UNSET, Unset, assign_given
from bmp_openapi.accounts.models import User
from bmp_openapi.core import events
from bmp_openapi.projects.error_codes import (
    DEFAULT_EXISTS,
    IS_DEFAULT,
    MOVE_TO_OWNER,
    NAME_TAKEN,
    NOT_IN_PROJECT,
    NOT_OWNER,
    ONLY_PROJECT,
    OWNER_MISMATCH,
    PROJECT_IN_USE,
    SHARE_NOT_FOUND,
    SHARE_WITH_OWNER,
    TOO_MANY_SHARED,
)
from bmp_openapi.projects.models import Project, SharingProject
from bmp_openapi.projects.selectors import user_get

DEFAULT_PROJECT_NAME = "default project"


def _locked(project: Project) -> Project:
    return Project.objects.select_for_update().select_related("user").get(pk=project.pk)


def _save(project: Project, **kwargs) -> None:
    """Saves, turning a broken uniqueness rule into the 409 that names it."""

    def broken_rule() -> BmpError:
        live = Project.objects.filter(user=project.user).exclude(pk=project.pk)
        if project.is_default and live.filter(is_default=True).exists():
            return BmpError(DEFAULT_EXISTS, user_name=project.user.user_name)
        return BmpError(NAME_TAKEN, user_name=project.user.user_name, name=project.project_name)

    with unique_or_conflict(broken_rule):
        project.save(**kwargs)


def _make_default(project: Project) -> None:
    """Records ``project`` as its owner's default on the user too (upstream's column)."""
    owner = project.user
    owner.default_project_id = project.project_id
    owner.save(update_fields=["default_project_id", "updated_at"])


def _check_owner_id(project: Project, owner_id: str) -> None:
    if project.user.user_id != owner_id:
        raise BmpError(OWNER_MISMATCH, owner_id=owner_id, project_id=project.project_id)


def project_create_default(*, user: User) -> Project:
    """The default project every user gets at creation (inside the caller's transaction)."""
    project = Project(
        project_id=new_id("project"),
        project_name=DEFAULT_PROJECT_NAME,
        user=user,
        is_default=True,
        created_by=user.user_name,
        updated_by=user.user_name,
    )
    _save(project)
    _make_default(project)
    return project


@transaction.atomic(durable=True)
def project_create(
    *, project_name: str, is_default: bool = False, is_system: bool = False, actor: User
) -> Project:
    """A new project of the caller's; ``is_default`` makes it their default project."""
    if is_default:
        previous = Project.objects.select_for_update().filter(user=actor, is_default=True)
        for old_default in previous:
            old_default.is_default = None
            old_default.save(update_fields=["is_default", "updated_at"])
    project = Project(
        project_id=new_id("project"),
        project_name=project_name,
        user=actor,
        is_default=True if is_default else None,
        is_system=is_system,
        created_by=actor.user_name,
        updated_by=actor.user_name,
    )
    _save(project)
    if project.is_default:
        _make_default(project)
    return project


@transaction.atomic(durable=True)
def project_modify(
    *,
    project: Project,
    project_name: str | Unset = UNSET,
    description: str | Unset = UNSET,
    actor: User,
) -> Project:
    """Renames the project and/or describes it."""
    locked = _locked(project)
    changed = assign_given(locked, project_name=project_name, description=description)
    locked.updated_by = actor.user_name
    _save(locked, update_fields=[*changed, "updated_by", "updated_at"])
    return locked


@transaction.atomic(durable=True)
def project_delete(*, project: Project, actor: User) -> None:
    locked = _locked(project)
    if locked.is_default:
        raise BmpError(IS_DEFAULT, project_id=locked.project_id)
    label = events.first_answer(events.project_in_use, Project, project=locked)
    if label is not None:
        raise BmpError(PROJECT_IN_USE, project_id=locked.project_id, what=Localized.of(label))
    for share in SharingProject.objects.filter(project=locked):
        share.mark_deleted(actor=actor.user_name)
    locked.mark_deleted(actor=actor.user_name)


WHOLE_PROJECT = "all"  # upstream's instanceIDs for a share of every instance
MAX_SHARED_IDS = 100  # as many as one call may act on elsewhere


def _listed_instances(project: Project, instance_ids: list[str]) -> list:
    """The project's live instances named, in order; every id must be one of them."""
    if len(instance_ids) > MAX_SHARED_IDS:
        raise BmpError(TOO_MANY_SHARED, most=MAX_SHARED_IDS)
    instance_model = SharingProject.instances.field.related_model
    found = {
        instance.instance_id: instance
        for instance in instance_model.objects.filter(project=project, instance_id__in=instance_ids)
    }
    for instance_id in instance_ids:
        if instance_id not in found:
            raise BmpError(NOT_IN_PROJECT, instance_id=instance_id, project_id=project.project_id)
    return [found[instance_id] for instance_id in instance_ids]


@transaction.atomic(durable=True)
def project_share(
    *,
    project: Project,
    owner_id: str,
    sharer_id: str,
    permission: str,
    instance_ids: list[str] | None = None,
    actor: User,
) -> SharingProject:
    """Shares the project with an existing user: the whole project as it grows
    (``instance_ids`` None), or only the instances named. Sharing again replaces what is
    shared and the permission."""
    locked = _locked(project)
    _check_owner_id(locked, owner_id)
    sharer = user_get(user_id=sharer_id)
    if sharer.pk == locked.user_id:
        raise BmpError(SHARE_WITH_OWNER)
    listed = [] if instance_ids is None else _listed_instances(locked, instance_ids)
    share = SharingProject.objects.filter(project=locked, shared_user=sharer).first()
    if share is None:
        share = SharingProject(project=locked, shared_user=sharer, created_by=actor.user_name)
    share.permission = permission
    share.whole_project = instance_ids is None
    share.updated_by = actor.user_name
    share.save()
    share.instances.set(listed)
    return share


@transaction.atomic(durable=True)
def project_cancel_share(*, project: Project, owner_id: str, sharer_id: str, actor: User) -> None:
    """Ends a share: the owner may end any, the user it is shared with may leave it."""
    locked = _locked(project)
    if actor.pk != locked.user_id and actor.user_id != sharer_id:
        raise BmpError(NOT_OWNER, project_id=locked.project_id)
    _check_owner_id(locked, owner_id)
    share = SharingProject.objects.filter(project=locked, shared_user__user_id=sharer_id).first()
    if share is None:
        raise BmpError(SHARE_NOT_FOUND, project_id=locked.project_id, user_id=sharer_id)
    share.mark_deleted(actor=actor.user_name)


@transaction.atomic(durable=True)
def project_move(*, project: Project, owner_id: str, mover_id: str, actor: User) -> Project:
    """Gives the project to another user. A share they had of it ends (they own it now); other
    shares stay. A default project leaves its default role to the owner's oldest other
    project; the moved project is not the new owner's default."""
    locked = _locked(project)
    _check_owner_id(locked, owner_id)
    mover = user_get(user_id=mover_id)
    old_owner = locked.user
    if mover.pk == old_owner.pk:
        raise BmpError(MOVE_TO_OWNER, project_id=locked.project_id, user_id=mover.user_id)
    if locked.is_default:
        heir = (
            Project.objects.select_for_update()
            .filter(user=old_owner)
            .exclude(pk=locked.pk)
            .order_by("created_at", "id")
            .first()
        )
        if heir is None:
            raise BmpError(
                ONLY_PROJECT, project_id=locked.project_id, user_name=old_owner.user_name
            )
        locked.is_default = None
        locked.save(update_fields=["is_default", "updated_at"])
        heir.is_default = True
        heir.save(update_fields=["is_default", "updated_at"])
        _make_default(heir)
    for share in SharingProject.objects.filter(project=locked, shared_user=mover):
        share.mark_deleted(actor=actor.user_name)
    locked.user = mover
    locked.updated_by = actor.user_name
    _save(locked, update_fields=["user", "updated_by", "updated_at"])
    events.project_moved.send(sender=Project, project=locked, old_owner=old_owner, new_owner=mover)
    return locked


def projects_of_deleted_user(*, user: User, actor: User) -> None:
    """What a deleted user leaves (``core.events.user_deleting``): their projects, the shares of
    those projects, and the shares others gave them."""
    shares = SharingProject.objects.filter(Q(shared_user=user) | Q(project__user=user))
    for share in shares:
        share.mark_deleted(actor=actor.user_name)
    for project in Project.objects.filter(user=user):
        project.mark_deleted(actor=actor.user_name)
