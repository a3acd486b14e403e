"""moveUserInstances: some instances of a project go to a project of another (or the same)
user, as moveUserProject moves a whole project."""

from __future__ import annotations

from django.db import transaction

from bmp_common.db import unique_or_conflict
from bmp_common.errors import BmpError
from bmp_openapi.accounts.models import User
from bmp_openapi.devices.models import Device
from bmp_openapi.instances.choices import MAX_COUNT
from bmp_openapi.instances.error_codes import (
    INSTANCE_NOT_FOUND,
    MOVER_NAME_TAKEN,
    NOT_MOVER_PROJECT,
    TOO_MANY_IDS,
)
from bmp_openapi.instances.models import Instance
from bmp_openapi.projects.error_codes import OWNER_MISMATCH
from bmp_openapi.projects.models import Project
from bmp_openapi.projects.selectors import project_get_owned, user_get


def _target_project(*, project_id: str, mover: User) -> Project:
    """The mover's project. Another user's project and a missing one get the same answer, so
    the call tells nothing of projects the caller cannot see."""
    project = Project.objects.select_for_update().filter(project_id=project_id, user=mover).first()
    if project is None:
        raise BmpError(NOT_MOVER_PROJECT, project_id=project_id, user_id=mover.user_id)
    return project


@transaction.atomic(durable=True)
def instances_move(
    *,
    actor: User,
    instance_ids: list[str],
    owner_project_id: str,
    owner_id: str,
    mover_project_id: str,
    mover_id: str,
) -> None:
    """All or nothing. The instances take the target project's owner as theirs (and their
    devices' user columns follow); they leave the source project's shares behind and are
    shared as the target project is."""
    if len(instance_ids) > MAX_COUNT:
        raise BmpError(TOO_MANY_IDS, field="instanceIDs", most=MAX_COUNT)
    # Owned: on the console the admin is a tenant too (moveUserProject's admin exception would
    # let them take any tenant's instances).
    source = project_get_owned(project_id=owner_project_id, actor=actor)
    if source.user.user_id != owner_id:
        raise BmpError(OWNER_MISMATCH, owner_id=owner_id, project_id=source.project_id)
    mover = user_get(user_id=mover_id)
    target = _target_project(project_id=mover_project_id, mover=mover)
    found = {
        instance.instance_id: instance
        for instance in Instance.objects.select_for_update().filter(
            project=source, instance_id__in=instance_ids
        )
    }
    for instance_id in instance_ids:
        if instance_id not in found:  # not there, or in a project the caller may not move
            raise BmpError(INSTANCE_NOT_FOUND, instance_id=instance_id)
    for instance_id in instance_ids:
        instance = found[instance_id]
        instance.project = target
        instance.user = mover
        instance.updated_by = actor.user_name
        # the name is unique among the new owner's instances
        with unique_or_conflict(
            MOVER_NAME_TAKEN, user_id=mover.user_id, name=instance.instance_name
        ):
            instance.save(update_fields=["project", "user", "updated_by", "updated_at"])
    Device.objects.filter(instance_id__in=instance_ids).update(
        user_id=mover.user_id, user_name=mover.user_name
    )
