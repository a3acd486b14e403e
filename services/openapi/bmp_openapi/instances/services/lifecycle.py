"""Every change of an instance's status goes through ``instance_transition`` and the table of
``states.TRANSITIONS``; an action it does not allow is a 409 naming what is allowed now."""

from __future__ import annotations

import logging

from bmp_common.errors import BmpError
from bmp_common.i18n import EN_US, ZH_CN
from bmp_openapi.instances import choices, states
from bmp_openapi.instances.error_codes import ACTION_REFUSED, INSTANCE_NOT_FOUND, LOCKED
from bmp_openapi.instances.models import STATUS_WRITER, Instance

log = logging.getLogger(__name__)


def instance_lock(*, instance_id: str) -> Instance:
    """The live instance's row, locked for the rest of the transaction."""
    instance = Instance.objects.select_for_update().filter(instance_id=instance_id).first()
    if instance is None:
        raise BmpError(INSTANCE_NOT_FOUND, instance_id=instance_id)
    return instance


def _names(actions: list[str], language: str) -> str:
    names = ", ".join(choices.ACTION_NAMES[action][language] for action in actions)
    return names or ("无" if language == ZH_CN else "none")


def instance_check(instance: Instance, action: str) -> str:
    """The status ``action`` leads to, or a 409 (status, allowed actions, or the lock)."""
    locked = instance.locked == choices.LOCKED
    if locked and action in states.REFUSED_WHEN_LOCKED:
        raise BmpError(
            LOCKED,
            instance_id=instance.instance_id,
            action=choices.ACTION_NAMES[action][EN_US],
            action_zh=choices.ACTION_NAMES[action][ZH_CN],
        )
    after = states.next_status(instance.status, action)
    if after is None:
        allowed = states.allowed_actions(instance.status, locked=locked)
        raise BmpError(
            ACTION_REFUSED,
            instance_id=instance.instance_id,
            status=instance.status,
            status_zh=choices.STATUS_NAMES[instance.status][ZH_CN],
            action=choices.ACTION_NAMES[action][EN_US],
            action_zh=choices.ACTION_NAMES[action][ZH_CN],
            allowed=_names(allowed, EN_US),
            allowed_zh=_names(allowed, ZH_CN),
        )
    return after


def instance_transition(instance: Instance, event: str, *, actor_name: str, **changes) -> str:
    """The one writer of an instance's status: the status ``event`` leads to by
    ``states.TRANSITIONS`` (409 when the table has no such edge, or the lock refuses it), saved
    with ``changes`` (other columns) and logged old -> new (ERROR for failure states)."""
    before = instance.status
    after = instance_check(instance, event)
    instance.status = after
    instance.updated_by = actor_name
    for column, value in changes.items():
        setattr(instance, column, value)
    token = STATUS_WRITER.set(True)
    try:
        instance.save(update_fields=["status", "updated_by", "updated_at", *changes])
    finally:
        STATUS_WRITER.reset(token)
    level = logging.ERROR if after in states.JOB_FAILURES else logging.INFO
    log.log(level, "instance %s: %s -> %s (%s)", instance.instance_id, before, after, event)
    return after
