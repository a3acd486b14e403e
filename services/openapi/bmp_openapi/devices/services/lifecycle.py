"""Changes of a device's management status, all through ``device_transition`` and
``states.TRANSITIONS``."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from bmp_common.errors import BmpError
from bmp_common.i18n import EN_US, ZH_CN
from bmp_common.messages import jobs
from bmp_openapi.core import events
from bmp_openapi.devices import states
from bmp_openapi.devices.choices import ACTION_NAMES, MANAGE_STATUS_NAMES
from bmp_openapi.devices.error_codes import (
    ACTION_REFUSED,
    DEVICE_NOT_FOUND,
    NO_DEVICE_TYPE,
    NO_INSTANCE_TO_REMOVE,
)
from bmp_openapi.devices.models import Device
from bmp_openapi.jobs.services.submission import job_submit

log = logging.getLogger(__name__)


def device_lock(*, device_id: str) -> Device:
    """The live device, locked for the rest of the transaction (404 when there is none).

    Only the device's row: a join here would lock its IDC and device type rows as well on MySQL
    (and MariaDB has no ``FOR UPDATE OF``).
    """
    device = Device.objects.select_for_update().filter(device_id=device_id).first()
    if device is None:
        raise BmpError(DEVICE_NOT_FOUND, device_id=device_id)
    return device


def _names(values, names: dict, language: str) -> str:
    return ", ".join(names[value][language] for value in values) or (
        "无" if language == ZH_CN else "none"
    )


def device_check(device: Device, action: str) -> str:
    """The status ``action`` leads to; a 409 naming the status and the allowed actions if the
    table does not allow it now."""
    after = states.next_status(device.manage_status, action)
    if after is None:
        allowed = states.allowed_actions(device.manage_status)
        raise BmpError(
            ACTION_REFUSED,
            device_id=device.device_id,
            status=device.manage_status,
            status_zh=MANAGE_STATUS_NAMES[device.manage_status][ZH_CN],
            action=ACTION_NAMES[action][EN_US],
            action_zh=ACTION_NAMES[action][ZH_CN],
            allowed=_names(allowed, ACTION_NAMES, EN_US),
            allowed_zh=_names(allowed, ACTION_NAMES, ZH_CN),
        )
    return after


def device_transition(*, device: Device, action: str, actor_name: str, **changes) -> str:
    """Applies ``action`` to a locked ``device``: the one place ``manage_status`` changes.

    ``changes`` are other columns saved with it (the scheduler passes the put-away check's
    ``reason`` with MOUNT_FAILED; remove clears the instance link). Returns the new status.
    """
    before = device.manage_status
    after = device_check(device, action)
    fields = ["updated_by", "updated_at", *changes]
    if after != before:
        device.manage_status = after
        fields.append("manage_status")
    for column, value in changes.items():
        setattr(device, column, value)
    device.updated_by = actor_name
    device.save(update_fields=fields)
    level = logging.ERROR if after == states.PUTAWAYFAIL else logging.INFO
    log.log(level, "device %s: %s -> %s (%s)", device.device_id, before, after, action)
    return after


def devices_transition(
    *, devices: list[Device], action: str, actor_name: str, changes: list[dict]
) -> None:
    """``device_transition`` of each of ``devices`` (locked), with its own ``changes`` (the
    same columns for all): checked each against the table, saved in one statement (a create
    of 100 updated its devices one by one)."""
    if not devices:
        return
    now = timezone.now()
    columns = set(changes[0])
    befores = [device.manage_status for device in devices]
    afters = [device_check(device, action) for device in devices]
    for device, after, row in zip(devices, afters, changes, strict=True):
        if set(row) != columns:
            raise ValueError("devices_transition: every device changes the same columns")
        device.manage_status = after
        for column, value in row.items():
            setattr(device, column, value)
        device.updated_by = actor_name
        device.updated_at = now  # bulk_update does not fill auto_now columns
    fields = ["updated_by", "updated_at", "manage_status", *sorted(columns)]
    Device.objects.bulk_update(devices, fields)
    for device, before, after in zip(devices, befores, afters, strict=True):
        level = logging.ERROR if after == states.PUTAWAYFAIL else logging.INFO
        log.log(level, "device %s: %s -> %s (%s)", device.device_id, before, after, action)


@transaction.atomic(durable=True)
def device_mount(*, device_id: str, actor) -> Device:
    """Puts the device on sale: ``putawaying`` until the scheduler's PutawayDevice job
    (DHCPConfigAddSubnet, CheckInitConfig of the BMC credentials) ends: ``putaway`` or
    ``putawayfail`` with the reason (``services.jobs.on_putaway_event``)."""
    device = device_lock(device_id=device_id)
    device_check(device, states.MOUNT)
    if device.device_type_id is None:
        raise BmpError(NO_DEVICE_TYPE, device_id=device.device_id)
    device_transition(device=device, action=states.MOUNT, actor_name=actor.user_name, reason="")
    job_submit(task=jobs.PUTAWAY_DEVICE, device=device, actor_name=actor.user_name)
    return device


@transaction.atomic(durable=True)
def device_unmount(*, device_id: str, actor) -> Device:
    """Takes the device off sale, straight back to stock."""
    device = device_lock(device_id=device_id)
    device_transition(device=device, action=states.UNMOUNT, actor_name=actor.user_name)
    return device


@transaction.atomic(durable=True)
def device_remove(*, device_id: str, actor) -> Device:
    """Forgets the instance running on the device (the device becomes ``removed``)."""
    device = device_lock(device_id=device_id)
    if states.next_status(device.manage_status, states.REMOVE) is None:
        raise BmpError(
            NO_INSTANCE_TO_REMOVE,
            device_id=device.device_id,
            status=device.manage_status,
            status_zh=MANAGE_STATUS_NAMES[device.manage_status][ZH_CN],
        )
    events.device_removing.send(sender=Device, device=device)
    device_transition(
        device=device,
        action=states.REMOVE,
        actor_name=actor.user_name,
        instance_id="",
        user_id="",
        user_name="",
    )
    return device
